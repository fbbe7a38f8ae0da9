package dev.baton.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The semaphore's holder decision, as pure functions: given the stored holder set and the contenders that
 * are alive (their contender key still held by a session), may this contender take a permit?
 *
 * <p>Dead holders (contender key gone or no longer held) are pruned before counting, so a crashed client's
 * permit comes back once Consul invalidates its session. The holder set is a set: a contender that already
 * holds is never counted twice, which makes a retried or raced write harmless.
 */
public final class SemaphoreDecision {
  private SemaphoreDecision() {}

  /** What the contender must do. */
  public enum Kind { ACQUIRE, ALREADY_HOLDER, WAIT, LIMIT_MISMATCH }

  /**
   * @param kind the verdict
   * @param limit the limit to write (the stored one, or ours when nothing is stored)
   * @param holders the holder set to write with check-and-set (for ACQUIRE: pruned set plus this contender)
   */
  public record Decision(Kind kind, int limit, Set<String> holders) {}

  /**
   * @param storedLimit the limit in the holder record, or 0 when there is no record yet
   * @param storedHolders holders in the record
   * @param live contender ids whose contender key is held by a session
   * @param me this contender's id
   * @param myLimit the permits this client was created with
   */
  public static Decision acquire(int storedLimit, Collection<String> storedHolders, Collection<String> live,
      String me, int myLimit) {
    if (myLimit < 1) throw new IllegalArgumentException("permits must be at least 1: " + myLimit);
    int limit = storedLimit == 0 ? myLimit : storedLimit;
    Set<String> alive = prune(storedHolders, live);
    if (limit != myLimit) return new Decision(Kind.LIMIT_MISMATCH, storedLimit, alive);   // never re-limit
    if (alive.contains(me)) return new Decision(Kind.ALREADY_HOLDER, limit, alive);
    if (alive.size() >= limit) return new Decision(Kind.WAIT, limit, alive);
    Set<String> next = new LinkedHashSet<>(alive);
    next.add(me);
    return new Decision(Kind.ACQUIRE, limit, Collections.unmodifiableSet(next));
  }

  /** The holder set to write when {@code me} releases: pruned, without {@code me}. */
  public static Set<String> release(Collection<String> storedHolders, Collection<String> live, String me) {
    Set<String> next = prune(storedHolders, live);
    next.remove(me);
    return next;
  }

  private static Set<String> prune(Collection<String> holders, Collection<String> live) {
    Set<String> alive = new LinkedHashSet<>();
    for (String h : holders) {
      if (live.contains(h)) alive.add(h);
    }
    return alive;
  }
}
