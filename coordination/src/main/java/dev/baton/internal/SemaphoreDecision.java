package dev.baton.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The semaphore's holder decisions, as pure functions of one consistent read of the semaphore's prefix: the
 * holder record ({@code .lock}: limit and holders), the contenders that are alive (their contender key held
 * by a session), and the contenders whose live key is <em>marked</em> as holding a permit.
 *
 * <p>A holder is written into the record and marks its own contender key in one transaction, so every
 * holder that may still believe it holds is counted: by the record, or — when the record lost it (an
 * operator deleted or rewrote {@code .lock}) — by its mark, until it has noticed the loss and deleted its
 * key. A newcomer is admitted only while the live holders in the record and the live marked keys together
 * leave a permit free. Dead holders (contender key gone or no longer held) are pruned before counting, so a
 * crashed client's permit comes back once Consul invalidates its session. A live key that is neither
 * recorded nor marked (a waiting contender, or a contender write that landed late after its acquisition was
 * given up) holds nothing and counts for nothing. The holder set is a set: a contender that already holds is
 * never counted twice, which makes a retried or raced write harmless.
 */
public final class SemaphoreDecision {
  private SemaphoreDecision() {}

  /** What the contender must do. */
  public enum Kind {
    /** Write the new holder set (check-and-set on the record) and mark the own key, in one transaction. */
    ACQUIRE,
    /** The record already lists this contender (an earlier write of it applied): it holds. */
    ALREADY_HOLDER,
    /** No permit is free: wait for the prefix to change. */
    WAIT,
    /** The stored limit differs from this client's: refuse, never re-limit. */
    LIMIT_MISMATCH,
    /**
     * This contender's key is marked, so a write of it made it a holder, but the record no longer lists it
     * (the record was deleted or rewritten since): the permit is lost; delete the key and start over.
     */
    DROPPED
  }

  /**
   * @param kind the verdict
   * @param limit the limit to write (the stored one, or ours when nothing is stored)
   * @param holders the holder set to write with check-and-set (for ACQUIRE: the live recorded holders plus
   *     this contender); for the other kinds the live recorded holders
   */
  public record Decision(Kind kind, int limit, Set<String> holders) {}

  /**
   * @param storedLimit the limit in the holder record, or 0 when there is no record
   * @param storedHolders holders in the record
   * @param live contender ids whose contender key is held by a session
   * @param marked contender ids whose contender key is marked as holding (only live ones count)
   * @param me this contender's id
   * @param myLimit the permits this client was created with
   */
  public static Decision acquire(int storedLimit, Collection<String> storedHolders, Collection<String> live,
      Collection<String> marked, String me, int myLimit) {
    if (myLimit < 1) throw new IllegalArgumentException("permits must be at least 1: " + myLimit);
    int limit = storedLimit == 0 ? myLimit : storedLimit;
    Set<String> recorded = prune(storedHolders, live);
    if (limit != myLimit) return new Decision(Kind.LIMIT_MISMATCH, storedLimit, recorded);   // never re-limit
    if (recorded.contains(me)) return new Decision(Kind.ALREADY_HOLDER, limit, recorded);
    if (marked.contains(me) && live.contains(me)) return new Decision(Kind.DROPPED, limit, recorded);
    Set<String> taken = new LinkedHashSet<>(recorded);
    taken.addAll(prune(marked, live));
    if (taken.size() >= limit) return new Decision(Kind.WAIT, limit, recorded);
    Set<String> next = new LinkedHashSet<>(recorded);
    next.add(me);
    return new Decision(Kind.ACQUIRE, limit, Collections.unmodifiableSet(next));
  }

  /**
   * The holder set to write (check-and-set on the record, in the transaction that deletes the own contender
   * key) when {@code me} gives its permit back: the stored holders without {@code me}. A releasing holder does
   * not read the live keys, so it prunes nothing else (the next acquirer does).
   */
  public static Set<String> release(Collection<String> storedHolders, String me) {
    Set<String> next = new LinkedHashSet<>(storedHolders);
    next.remove(me);
    return next;
  }

  /**
   * Whether a holder still holds its permit by the record: false once the record is gone ({@code null}) or
   * no longer lists it. A holder that finds itself dropped gives its permit up (and deletes its marked key,
   * which is what lets newcomers in).
   */
  public static boolean stillHolder(Collection<String> storedHolders, String me) {
    return storedHolders != null && storedHolders.contains(me);
  }

  private static Set<String> prune(Collection<String> holders, Collection<String> live) {
    Set<String> alive = new LinkedHashSet<>();
    for (String h : holders) {
      if (live.contains(h)) alive.add(h);
    }
    return alive;
  }
}
