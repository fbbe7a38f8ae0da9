package dev.baton.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import dev.baton.BatonMetrics.LossReason;
import dev.baton.BatonMetrics.Primitive;
import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.ConsulUnavailableException;
import dev.baton.CoordinationException;
import dev.baton.DistributedSemaphore;
import dev.baton.Lease;
import dev.baton.internal.SemaphoreDecision.Decision;
import dev.baton.internal.SessionKeeper.Session;
import dev.baton.internal.Telemetry.Watch;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.KvOp;
import dev.baton.internal.consul.KvWrite;
import dev.baton.internal.consul.QueryResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed semaphore (Consul's semaphore recipe, made safe against a deleted record and late
 * requests): the whole algorithm in this file.
 *
 * <p><b>Keys.</b> Under {@code <prefix><name>/}: one contender key per acquisition, {@code <sessionId>-<n>}
 * (never reused), held with the Coordinator's session (value: owner, host, time); and {@code .lock}, JSON
 * {@code {"Limit": n, "Holders": {"<contender>": true, ...}}} with Flags 0, written only by check-and-set on
 * its ModifyIndex. A contender key that holds a permit is <em>marked</em>: Flags {@link #HOLDING}.
 *
 * <p><b>Consul calls.</b> Acquire: {@code PUT <contender>?acquire=<session>} (never repeated once it may have
 * been sent); {@code GET <prefix>?recurse} (blocking while no permit is free); one {@code /v1/txn} with a
 * {@code cas} on {@code .lock} (this contender added to the live recorded holders) and a {@code cas} on the own
 * contender key that marks it (Consul keeps the key's session): one commit, whose index is the fencing token. A
 * lost race re-reads. Release: {@code DELETE <contender>?cas=<ModifyIndex>} (this alone frees the permit),
 * then {@code GET .lock} and, while it still lists the contender, a {@code cas} on {@code .lock} without it
 * (re-read on a conflict; usually the next acquirer has pruned it by then). While a lease is held longer
 * than {@link HeldKeyMonitor#WATCH_DELAY}, one blocking query per semaphore object watches {@code .lock}
 * (besides the held-key monitor on the contender key).
 *
 * <p><b>Safety: never more than {@code Limit} leases hold.</b> ({@link SemaphoreDecision}) A newcomer counts
 * the live holders in the record <em>and</em> the live marked keys, and is admitted only while they leave a
 * permit free. Every mark is written in a transaction that also changes {@code .lock} by check-and-set, so
 * between a newcomer's read and its own successful commit no holder can appear that its read did not count;
 * holders only disappear. A holder stays counted for as long as it can believe it holds: through the record,
 * and — when an operator deleted or rewrote {@code .lock} — through its mark, until it has seen itself missing
 * from the record, reported the lease lost, and only then deleted its key. A releasing holder is RELEASED
 * locally before its key goes. Holders are a set, so a retried transaction never counts twice; a late one
 * fails its check-and-set (on the record, and on the contender key as read). A session lost between the
 * acquiring commit and the lease's tracking is caught right after tracking (the permit is given back and the
 * acquire retried with a fresh session), so every loss reaches the lease's listeners.
 *
 * <p><b>Late, repeated and lost requests.</b> The contender PUT is the one write whose late arrival could
 * re-create a key after the contender left (Consul has no check-and-set against a deleted key): it is sent
 * at most once, and when its outcome is unknown (no answer, interrupt) it is given to {@link Orphans}, which
 * deletes it (index-tied) if it lands within the window, and a fresh contender key is used. Until then such a
 * key is live but neither recorded nor marked, so it counts for nothing. A lost answer to the marking
 * transaction is re-read (finding itself recorded means it applied). Deletes of contender keys are
 * {@code delete-cas} on the ModifyIndex last seen, so a late delete never removes anything newer; an acquire
 * that fails or is abandoned removes what it may have written (record entry and key) in the same way.
 *
 * <p><b>Liveness.</b> A holder is alive only while its contender key is held by a session: a crashed client's
 * permit returns when Consul invalidates its session (dead holders are pruned by the next writer), and this
 * client's leases are lost when the session keeper loses the session. Caveat (as in Consul's recipe):
 * contender keys are fresh, so no lock-delay protects a permit after a forced session invalidation; fence
 * writes with the token when that matters.
 *
 * <p><b>Not Consul's Go semaphore.</b> The record has the same shape, but the two do not share a prefix: Go's
 * semaphore ({@code consul lock -n}) names holders by session, one per session, and would prune Baton's
 * per-permit holders as dead; Baton counts marks that Go does not write. Each refuses the other's
 * {@code .lock}: Go's requires its own Flags value, and Baton refuses a {@code .lock} with Flags other than 0.
 */
final class ConsulSemaphore implements DistributedSemaphore {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.semaphore");
  private static final Gson GSON = new Gson();
  private static final AtomicLong CONTENDERS = new AtomicLong();
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final String LOCK = ".lock";

  /** The Flags of a contender key that holds a permit (ASCII "baton+h1"). */
  static final long HOLDING = 0x6261746f6e2b6831L;
  /** Fresh contender keys tried when a contender PUT's outcome stays unknown. */
  static final int CONTENDER_TRIES = 3;
  /** Unanswered calls while giving a permit back before it is left to {@link Orphans} and the session. */
  static final int GIVE_BACK_TRIES = 5;
  /**
   * Lost check-and-set races while giving a permit back: on the record, after which only the key is deleted;
   * on the key (something keeps changing it), after which the key is left to the session.
   */
  static final int RECORD_CONFLICTS = 16;

  /** The {@code .lock} record. */
  private static final class Record {
    @SerializedName("Limit") int limit;
    @SerializedName("Holders") Map<String, Boolean> holders;
  }

  /** One consistent read of the prefix, seen by contender {@code mine} (null when its key is gone). */
  private record View(int limit, Set<String> holders, long lockIndex, Set<String> live, Set<String> marked,
      KvEntry mine, List<KvEntry> dead) {}

  /** One permit held (or being given up): its contender key as marked by the acquiring transaction. */
  private static final class Permit {
    final String id;
    final String key;
    final Session session;
    final long index;
    final byte[] value;
    final long since = System.nanoTime();
    final LeaseState state = new LeaseState();
    final AtomicBoolean givenBack = new AtomicBoolean();

    Permit(String id, String key, Session session, long index, byte[] value) {
      this.id = id;
      this.key = key;
      this.session = session;
      this.index = index;
      this.value = value;
    }

    boolean held() {
      return state.phase() == LeaseState.Phase.HELD;
    }
  }

  private final BatonRuntime runtime;
  private final ConsulTransport consul;
  private final Watches watches;
  private final SessionKeeper sessions;
  private final String prefix;
  private final String lockKey;
  private final int permits;
  private final Telemetry.Subject telemetry;
  /** Held permits of this object whose record membership is watched. */
  private final Map<String, Permit> watched = new ConcurrentHashMap<>();
  /** Whether the record watch runs (guarded by {@link #watched}, as the two fields below). */
  private boolean watching;
  /** The index of the record watch's last read (0: none yet). */
  private long watchIndex;
  /** The holders that read listed (null: there was no record). */
  private Set<String> watchListed;

  ConsulSemaphore(BatonRuntime runtime, String key, int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1: " + permits + " (semaphore " + key + ")");
    }
    this.runtime = runtime;
    this.consul = runtime.consul;
    this.watches = runtime.watches;
    this.sessions = runtime.sessions;
    this.prefix = key + "/";
    this.lockKey = prefix + LOCK;
    this.permits = permits;
    this.telemetry = runtime.telemetry.subject(Primitive.SEMAPHORE, key, permits);
  }

  @Override
  public String prefix() {
    return prefix;
  }

  @Override
  public int permits() {
    return permits;
  }

  @Override
  public Lease acquire() throws InterruptedException {
    try {
      return acquire(Deadlines.NONE, true);
    } catch (TimeoutException e) {
      throw new AssertionError("no deadline, no timeout", e);
    }
  }

  @Override
  public Lease acquire(Duration timeout) throws InterruptedException, TimeoutException {
    return acquire(Deadlines.after(timeout), true);
  }

  @Override
  public Optional<Lease> tryAcquire() {
    try {
      return Optional.of(acquire(System.nanoTime(), false));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while trying to acquire a permit of " + prefix, e);
    }
  }

  @Override
  public String toString() {
    return "DistributedSemaphore{" + prefix + ", permits=" + permits + "}";
  }

  // ------------------------------------------------------------------------------------------ acquiring

  private Lease acquire(long deadline, boolean wait) throws InterruptedException, TimeoutException {
    long started = telemetry.acquiring();
    Lease lease = sessions.withSession(sessions.current(), session -> acquire(session, deadline, wait));
    telemetry.acquired(lease, started);
    return lease;
  }

  /** Contends with fresh contender keys until one holds a permit (or the wait ends). */
  private Lease acquire(Session session, long deadline, boolean wait)
      throws InterruptedException, TimeoutException {
    for (int tries = 1; ; tries++) {
      String id = session.id() + "-" + CONTENDERS.incrementAndGet();
      String key = prefix + id;
      byte[] value = contenderValue();
      boolean created;
      try {
        created = consul.kvPut(key, value, KvWrite.acquire(session.id()));
      } catch (ConsulAccessDeniedException | ConsulRequestRejectedException | ConsulSessionInvalidException e) {
        throw e;                                       // refused: nothing was written
      } catch (RuntimeException e) {
        abandoned(key, session, value);                // may land now or later: watched and removed
        if (tries == CONTENDER_TRIES || !(e instanceof ConsulUnavailableException)
            || (wait && Deadlines.passed(deadline))) {
          throw e;
        }
        log.debug("creating contender key {} gave no answer, trying a fresh one: {}", key, e.toString());
        continue;
      } catch (InterruptedException e) {
        abandoned(key, session, value);
        throw e;
      }
      if (!created) throw new CoordinationException("could not create contender key " + key);
      Lease lease = contend(session, id, key, deadline, wait);
      if (lease != null) return lease;
      if (tries == CONTENDER_TRIES) {
        throw new CoordinationException("semaphore " + prefix + ": admitted, then dropped from " + lockKey
            + " " + tries + " times in a row (is something rewriting the holder record?)");
      }
    }
  }

  /**
   * Waits for a permit as contender {@code id}, whose key exists. Answers the lease, or null when the
   * contender was admitted and then dropped from the record (start over with a fresh key). Whatever does not
   * end in a lease leaves nothing behind.
   */
  private Lease contend(Session session, String id, String key, long deadline, boolean wait)
      throws InterruptedException, TimeoutException {
    boolean held = false;
    long keyIndex = 0;                                 // the contender key's ModifyIndex last seen
    byte[] marking = null;                             // the value of the last marking transaction sent
    try {
      long index = 0;
      while (true) {
        QueryResult<List<KvEntry>> read = watches.list(prefix, index, index == 0 ? Duration.ZERO
            : Deadlines.waitFor(deadline));
        telemetry.woke(Watch.PERMITS, prefix, index, read.index());
        index = BlockingIndex.next(index, read.index());
        View view = view(read.value(), id);
        if (view.mine() == null || !session.id().equals(view.mine().session())) {
          throw new CoordinationException("contender key " + key + " was lost while waiting "
              + "(session lost, or deleted by an operator)");
        }
        keyIndex = view.mine().modifyIndex();
        Decision d = SemaphoreDecision.acquire(view.limit(), view.holders(), view.live(), view.marked(), id,
            permits);
        switch (d.kind()) {
          case LIMIT_MISMATCH -> throw new CoordinationException("semaphore " + prefix + " has " + d.limit()
              + " permits in Consul but this client asks for " + permits + "; every client must use the same "
              + "number (to change it, stop all clients and delete " + lockKey + ")");
          case ALREADY_HOLDER -> {                    // an earlier transaction of ours applied after all
            held = true;
            return lease(new Permit(id, key, session, view.mine().modifyIndex(), view.mine().value()));
          }
          case DROPPED -> {
            log.info("semaphore {}: contender {} was admitted, then dropped from {}; starting over", prefix, id,
                lockKey);
            return null;
          }
          case ACQUIRE -> {
            byte[] marked = contenderValue();
            marking = marked;
            Optional<List<KvEntry>> written;
            try {
              written = consul.kvTxn(List.of(
                  KvOp.cas(lockKey, record(d.limit(), d.holders()), 0, view.lockIndex()),
                  KvOp.cas(key, marked, HOLDING, keyIndex)));
            } catch (ConsulUnavailableException e) {
              log.debug("semaphore {}: no answer to the acquiring transaction, reading again: {}", prefix,
                  e.toString());
              written = Optional.empty();             // applied or not: the next read tells
            }
            if (written.isPresent()) {
              KvEntry mine = written.get().get(1);
              held = true;
              return lease(new Permit(id, key, session, mine.modifyIndex(), marked));
            }
            index = 0;                                 // lost a race: re-read now, never count twice
          }
          case WAIT -> {
            pruneDead(view.dead());
            if (!wait || Deadlines.passed(deadline)) {
              throw new TimeoutException("timed out waiting for a permit of " + prefix);
            }
          }
        }
      }
    } finally {
      if (!held) {                                     // not a holder: never leave a contender behind
        // Index-tied on the key as last seen: if a marking transaction of ours applied after that read (its
        // answer was lost, or it landed late), the key changed and giveBack removes the record entry too.
        Permit gone = new Permit(id, key, session, keyIndex, marking);
        gone.state.release();
        Remote.bestEffort(log, "delete contender key " + key + "; it dies with the session", null,
            () -> giveBack(gone, false));
      }
    }
  }

  /** A permit is held: track it (lost with the session), watch its record membership, hand out its lease. */
  private Lease lease(Permit p) {
    runtime.leases.track(telemetry, p.session.id(), p.key, p.index, p.index, p.state);
    if (!p.session.isValid()) {                        // lost between the commit and track: never reported
      runtime.leases.untrack(p.session.id(), p.state);
      p.state.release();
      Remote.bestEffort(log, "give back the permit " + p.key + " after the session was lost; it dies with "
          + "the session", null, () -> giveBack(p, true));
      throw new SessionKeeper.SessionLost("session " + p.session.id() + " lost while acquiring a permit of "
          + prefix);
    }
    watch(p);
    return new LeaseHandle(p.key, p.index, p.state, p.session, () -> release(p), telemetry);
  }

  /** A contender PUT whose outcome is unknown: removed, index-tied, if it lands within the window. */
  private void abandoned(String key, Session session, byte[] value) {
    runtime.orphans.abandoned(key, session.id(), value,
        orphan -> consul.kvDeleteCas(orphan.key(), orphan.modifyIndex()));
  }

  // ------------------------------------------------------------------------------------------ releasing

  private void release(Permit p) {
    runtime.leases.untrack(p.session.id(), p.state);
    if (p.state.release()) {
      Remote.complete("release " + p.key, () -> giveBack(p, true));
    } else if (!p.givenBack.get()) {                   // lost: tidy up, never throw
      Remote.bestEffort(log, "give back the lost permit " + p.key + "; it dies with the session", null,
          () -> giveBack(p, true));
    }
  }

  /**
   * Gives a permit back (or a contender's place). First the contender key goes, {@code delete-cas} on its
   * ModifyIndex (re-read when it changed): that alone frees the permit, since a holder without a live key
   * counts for nothing. Then, when the record may list the contender, it is removed from the record by
   * check-and-set, re-reading on a conflict (usually the next acquirer has pruned it by then). {@code
   * maybeRecorded} false: the index in {@code p} is that of the unmarked key, so the record cannot list it
   * unless the delete-cas fails. After {@link #RECORD_CONFLICTS} lost races on a busy record the entry is
   * left for the next acquirer to prune (a key that keeps changing is left to the session, and thrown). After {@link #GIVE_BACK_TRIES} calls without an answer the marked
   * key is left to {@link Orphans} (removed, index-tied, when Consul answers again) and the failure thrown.
   */
  private void giveBack(Permit p, boolean maybeRecorded) throws InterruptedException {
    long keyIndex = p.index;                           // 0: not known, read it
    boolean keyGone = false;
    int unanswered = 0;
    int conflicts = 0;
    while (true) {
      try {
        if (!keyGone) {
          if (keyIndex == 0) {
            Optional<KvEntry> mine = consul.kvGet(p.key);
            if (mine.isPresent()) keyIndex = mine.get().modifyIndex();
            else keyGone = true;
          }
          if (!keyGone) {
            if (!consul.kvDeleteCas(p.key, keyIndex)) {
              if (++conflicts >= RECORD_CONFLICTS) {
                if (p.value != null) abandoned(p.key, p.session, p.value);
                throw new CoordinationException("could not delete contender key " + p.key + ": it kept "
                    + "changing; it is removed when the session ends");
              }
              keyIndex = 0;                            // it changed: a marking may have applied, read it
              maybeRecorded = true;
              continue;
            }
            keyGone = true;
          }
        }
        if (!maybeRecorded || conflicts >= RECORD_CONFLICTS) break;
        Optional<KvEntry> lock = consul.kvGet(lockKey);
        Set<String> listed = lock.map(this::holdersOrEmpty).orElse(Set.of());
        if (!listed.contains(p.id)) break;
        byte[] rest = record(parse(lock.get()).limit, SemaphoreDecision.release(listed, p.id));
        if (consul.kvTxn(List.of(KvOp.cas(lockKey, rest, lock.get().flags(), lock.get().modifyIndex())))
            .isPresent()) {
          break;
        }
        conflicts++;                                   // lost a race: read again
      } catch (ConsulUnavailableException e) {
        if (++unanswered >= GIVE_BACK_TRIES) {
          if (!keyGone && p.value != null) abandoned(p.key, p.session, p.value);
          throw e;
        }
        if (!keyGone) {                                // applied or not: read again
          keyIndex = 0;
          maybeRecorded = true;
        }
      }
    }
    p.givenBack.set(true);
  }

  // ------------------------------------------------------------------------------------ watching .lock

  /**
   * Watches the record for {@code p} once it has been held for {@link HeldKeyMonitor#WATCH_DELAY} (short holds
   * cost no call). The watch's last read is at least as new as {@code p}'s acquisition when its index is not
   * smaller; then {@code p} is checked against it at once, otherwise {@code p}'s own commit wakes the watch.
   */
  private void watch(Permit p) {
    CompletableFuture.delayedExecutor(HeldKeyMonitor.WATCH_DELAY.toMillis(), TimeUnit.MILLISECONDS,
        Runnable::run).execute(() -> {
          boolean start = false;
          boolean drop = false;
          boolean recordGone = false;
          synchronized (watched) {
            if (!p.held()) return;
            watched.put(p.id, p);
            if (!watching) {
              watching = true;
              watchIndex = 0;
              start = true;
            } else if (watchIndex >= p.index && !SemaphoreDecision.stillHolder(watchListed, p.id)) {
              drop = true;
              recordGone = watchListed == null;
            }
          }
          if (start) thread(this::watchRecord);
          boolean gone = recordGone;
          if (drop) thread(() -> dropQuietly(p, gone));
        });
  }

  private static void thread(Runnable r) {
    Thread t = new Thread(r, "baton-semaphore-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    t.start();
  }

  /**
   * One blocking query on {@code .lock} for all watched permits of this object: a permit whose contender the
   * record no longer lists (or the record is gone) is lost — reported first, then its key deleted, which is
   * what lets a newcomer count it out. Only the record's state decides; errors are retried after a pause.
   */
  private void watchRecord() {
    long index = 0;
    try {
      while (true) {
        synchronized (watched) {
          watched.values().removeIf(p -> !p.held());
          if (watched.isEmpty() || runtime.isClosed()) {
            watching = false;
            return;
          }
        }
        QueryResult<Optional<KvEntry>> r;
        try {
          r = watches.get(lockKey, index, index == 0 ? Duration.ZERO : Deadlines.LONGEST_WAIT);
        } catch (RuntimeException e) {
          if (runtime.isClosed()) continue;            // the leases are lost: the loop ends
          log.debug("watching {} failed, retrying: {}", lockKey, e.toString());
          Thread.sleep(1000);                         // back off before the next blocking query
          continue;
        }
        telemetry.woke(Watch.HELD_KEY, lockKey, index, r.index());
        index = BlockingIndex.next(index, r.index());
        Set<String> listed = r.value().map(this::holdersOrEmpty).orElse(null);
        List<Permit> drop = new ArrayList<>();
        synchronized (watched) {
          watchIndex = index;
          watchListed = listed;
          for (Permit p : watched.values()) {
            if (!SemaphoreDecision.stillHolder(listed, p.id)) drop.add(p);
          }
        }
        for (Permit p : drop) dropped(p, listed == null);
      }
    } catch (InterruptedException e) {
      synchronized (watched) {
        watching = false;
      }
    }
  }

  private void dropQuietly(Permit p, boolean recordGone) {
    try {
      dropped(p, recordGone);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code p} is missing from the record: its lease is lost, and only then its key deleted. */
  private void dropped(Permit p, boolean recordGone) throws InterruptedException {
    watched.remove(p.id, p);
    runtime.leases.untrack(p.session.id(), p.state);
    String detail = recordGone ? "the semaphore's holder record " + lockKey + " was deleted"
        : "the semaphore's holder record " + lockKey + " no longer lists " + p.id;
    new Hold(telemetry, p.key, p.session.id(), p.index, p.index, p.since, null)
        .lose(p.state, recordGone ? LossReason.KEY_DELETED : LossReason.KEY_RELEASED, detail);
    if (p.state.lostReason() != detail) return;        // released or lost meanwhile: that path gives it back
    try {
      giveBack(p, true);                              // reported lost first: only now may a newcomer count it out
    } catch (RuntimeException e) {
      log.warn("could not delete contender key {} after its permit was lost; it dies with the session", p.key, e);
    }
  }

  // ------------------------------------------------------------------------------------------ the prefix

  private View view(List<KvEntry> entries, String me) {
    int limit = 0;
    Set<String> holders = new HashSet<>();
    long lockIndex = 0;
    Set<String> live = new HashSet<>();
    Set<String> marked = new HashSet<>();
    KvEntry mine = null;
    List<KvEntry> dead = new ArrayList<>();
    for (KvEntry e : entries) {
      String name = e.key().substring(prefix.length());
      if (name.equals(LOCK)) {
        lockIndex = e.modifyIndex();
        Record r = parse(e);
        limit = r.limit;
        if (r.holders != null) holders.addAll(r.holders.keySet());
        continue;
      }
      if (name.equals(me)) mine = e;
      if (e.session() != null) {
        live.add(name);
        if (e.flags() == HOLDING) marked.add(name);
      } else {
        dead.add(e);
      }
    }
    return new View(limit, holders, lockIndex, live, marked, mine, dead);
  }

  private Record parse(KvEntry lockEntry) {
    if (lockEntry.flags() != 0) {
      throw new CoordinationException("semaphore record " + lockKey + " carries Flags 0x"
          + Long.toHexString(lockEntry.flags()) + ": the prefix is used by another implementation (Consul's Go "
          + "semaphore or lock, consul lock), which cannot share it with Baton's semaphore");
    }
    try {
      Record r = GSON.fromJson(lockEntry.valueUtf8(), Record.class);
      if (r != null && r.limit > 0) return r;
    } catch (JsonParseException e) {
      // fall through
    }
    throw new CoordinationException("semaphore record " + lockKey + " is not a {Limit, Holders} JSON object: "
        + lockEntry.valueUtf8());
  }

  /** The holders a record lists; none when it is not a record of ours. */
  private Set<String> holdersOrEmpty(KvEntry lockEntry) {
    try {
      Record r = parse(lockEntry);
      return r.holders == null ? Set.of() : Set.copyOf(r.holders.keySet());
    } catch (CoordinationException e) {
      return Set.of();
    }
  }

  private static byte[] record(int limit, Set<String> holders) {
    Record r = new Record();
    r.limit = limit;
    r.holders = new LinkedHashMap<>();
    for (String h : holders) r.holders.put(h, true);
    return GSON.toJson(r).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] contenderValue() {
    return HolderValue.encode(runtime.ownerId, null, null, null);
  }

  /** Contender keys whose session is gone: delete them (check-and-set, so a reused key is never hit). */
  private void pruneDead(List<KvEntry> dead) throws InterruptedException {
    for (KvEntry e : dead) {
      try {
        consul.kvDeleteCas(e.key(), e.modifyIndex());
      } catch (ConsulException ex) {
        log.debug("could not prune dead contender {}: {}", e.key(), ex.toString());
      }
    }
  }
}
