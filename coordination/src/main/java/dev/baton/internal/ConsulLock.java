package dev.baton.internal;

import dev.baton.BatonMetrics.Primitive;
import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.ConsulUnavailableException;
import dev.baton.CoordinationException;
import dev.baton.DistributedLock;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import dev.baton.LockHolder;
import dev.baton.internal.SessionKeeper.Session;
import dev.baton.internal.Telemetry.Watch;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.ConsulTransport.LockAttempt;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.QueryResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed lock: the whole algorithm in this file.
 *
 * <p><b>Keys.</b> {@code <prefix><name>}: held with the Coordinator's session, value = JSON
 * {@code {ownerId, host, acquiredAt, session, seq}} ({@code seq} makes every write's value unique in
 * this JVM). Fair mode also writes {@code <key>/.queue/<session>-<n>} (a
 * new key for every join, {@code n} counting this JVM's joins), held with the session while waiting, deleted
 * once the lock is taken (or the wait is abandoned). Default mode (Baton's own keys) writes
 * {@code <key>/.wait/<session>-<n>}: this client's announcement that it waits (see "Hand-over between clients").
 *
 * <p><b>Consul calls.</b> Acquire: {@code PUT /v1/txn} with a {@code check-index} on the key's ModifyIndex as
 * last seen (or {@code check-not-exists} when it was seen absent) and a KV {@code lock} operation: the answer
 * carries the entry's new ModifyIndex, the fencing token. The state last seen comes from the answers of this
 * client's own lock, unlock and read calls ({@link KnownIndexes}), so an uncontended acquire is one call; the
 * first acquisition of a key by a Coordinator reads it once, and a state that was out of date costs one
 * refused transaction and a read. Wait:
 * {@code GET /v1/kv/<key>?index=&wait=} (fair: the predecessor's queue key) until the key is free, then try
 * again; when Consul refuses a free key because of a lock-delay, sleep in the same blocking query for a slice
 * of the lock-delay. Release: {@code PUT /v1/txn} with {@code check-index} on the hold's ModifyIndex (its
 * token) and {@code unlock} with the session: it frees exactly that hold or nothing. When it frees nothing
 * because the key moved on, one {@code GET} of the key tells why (see (5)). Hand-over (default mode, a thread
 * of this Coordinator waits at the gate): instead of the release, the releasing lease locks the key again
 * with the same session and the next holder's value (a new write with a new index: the next hold's token)
 * and passes that hold on with the gate: one call instead of a release and an acquire.
 *
 * <p><b>Hand-over between clients</b> (default mode, Baton's own keys). A client whose acquisition is refused
 * while another session holds the key announces itself: a create-only lock transaction of a fresh key under
 * {@code <key>/.wait/}, held by its session, tied ({@code check-index}) to the lock key's state it was refused
 * in, whose value is the holder value the key will carry for it. The announcement outlives the acquisition
 * while threads of the client keep wanting the key (it is retired once the gate has been free for
 * {@link #IDLE_GRACE}). The release of a hold that came after a wait reads the announcements (stale reads are
 * enough; a reading is reused for {@link #LISTING_FRESH}) and, when another client announced, makes one
 * transaction: {@code check-index} on its own token, {@code unlock}, {@code lock} for the announcer's session
 * with the announcement's value, {@code check-index} on the announcement. The key moves in one Raft commit
 * (its new index: the next token) or nothing happens (the hold moved on, the announcer's session is gone,
 * the announcement changed or was deleted), and then the tied unlock follows. The announcer picked is the
 * first made after the releaser's own (round robin, so no client starves another). The waiter, blocked on
 * the key, holds when the key shows its session and its announcement's value: no write. An announcement of
 * an ended session met on the way is deleted.
 *
 * <p><b>Fair queue.</b> Calls: join with a create-only lock transaction on a fresh key, never repeated blindly; list
 * the queue in a blocking query; block on the predecessor's entry; leave with
 * {@code DELETE <queue key>?cas=<its ModifyIndex>}. Safety against late, repeated and lost requests: an entry
 * blocks the waiters behind it only while it is somebody's current wait. A join is written once, under a key
 * of its own; when its outcome is unknown (lost answer, timeout, interrupt) it is handed to {@link Orphans},
 * which deletes it, tied to its ModifyIndex, if it lands late (after we left, or after an election closed), and
 * the next join writes another key. A waiter also deletes, index-tied, the entries ahead of it that belong to
 * its own session (only the gate's owner queues for a key in one Coordinator, so they are stale) or to an
 * invalidated session. Leaving is a delete-cas on the entry's ModifyIndex: keys are never reused, so a late or
 * repeated DELETE can only ever remove the entry it was meant for; a leave that cannot be confirmed goes to
 * the orphan watch too. An entry at the head of the queue that leaves the lock free and unchanged for two
 * {@link #HEAD_GRACE}s loses its turn: the waiter behind it deletes it (tied to its ModifyIndex). That bounds
 * what any entry nobody waits for can cost (a copy of a join that landed after its entry was deleted, which
 * no check can refuse); a live but slow head only loses its place in the order (it is taking the lock in
 * default mode by then), never exclusion, which rests on the lock key alone.
 *
 * <p><b>Safety.</b> (1) Consul lets one session hold the key; the {@link LocalGate} lets one thread of this
 * Coordinator talk to Consul about it, so at most one thread in all clients holds it. (2) A lease is valid only
 * while the session keeper can prove the session alive (local deadline = last renewal start + the shorter
 * of TTL and lock-delay, earlier than anyone else could acquire the key); past it, or when Consul says the session is gone, the lease is lost
 * and its listeners fire. (3) The token is the Raft index of the acquiring write: every later acquisition of
 * the key is a later write, so tokens grow strictly across holders, sessions and client restarts (not across
 * a rebuilt cluster that lost its Raft log); a hand-over is such a write too (checked: a token that did not
 * grow is never handed over).
 *
 * <p><b>Requests that land late, twice or never.</b> (0) Every lock transaction is tied to the key's state it
 * was decided on (see above): a copy of it that lands later (a retransmission, a transport retry, a
 * duplicate) finds the key moved on — by this very write when it succeeded, by a release, by anybody's
 * acquisition — and changes nothing. The one state nothing moves is a free key under a lock-delay: attempts
 * refused by a lock-delay are handed to {@link Orphans} when the acquisition fails (see (6)). A fair-queue
 * join is a create-only lock of a fresh key ({@code check-not-exists}); a copy that lands after the entry
 * was deleted does re-create it, and the head-of-queue rule above keeps it from blocking anyone for more
 * than two {@link #HEAD_GRACE}s. All threads of a Coordinator share one session, so a
 * release by session ({@code ?release=}) would free whatever hold of the session is current when it lands.
 * (4) Every release is tied to the write of its hold (check-index on its token): a release that lands late,
 * twice, or after a retry already succeeded finds the index moved and frees nothing; releases are therefore
 * retried freely. A later hold, even of the same session, is a later write with another index. (5) When the
 * tied release frees nothing although the key is held by this session, the key shows a late write of this
 * session (see (6)); the release frees that write instead, tied to its own index. This is done only when that
 * write cannot be another lease's hold: by the gate's owner (no other thread of this Coordinator writes the key
 * while it owns the gate), or, when the Coordinator closes, for a write known to be abandoned
 * ({@link Orphans#isOrphan}). Otherwise the hold is gone already (released by an earlier attempt, taken over
 * after a session loss, deleted) and nothing is done. (6) An acquiring write whose outcome is unknown (its
 * answer lost, timed out or interrupted while it was on its way, or a transport retry of it) may land at
 * any time later. It is never followed by a blind release (which could land first, or free a later hold):
 * each attempt carries a value of its own, and each such attempt is handed to {@link Orphans}, which watches
 * the key for {@link Orphans#WINDOW} and, when the key shows that very value held by the session, unlocks it
 * tied to its index, unless a thread of this Coordinator owns the gate: an owner's hold may have been
 * overwritten in place by the late write (same session, same key) and is still valid, so unlocking that
 * index would free a lease that is held. The owner's own release then frees it by (5). An unlock tied to the
 * late write's index cannot free anything written after it, so a thread taking the gate in between is safe.
 * (7) A release that cannot be confirmed (Consul unreachable) hands the hold to {@link Orphans} as well, after
 * the gate is freed. (8) The remote release always happens before the local gate is freed. (9) Hand-over: an
 * announcement is tied to the lock key's state, so a copy that lands after the key moved on (or while its
 * entry exists) changes nothing; one that lands after its entry was deleted with the key unchanged (the
 * waiter gave up while the same hold lasted) re-creates it, and so does an announcement whose answer was
 * lost: such an entry goes to {@link Orphans}, which deletes it (tied to its index) when it shows up and then
 * passes on a hand-over made to it before (none can come after: the hand-over is tied to the entry's index).
 * The hand-over transaction is tied to the releasing hold's token: a repetition or late copy finds the index
 * moved and changes nothing, so it is retried freely; when its outcome stays unknown the hold goes to the
 * orphan watch as in (7). A key handed to this client while none of its threads waits for it (they stopped
 * just then) is passed on: by the retiring of the announcement once the gate is free (it deletes the entry,
 * then reads the key), or by the orphan watch. It is released, not handed on, so two idle announcers never
 * pass it back and forth. Exclusion never rests on any of this: the key is held by one session at a time,
 * and a waiter takes it only when it shows its own session and announcement.
 */
final class ConsulLock implements DistributedLock {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.lock");

  /**
   * Local hand-overs in a row (default mode) after which a release goes to Consul again, so that contenders
   * in other clients get their turn.
   */
  static final int MAX_LOCAL_HANDOVERS = 8;

  /** Attempts of a release whose tied unlock found the key moved on to another write of this session. */
  private static final int RELEASE_ROUNDS = 3;

  /** One remote hold, shared by the reentrant leases of the gate's owner. */
  private static final class Held {
    final Session session;
    final long token;                                // the ModifyIndex of the write that made the hold
    final byte[] value;                              // that write's value (unique)
    final int localHandovers;                        // how many local hand-overs in a row led to this hold
    final LeaseState state = new LeaseState();
    /** Other clients wanted the key lately (this hold came after a wait): its release looks for a waiter. */
    volatile boolean contended;

    Held(Session session, long token, byte[] value, int localHandovers) {
      this.session = session;
      this.token = token;
      this.value = value;
      this.localHandovers = localHandovers;
    }
  }

  /** A hold written for the next local thread by a releasing lease, given to it with the gate. */
  private record Handover(Held held) {}

  private final BatonRuntime runtime;
  private final ConsulTransport consul;
  private final Watches watches;
  private final SessionKeeper sessions;
  private final LocalGate.Registry gates;
  private final LeaseRegistry leases;
  private final String key;
  private final String queuePrefix;
  /** Where waiters announce themselves to be handed the key ({@code <key>/.wait/}); see {@link #announcing}. */
  private final String waitPrefix;
  /** Default-mode locks of Baton's own kind: waiters announce themselves and a release hands the key over. */
  private final boolean announcing;
  /** Set once Consul refused an announcement (e.g. the ACL token may not write there): waits go without. */
  private volatile boolean announceRefused;
  private final boolean fair;
  private final long lockDelaySliceMillis;
  private final String candidateId;
  private final Map<String, String> metadata;
  private final Telemetry.Subject telemetry;
  /** The Flags of the key: 0, or {@link #GO_LOCK_FLAGS} for a lock shared with Consul's Go clients. */
  private final long flags;

  /** The Flags of a lock key of Consul's Go client ({@code api.Lock}, {@code consul lock}). */
  static final long GO_LOCK_FLAGS = 0x2ddccbc058a50c18L;

  /** A lock; with a candidate id (and metadata) its value also names an election candidate. */
  ConsulLock(BatonRuntime runtime, String key, boolean fair, String candidateId, Map<String, String> metadata) {
    this(runtime, key, fair, candidateId, metadata, 0);
  }

  /** A default-mode lock whose key carries {@code flags} ({@link #GO_LOCK_FLAGS}: shared with Go's clients). */
  ConsulLock(BatonRuntime runtime, String key, long flags) {
    this(runtime, key, false, null, null, flags);
  }

  private ConsulLock(BatonRuntime runtime, String key, boolean fair, String candidateId,
      Map<String, String> metadata, long flags) {
    this.flags = flags;
    this.candidateId = candidateId;
    this.metadata = metadata == null ? null : Map.copyOf(metadata);
    this.runtime = runtime;
    this.consul = runtime.consul;
    this.watches = runtime.watches;
    this.sessions = runtime.sessions;
    this.gates = runtime.gates;
    this.leases = runtime.leases;
    this.key = key;
    this.queuePrefix = key + "/.queue/";
    this.waitPrefix = key + "/.wait/";
    this.fair = fair;
    this.announcing = !fair && candidateId == null && flags == 0;
    // a refused attempt under lock-delay costs no Raft commit: retry in tenths of it (20 to 250 ms)
    this.lockDelaySliceMillis = Math.max(20, Math.min(250, runtime.lockDelay.toMillis() / 10));
    this.telemetry = runtime.telemetry.subject(candidateId == null ? Primitive.LOCK : Primitive.ELECTION, key, 0);
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public Lease acquire() throws InterruptedException {
    try {
      return acquire(Deadlines.NONE);
    } catch (TimeoutException e) {
      throw new AssertionError("no deadline, no timeout", e);
    }
  }

  @Override
  public Lease acquire(Duration timeout) throws InterruptedException, TimeoutException {
    return acquire(Deadlines.after(timeout));
  }

  @Override
  public Optional<Lease> tryAcquire() {
    long started = telemetry.acquiring();
    LocalGate gate = gates.enter(key);
    boolean done = false;
    try {
      if (!gate.tryAcquire()) return Optional.empty();
      try {
        Lease lease = reentrant(gate);
        if (lease == null) {
          Held held = attemptNow(sessions.current(), false).held();
          if (held != null) lease = attach(gate, held);
        }
        done = lease != null;
        if (done) telemetry.acquired(lease, started);
        return Optional.ofNullable(lease);
      } finally {
        if (!done) gate.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while trying to acquire " + key, e);
    } finally {
      if (!done) leaveGate();
    }
  }

  @Override
  public Optional<LockHolder> holder() {
    return holderEntry().map(HolderValue::holderOf);
  }

  /** The key's entry when it is held. */
  Optional<KvEntry> holderEntry() {
    try {
      return consul.kvGet(key).filter(KvEntry::isHeld);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while reading the holder of " + key, e);
    }
  }

  @Override
  public String toString() {
    return "DistributedLock{" + key + (fair ? ", fair" : "") + "}";
  }

  // ------------------------------------------------------------------------------------------ acquiring

  private Lease acquire(long deadline) throws InterruptedException, TimeoutException {
    long started = telemetry.acquiring();
    LocalGate gate = gates.enter(key);
    boolean done = false;
    try {
      long wait = deadline == Deadlines.NONE ? -1 : Math.max(0, deadline - System.nanoTime());
      if (!gate.acquire(wait)) throw timeout(deadline);
      try {
        Lease lease = reentrant(gate);
        if (lease == null) lease = attach(gate, acquireHeld(gate, deadline));
        done = true;
        telemetry.acquired(lease, started);
        return lease;
      } finally {
        if (!done) gate.release();
      }
    } finally {
      if (!done) leaveGate();
    }
  }

  /** The gate's owner acquiring again: one more hold on the same remote hold. */
  private Lease reentrant(LocalGate gate) {
    if (gate.holds() < 2) return null;
    Held held = (Held) gate.attachment();
    if (held == null || held.state.phase() != LeaseState.Phase.HELD || !held.session.isValid()) {
      throw new LeaseLostException(key, "this thread still has a lost lease on it; close that lease first");
    }
    return handle(gate, held);
  }

  private Lease attach(LocalGate gate, Held held) {
    gate.attach(held);
    return handle(gate, held);
  }

  private Lease handle(LocalGate gate, Held held) {
    return new LeaseHandle(key, held.token, held.state, held.session, () -> release(gate, held), telemetry);
  }

  /**
   * The gate's new owner takes the hold handed over with the gate (already written for it in Consul), or
   * acquires in Consul. A handed-over hold that is lost by now, or arrives with an interrupt, is released.
   */
  private Held acquireHeld(LocalGate gate, long deadline) throws InterruptedException, TimeoutException {
    if (gate.attachment() instanceof Handover handover) {
      gate.attach(null);
      Held held = handover.held();
      if (Thread.interrupted()) {
        releaseUnused(held);
        throw new InterruptedException("interrupted while acquiring " + key);
      }
      if (held.state.phase() == LeaseState.Phase.HELD && held.session.isValid()) return held;
      releaseUnused(held);
    }
    return fair ? acquireFair(deadline) : acquireRemote(deadline);
  }

  /**
   * Default mode: try; when refused, sleep in a blocking query on the key until it is free (or handed to this
   * client); repeat. Attempts refused under a lock-delay were tied to a free key that nothing changes until the
   * delay ends, so a copy of one that lands late could still take it: when this acquisition fails, they go to
   * the orphan watch. A lock of Baton's own kind announces the wait when it is refused (see {@link Waiting}),
   * and takes the key when it finds it handed over: held by its session with the announcement's value.
   */
  private Held acquireRemote(long deadline) throws InterruptedException, TimeoutException {
    long index = 0;
    Session session = null;
    Waiting waiting = null;
    boolean waited = false;
    boolean announceFailed = false;
    List<byte[]> refused = new ArrayList<>();
    try {
      while (true) {
        Session current = sessions.current();
        if (current != session) refused = abandonRefused(session, refused);
        session = current;
        Attempt attempt = attemptNow(session, true);
        if (attempt.held() != null) {
          refused.clear();                           // tied to a state the acquisition has moved on from
          attempt.held().contended = waited || waiting != null;
          return attempt.held();
        }
        waited = true;
        if (attempt.refusedUnderDelay() != null) refused.add(attempt.refusedUnderDelay());
        if (attempt.heldAt() > 0) {
          if (announcing && !announceRefused && !announceFailed && (waiting == null || waiting.session != session)) {
            boolean[] stale = {false};
            waiting = announce(session, attempt.heldAt(), stale);
            if (stale[0]) {                            // the key moved on meanwhile: look again
              runtime.indexes.forget(key);
              checkDeadline(deadline);
              continue;
            }
            announceFailed = waiting == null;          // this acquisition waits without one
          }
          index = Math.max(index, attempt.heldAt());
        }
        long[] next = {index};
        Optional<KvEntry> seen = awaitFree(next, attempt.lockDelay(), deadline);
        index = next[0];
        if (waiting != null && waiting.session == session && waiting.isHandedOver(seen)) {
          Held held = takeHandedOver(waiting, seen.get());
          if (held != null) return held;
        }
      }
    } finally {
      abandonRefused(session, refused);
    }
  }

  // ------------------------------------------------------------------------------------------ hand-over

  /**
   * How long an announcement outlives the moment no thread of this Coordinator wants the key (the gate is
   * free): a thread that acquires again within it keeps it (a client in a loop of acquisitions).
   */
  static final Duration IDLE_GRACE = Duration.ofMillis(200);
  /**
   * How long a release trusts the announcements it last read (Consul checks the one it hands to; a new
   * announcer is seen at most this late).
   */
  private static final Duration LISTING_FRESH = Duration.ofMillis(500);
  /** Announcements by this JVM: each writes a key of its own, {@code <session>-<n>}. */
  private static final AtomicLong ANNOUNCEMENTS = new AtomicLong();

  /**
   * This client's announcement that it waits for the key: {@code <key>/.wait/<session>-<n>}, held by the
   * session, its value the holder value the key gets when it is handed over. Written once, when an acquisition
   * is first refused (tied to the key's state then: a copy that lands later changes nothing), and kept while
   * threads of this client keep wanting the key: across acquisitions, until the gate has been free for
   * {@link #IDLE_GRACE}; then it is retired: the entry deleted (tied to its index), a hand-over that came
   * before passed on, its value and entry watched for late copies ({@link Orphans}). A releasing client hands
   * the key to the announcer after itself in the order of announcement (round robin) in one transaction.
   */
  private final class Waiting implements Announcements.Entry {
    final String entryKey;
    final Session session;
    final byte[] value;
    long index;                                      // the entry's ModifyIndex (nobody writes it again)
    private final java.util.concurrent.atomic.AtomicBoolean retired = new java.util.concurrent.atomic.AtomicBoolean();

    Waiting(Session session) {
      this.session = session;
      this.entryKey = waitPrefix + session.id() + "-" + ANNOUNCEMENTS.incrementAndGet();
      this.value = value(session);
    }

    /** True when the key shows it handed to this announcement: held by its session, with its value. */
    boolean isHandedOver(Optional<KvEntry> entry) {
      return entry.isPresent() && session.id().equals(entry.get().session())
          && Arrays.equals(value, entry.get().value());
    }

    /** When a thread of this Coordinator last left the gate of the key. */
    private volatile long lastLeft = System.nanoTime();

    void left() {
      lastLeft = System.nanoTime();
    }

    /**
     * Retires it when the gate has been free for {@link #IDLE_GRACE}: it is free now and nobody left it since
     * (a thread that owns it, or left it later, has a check of its own scheduled).
     */
    void checkIdle() {
      if (!retired.get() && !gates.isOwned(key) && System.nanoTime() - lastLeft >= IDLE_GRACE.toNanos()) retire();
    }

    /**
     * The key was handed to this client while no thread of it wanted it: takes the gate (false when a thread
     * owns it: that thread takes the hold, or checks again when it leaves the gate) and releases the hold as a lease's
     * last close would (to a thread queued here by then, to the next announcer, or free).
     */
    boolean passOn(KvEntry handed) {
      LocalGate gate = gates.enter(key);
      if (!gate.tryAcquire()) {
        gates.leave(key);
        return false;
      }
      // released, not handed on: two clients whose announcements outlive their waits would pass it back and forth
      Held held = new Held(session, handed.modifyIndex(), handed.value(), 0);
      log.debug("{} was handed to this client while no thread waited; passing it on", key);
      try {
        release(gate, held);
      } catch (RuntimeException e) {
        log.warn("could not pass on {} (handed to this client while no thread waited for it); it is freed "
            + "when Consul answers again, or when session {} ends", key, session.id(), e);
      }
      return true;
    }

    /**
     * No acquisition uses it any more: deletes the entry (tied to its index); its value and entry are watched
     * for late copies, and a hand-over that came before the deletion is passed on.
     */
    @Override
    public void retire() {
      if (!retired.compareAndSet(false, true)) return;
      runtime.announcements.remove(key, this);
      try {
        Remote.complete("retire the announcement " + entryKey, () -> {
          consul.kvDeleteCas(entryKey, index);
          Optional<KvEntry> now = consul.kvGet(key);
          if (isHandedOver(now)) passOn(now.get());
        });
      } catch (RuntimeException e) {
        log.debug("could not retire the announcement {}; the orphan watch removes it: {}", entryKey, e.toString());
      } finally {
        abandonEntry(this);                            // still there, or re-created by a late copy: removed
      }
    }
  }

  /**
   * A thread is done with the gate: when this client has an announcement, it is retired unless a thread owns
   * the gate again {@link #IDLE_GRACE} later.
   */
  private void leaveGate() {
    gates.leave(key);
    if (runtime.announcements.get(key) instanceof Waiting w) {
      w.left();
      runtime.announcements.schedule(w::checkIdle, IDLE_GRACE);
    }
  }

  /**
   * Announces that {@code session} waits for the key, tied to the state it was refused in ({@code heldAt}).
   * Answers the announcement (this client's current one, if it has one for the session), or null: when the
   * key moved on meanwhile ({@code stale[0]} set), when Consul refused it (then {@link #announceRefused} is set
   * and waits go without), or when its outcome is unknown (the entry is handed to the orphan watch).
   */
  private Waiting announce(Session session, long heldAt, boolean[] stale) throws InterruptedException {
    if (runtime.announcements.get(key) instanceof Waiting w && w.session == session && !w.retired.get()) return w;
    Waiting fresh = new Waiting(session);
    Optional<KvEntry> written;
    try {
      written = consul.kvAnnounce(key, heldAt, fresh.entryKey, fresh.value, session.id());
    } catch (ConsulAccessDeniedException | ConsulRequestRejectedException | ConsulSessionInvalidException e) {
      log.debug("{}: could not announce a wait ({}); waiting without", key, e.toString());
      if (!(e instanceof ConsulSessionInvalidException)) announceRefused = true;
      return null;
    } catch (InterruptedException | RuntimeException e) {
      abandonEntry(fresh);
      if (e instanceof InterruptedException ie) throw ie;
      log.debug("{}: announcing a wait failed; waiting without: {}", key, e.toString());
      return null;
    }
    if (written.isEmpty()) {
      stale[0] = true;
      return null;
    }
    fresh.index = written.get().modifyIndex();
    if (!runtime.announcements.add(key, fresh)) {
      fresh.retire();
      return null;
    }
    return fresh;
  }

  /**
   * An announcement nobody uses that may exist (now, or when a late copy lands): deleted, tied to its index,
   * whenever it shows up held; a hand-over made to it before the deletion is then passed on (a hand-over is
   * tied to the announcement's index, so none can come after).
   */
  private void abandonEntry(Waiting w) {
    runtime.orphans.abandoned(w.entryKey, w.session.id(), w.value, orphan -> {
      if (!consul.kvDeleteCas(orphan.key(), orphan.modifyIndex())) return false;
      Optional<KvEntry> now = consul.kvGet(key);
      if (w.isHandedOver(now)) w.passOn(now.get());   // a thread owning the gate takes it (its session's)
      return true;
    });
  }

  /** The key was handed to {@code waiting}'s session: the hold (null when the session was lost meanwhile). */
  private Held takeHandedOver(Waiting waiting, KvEntry handed) {
    Session session = waiting.session;
    Held held = new Held(session, handed.modifyIndex(), handed.value(), 0);
    held.contended = true;
    runtime.indexes.sawHeldBy(key, held.token, session.id());
    leases.track(telemetry, session.id(), key, held.token, held.token, held.state, () -> releaseTied(held, false));
    if (session.isValid()) return held;
    releaseUnused(held);
    return null;
  }

  /**
   * A contended hold's release: hands the key to the next announced waiter of another client in one
   * transaction (tied to this hold's write and to the waiter's announcement), chosen by {@link HandOverOrder}.
   * Answers false when there is nobody to hand it to, or the transaction changed nothing (the caller then
   * releases, tied as always). Announcements of ended sessions met on the way are deleted.
   */
  private boolean handOverRemote(Held held) throws InterruptedException {
    if (!announcing || !held.contended || !held.session.isValid()) return false;
    String own = held.session.id();
    List<KvEntry> announced = runtime.announcements.listing(key, LISTING_FRESH);
    if (announced == null) {
      announced = consul.kvListStale(waitPrefix);
      runtime.announcements.rememberListing(key, announced);
    }
    HandOverOrder.Choice choice = HandOverOrder.choose(waitPrefix, announced, own);
    choice.dead().forEach(this::prune);
    KvEntry next = choice.next();
    if (next == null) return false;
    long moved = consul.kvHandOver(key, flags, own, held.token, next.session(), next.value(), next.key(),
        next.modifyIndex());
    if (moved <= held.token) {                       // 0: nothing happened (a token that did not grow: never)
      runtime.announcements.forgetListing(key);
      return false;
    }
    runtime.indexes.sawHeldBy(key, moved, next.session());
    return true;
  }

  private List<byte[]> abandonRefused(Session session, List<byte[]> refused) {
    if (session != null && !refused.isEmpty()) abandoned(session.id(), refused);
    return new ArrayList<>();
  }

  /**
   * Fair mode: join the queue under {@code <key>/.queue/}, wait until every earlier live entry is gone
   * (watching only the predecessor), then take the lock as in default mode; leave the queue in any case. An
   * entry at the head of the queue that leaves the lock free and unchanged for two {@link #HEAD_GRACE}s in a
   * row has lost its turn: the waiter behind it deletes it (tied to its ModifyIndex) and goes on. Such an
   * entry is a write nobody waits for any more (a copy of a join that landed after its entry was deleted, or
   * a holder that stopped); a live but slow head that loses its turn is already taking the lock in default
   * mode and competes for it, so only the order suffers, never exclusion. A waiter whose entry was deleted
   * joins again at the end.
   */
  private Held acquireFair(long deadline) throws InterruptedException, TimeoutException {
    Session session = sessions.current();
    QueueEntry mine = join(session, deadline);
    try {
      long index = 0;
      while (true) {
        checkDeadline(deadline);
        QueryResult<List<KvEntry>> queue = watches.list(queuePrefix, index, Deadlines.waitFor(deadline));
        telemetry.woke(Watch.QUEUE, queuePrefix, index, queue.index());
        index = BlockingIndex.next(index, queue.index());
        String myKey = mine.key;
        KvEntry me = queue.value().stream().filter(e -> e.key().equals(myKey)).findFirst().orElse(null);
        if (me == null || !session.id().equals(me.session())) {
          if (!session.isValid()) {
            throw new CoordinationException("the queue entry " + mine.key + " of " + key
                + " disappeared while waiting: the session was lost");
          }
          log.info("{}: our queue entry {} was deleted while waiting (by an operator, or it lost its turn); "
              + "joining again", key, mine.key);
          leave(mine);
          mine = join(session, deadline);
          continue;
        }
        mine.index = me.modifyIndex();
        List<KvEntry> ahead = queue.value().stream()
            .filter(e -> e.createIndex() < me.createIndex())
            .filter(e -> blocks(e, session))
            .sorted(Comparator.comparingLong(KvEntry::createIndex))
            .toList();
        if (ahead.isEmpty()) return acquireRemote(deadline);   // head of the queue: take the lock as usual
        KvEntry predecessor = ahead.get(ahead.size() - 1);
        if (!awaitGone(predecessor, ahead.size() == 1, deadline)) {
          log.info("{}: queue entry {} (session {}) left the free lock untaken for {} ms; it lost its turn", key,
              predecessor.key(), predecessor.session(), 2 * HEAD_GRACE.toMillis());
          consul.kvDeleteCas(predecessor.key(), predecessor.modifyIndex());
        }
        // re-read the queue: the predecessor left, or lost its turn
      }
    } finally {
      leave(mine);
    }
  }

  /** Joins of the fair queue by this JVM: each writes a key of its own, {@code <session>-<n>}. */
  private static final AtomicLong QUEUE_JOINS = new AtomicLong();
  /** Joins tried in a row when one's outcome is unknown (each with a new key; the unknown one is watched). */
  private static final int JOIN_ATTEMPTS = 3;

  /** Our queue entry: its key (new for every join), the value written, the ModifyIndex last seen (0: none). */
  private static final class QueueEntry {
    final String key;
    final Session session;
    final byte[] value;
    long index;

    QueueEntry(String key, Session session, byte[] value) {
      this.key = key;
      this.session = session;
      this.value = value;
    }
  }

  /**
   * Writes a new queue entry held by {@code session}, never repeating a write blindly: a join whose outcome is
   * unknown (lost answer, timeout, interrupt) is handed to the orphan watch, which deletes it, tied to its
   * ModifyIndex, if it lands (now or later), and the next join writes another key.
   */
  private QueueEntry join(Session session, long deadline) throws InterruptedException, TimeoutException {
    for (int attempt = 1; ; attempt++) {
      QueueEntry mine = new QueueEntry(queuePrefix + session.id() + "-" + QUEUE_JOINS.incrementAndGet(),
          session, value(session));
      Optional<KvEntry> joined;
      try {
        joined = consul.kvCreateHeld(mine.key, mine.value, session.id());
      } catch (ConsulAccessDeniedException | ConsulRequestRejectedException | ConsulSessionInvalidException e) {
        throw e;                                       // Consul answered: nothing was written
      } catch (InterruptedException | RuntimeException e) {
        abandon(mine);
        if (!(e instanceof ConsulUnavailableException) || attempt == JOIN_ATTEMPTS) throw e;
        checkDeadline(deadline);
        log.debug("joining the queue of {} failed, joining with a new entry: {}", key, e.toString());
        continue;
      }
      if (joined.isEmpty()) {
        throw new CoordinationException("could not join the queue of " + key + ": " + mine.key + " exists");
      }
      mine.index = joined.get().modifyIndex();
      return mine;
    }
  }

  /** A queue write of ours that may land later: removed (tied to its ModifyIndex) if it shows up held. */
  private void abandon(QueueEntry entry) {
    runtime.orphans.abandoned(entry.key, entry.session.id(), entry.value,
        orphan -> consul.kvDeleteCas(orphan.key(), orphan.modifyIndex()));
  }

  /**
   * True for a queue entry that is somebody's current wait. A dead entry (its session invalidated), or an
   * entry of {@code session} itself other than the one waiting now (a join of ours that landed late: in one
   * Coordinator only the gate's owner queues for this key), blocks nobody: it is deleted on the way, tied to
   * its ModifyIndex so that nothing newer is touched.
   */
  private boolean blocks(KvEntry entry, Session session) {
    if (entry.session() != null && !entry.session().equals(session.id())) return true;
    prune(entry);
    return false;
  }

  /** Deletes a queue entry or announcement nobody waits with, tied to its ModifyIndex (best effort). */
  private void prune(KvEntry entry) {
    try {
      consul.kvDeleteCas(entry.key(), entry.modifyIndex());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("could not prune {}: {}", entry.key(), e.toString());
    }
  }

  /** How long the head of a fair queue may leave the lock free and unchanged before (twice) it loses its turn. */
  static final Duration HEAD_GRACE = Duration.ofSeconds(1);

  /**
   * Blocks until the predecessor's queue entry is deleted, loses its session, or is replaced (a new
   * CreateIndex: a late write re-created the key after it was deleted, behind us): answers true. When the
   * predecessor is the {@code head} of the queue, answers false instead once it left the lock free and
   * unchanged for two {@link #HEAD_GRACE}s in a row.
   */
  private boolean awaitGone(KvEntry predecessor, boolean head, long deadline)
      throws InterruptedException, TimeoutException {
    long index = predecessor.modifyIndex();
    long freeState = -1;                             // the lock's ModifyIndex when it was last seen free
    while (true) {
      Duration wait = Deadlines.waitFor(deadline);
      if (head && wait.compareTo(HEAD_GRACE) > 0) wait = HEAD_GRACE;
      QueryResult<Optional<KvEntry>> r = watches.get(predecessor.key(), index, wait);
      telemetry.woke(Watch.PREDECESSOR, predecessor.key(), index, r.index());
      Optional<KvEntry> now = r.value();
      if (now.isEmpty() || now.get().session() == null
          || now.get().createIndex() != predecessor.createIndex()) {
        return true;
      }
      boolean unchanged = now.get().modifyIndex() == predecessor.modifyIndex();
      index = BlockingIndex.next(index, r.index());
      checkDeadline(deadline);
      if (!head || !unchanged) continue;
      Optional<KvEntry> lock = watches.get(key, 0, Duration.ZERO).value();
      runtime.indexes.saw(key, lock);
      long state = lock.filter(KvEntry::isHeld).isPresent() ? -1 : lock.map(KvEntry::modifyIndex).orElse(0L);
      if (state >= 0 && state == freeState) return false;
      freeState = state;
    }
  }

  /**
   * After a refused acquire: when Consul refused a free key because of a lock-delay, sleeps one slice of it
   * in a blocking query (waking early if the key changes); otherwise blocks until the key is free (released,
   * deleted, or held by this very session). Answers the key as last read; {@code at[0]}: the index to block
   * from, updated to the one to continue from.
   */
  private Optional<KvEntry> awaitFree(long[] at, boolean lockDelay, long deadline)
      throws InterruptedException, TimeoutException {
    checkDeadline(deadline);
    long index = at[0];
    if (lockDelay) {
      if (index == 0) {
        QueryResult<Optional<KvEntry>> now = watches.get(key, 0, Duration.ZERO);
        runtime.indexes.saw(key, now.value());
        index = BlockingIndex.next(0, now.index());
      }
      long left = deadline == Deadlines.NONE ? Long.MAX_VALUE : (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) throw timeout(deadline);
      QueryResult<Optional<KvEntry>> r = watches.get(key, index,
          Duration.ofMillis(Math.min(lockDelaySliceMillis, left)));
      telemetry.woke(Watch.LOCK_DELAY, key, index, r.index());
      runtime.indexes.saw(key, r.value());
      at[0] = BlockingIndex.next(index, r.index());
      return r.value();
    }
    while (true) {
      Duration wait = index == 0 ? Duration.ZERO : Deadlines.waitFor(deadline);
      QueryResult<Optional<KvEntry>> r = watches.get(key, index, wait);
      telemetry.woke(Watch.KEY, key, index, r.index());
      checkKind(r.value());
      runtime.indexes.saw(key, r.value());
      index = BlockingIndex.next(index, r.index());
      at[0] = index;
      if (isFreeForUs(r.value())) return r.value();
      checkDeadline(deadline);
    }
  }

  private boolean isFreeForUs(Optional<KvEntry> entry) {
    if (entry.isEmpty() || entry.get().session() == null) return true;
    Session current = sessions.currentIfValid();
    return current != null && current.id().equals(entry.get().session());
  }

  /**
   * The outcome of one acquiring call: the hold, or a refusal (by a lock-delay, or because it is held, or
   * {@code stale}: the key was not in the state the call was tied to); {@code refusedUnderDelay}: the value of
   * an attempt refused by a lock-delay on the state it was tied to; {@code heldAt}: the key's ModifyIndex when
   * it is known to be held by another session there (0: not known).
   */
  private record Attempt(Held held, boolean lockDelay, boolean stale, byte[] refusedUnderDelay, long heldAt) {
    static Attempt heldBy(long index) {
      return new Attempt(null, false, false, null, index);
    }
  }

  /**
   * One acquiring call tied to the key's last known state. When that state is not known, or was out of date
   * (the call was refused as stale), the key is read: held by another session, there is nothing to write (a
   * refused lock transaction costs a Raft commit too); otherwise one call tied to the state read now. A
   * caller that {@code willWait} when refused writes nothing either while the key is known held by another.
   */
  private Attempt attemptNow(Session session, boolean willWait) throws InterruptedException {
    long known = runtime.indexes.get(key);
    String holder = runtime.indexes.holder(key);
    // known to be held by another: a caller that waits next blocks from that state (and wakes at once if it
    // is out of date) instead of writing a transaction bound to be refused
    if (willWait && known > 0 && holder != null && !holder.equals(session.id())) return Attempt.heldBy(known);
    if (known != KnownIndexes.UNKNOWN) {
      Attempt attempt = attemptOnce(session, known, 0);
      if (!attempt.stale()) return attempt;
    }
    Optional<KvEntry> now = watches.get(key, 0, Duration.ZERO).value();
    checkKind(now);
    runtime.indexes.saw(key, now);
    if (!isFreeForUs(now)) return Attempt.heldBy(now.get().modifyIndex());   // held: wait for it
    return attemptOnce(session, now.map(KvEntry::modifyIndex).orElse(0L), 0);
  }

  /**
   * One acquiring call (again with a fresh session when the session died under it). Every attempt of the call
   * (the transport retries it) writes a value of its own; an attempt whose outcome is unknown (answer lost,
   * timed out, interrupted in flight) goes to the orphan watch (safety (6)) before the call goes on or the
   * exception propagates: no blind release.
   */
  private Attempt attemptOnce(Session first, long expected, int localHandovers) throws InterruptedException {
    return sessions.withSession(first, session -> {
      String sessionId = session.id();
      byte[][] last = new byte[1][];
      LockAttempt attempt = consul.kvLock(key, flags, sessionId, expected, () -> last[0] = value(session),
          v -> abandoned(sessionId, List.of(v)));
      if (!attempt.acquired()) {
        if (attempt.stale()) runtime.indexes.forget(key);
        boolean delay = attempt.refusedByLockDelay();
        // tied to `expected` and not stale: the key is there, held by another session (or under a lock-delay)
        long heldAt = !delay && !attempt.stale() && expected > 0 ? expected : 0;
        return new Attempt(null, delay, attempt.stale(), delay && !attempt.stale() ? last[0] : null, heldAt);
      }
      KvEntry written = attempt.entry();
      runtime.indexes.sawHeldBy(key, written.modifyIndex(), sessionId);
      Held held = new Held(session, written.modifyIndex(), written.value(), localHandovers);
      leases.track(telemetry, sessionId, key, held.token, held.token, held.state,
          () -> releaseTied(held, false));
      if (session.isValid()) return new Attempt(held, false, false, null, 0);
      releaseUnused(held);                            // lost while acquiring: the hold is worthless
      throw new SessionKeeper.SessionLost("session lost while acquiring " + key);
    });
  }

  /**
   * Hands a write of {@code sessionId} whose outcome is unknown (or a hold whose release could not be
   * confirmed) to the orphan watch: if the key shows it, it is unlocked, tied to its index, while no thread of
   * this Coordinator owns the gate (safety (6)).
   */
  private void abandoned(String sessionId, List<byte[]> values) {
    runtime.orphans.abandoned(key, sessionId, values,
        orphan -> !gates.isOwned(key) && consul.kvUnlock(key, flags, sessionId, orphan.modifyIndex()) > 0);
  }

  // ------------------------------------------------------------------------------------------ releasing

  /**
   * A lease's last close. Default mode: when another thread of this Coordinator waits at the gate, the key
   * is not released but re-locked by the same session with the next holder's value (a new, larger index:
   * its token) and handed over with the gate: one Raft commit per hand-over instead of a release and an
   * acquire, and no race against contenders of other clients woken by a release. The commit happens here,
   * so close() costs what a release costs and the next holder starts without a round trip. After
   * {@value #MAX_LOCAL_HANDOVERS} hand-overs in a row the key is released, so that other clients get their
   * turn. Fair mode always releases (its order spans all clients).
   */
  private void release(LocalGate gate, Held held) {
    synchronized (held) {
      boolean handedOver = false;
      Held unconfirmed = null;
      try {
        boolean released;
        // one step against the owner re-entering meanwhile (the gate counts holds under its own monitor): it
        // either re-entered first (an outer lease still holds the key) or finds this hold released
        synchronized (gate) {
          if (gate.holds() > 1) return;              // an outer reentrant lease still holds it
          released = held.state.release();
        }
        leases.untrack(held.session.id(), held.state);
        if (!released) return;                       // lost: nothing to release or hand over
        Held remaining = held;
        if (!fair && held.localHandovers < MAX_LOCAL_HANDOVERS && gate.queued() > 0 && held.session.isValid()) {
          remaining = handOver(gate, held);
          handedOver = remaining == null;
        }
        if (remaining != null) {
          unconfirmed = remaining;
          releaseRemote(remaining);
          unconfirmed = null;
        }
      } finally {
        if (!handedOver) gate.release();
        leaveGate();
        // could not be confirmed: watched from now on, with the gate free (safety (7))
        if (unconfirmed != null) abandoned(unconfirmed.session.id(), List.of(unconfirmed.value));
      }
    }
  }

  /**
   * Writes the next local holder's hold and hands it over with the gate. Answers null when it was handed
   * over, otherwise the hold the caller must release: {@code held}, or the hand-over's write when it was made
   * but could not be handed over (the waiter left, or the owner re-entered meanwhile): it superseded
   * {@code held}'s write.
   */
  private Held handOver(LocalGate gate, Held held) {
    Held next;
    try {
      next = attemptOnce(held.session, held.token, held.localHandovers + 1).held();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();            // an attempt in flight is watched as an orphan
      return held;
    } catch (RuntimeException e) {
      log.debug("hand-over of {} failed, releasing instead: {}", key, e.toString());
      return held;
    }
    if (next == null) return held;                   // refused: the session no longer holds the key
    next.contended = held.contended;
    if (next.token > held.token && gate.handOver(new Handover(next))) return null;
    leases.untrack(next.session.id(), next.state);  // nobody to hand it to: the caller releases it
    next.state.release();
    return next;
  }

  /** Releases a hold that never became a lease (best effort; the caller owns the gate). */
  private void releaseUnused(Held held) {
    leases.untrack(held.session.id(), held.state);
    held.state.release();
    try {
      releaseRemote(held);
    } catch (RuntimeException e) {
      log.warn("could not release {} after a failed acquire; it is freed when Consul answers again, or "
          + "when session {} ends", key, held.session.id(), e);
      abandoned(held.session.id(), List.of(held.value));
    }
  }

  /**
   * Releases in Consul, tied to the hold, by the gate's owner; not interruptible (the interrupt flag is kept);
   * throws when Consul cannot be told.
   */
  private void releaseRemote(Held held) {
    Remote.complete("release " + key, () -> {
      if (!handOverRemote(held)) releaseTied(held, true);
    });
  }

  /**
   * The tied release (safety (4), (5)): unlocks the key if it is still at the hold's write. When it is not
   * but is held by the same session, the write there now is a late one of this session: released too, tied
   * to its own index, when {@code gateOwned} (the caller owns the gate, so no other lease holds that write)
   * or when the write is a known orphan. Otherwise the hold is gone already.
   */
  private void releaseTied(Held held, boolean gateOwned) throws InterruptedException {
    String sessionId = held.session.id();
    long index = held.token;
    for (int round = 0; round < RELEASE_ROUNDS; round++) {
      long released = consul.kvUnlock(key, flags, sessionId, index);
      if (released > 0) {
        runtime.indexes.saw(key, released);
        return;
      }
      Optional<KvEntry> now = watches.get(key, 0, Duration.ZERO).value();   // default consistency, at once
      runtime.indexes.saw(key, now);
      if (now.isEmpty() || !sessionId.equals(now.get().session()) || now.get().modifyIndex() == index) return;
      if (!gateOwned && !runtime.orphans.isOrphan(now.get())) return;
      log.debug("{}: a late write of session {} landed on the hold (index {} after {}); releasing it", key,
          sessionId, now.get().modifyIndex(), index);
      index = now.get().modifyIndex();
    }
  }

  /**
   * Leaves the queue (not interruptible): deletes our entry tied to its ModifyIndex, so a late or repeated
   * DELETE can never remove another entry. When that cannot be confirmed, the entry goes to the orphan watch,
   * which deletes it if it is (still, or again) held by the session.
   */
  private void leave(QueueEntry mine) {
    try {
      Remote.complete("leave the queue of " + key + " (" + mine.key + ")", () -> {
        long index = mine.index;
        for (int attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
          if (index == 0) {
            Optional<KvEntry> now = watches.get(mine.key, 0, Duration.ZERO).value();
            if (now.isEmpty() || !Arrays.equals(now.get().value(), mine.value)) return;    // not there
            index = now.get().modifyIndex();
          }
          if (consul.kvDeleteCas(mine.key, index)) return;
          index = 0;                                   // it changed meanwhile: look again
        }
        throw new CoordinationException("the queue entry " + mine.key + " kept changing");
      });
    } catch (RuntimeException e) {
      log.debug("could not leave the queue of {} ({}); watching it instead: {}", key, mine.key, e.toString());
      abandon(mine);
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  /**
   * Refuses a key of another kind: a lock shared with Consul's Go clients only takes a key with Go's lock Flags
   * (as Go's client does), and a Baton lock never takes a Go lock's key (it would write other Flags into it).
   */
  private void checkKind(Optional<KvEntry> entry) {
    if (entry.isEmpty() || entry.get().flags() == flags) return;
    long found = entry.get().flags();
    if (flags == GO_LOCK_FLAGS) {
      throw new CoordinationException("lock " + key + " exists with Flags " + Long.toUnsignedString(found)
          + ", not Consul's lock Flags " + Long.toUnsignedString(GO_LOCK_FLAGS) + ": it is not a lock of Consul's "
          + "Go client (api.Lock, consul lock); refusing to use it as one");
    }
    if (found == GO_LOCK_FLAGS) {
      throw new CoordinationException("lock " + key + " is held in the manner of Consul's Go client (api.Lock, "
          + "consul lock: Flags " + Long.toUnsignedString(found) + "); use LockOptions.consulCompatible() on "
          + "the prefix the Go clients use");
    }
  }

  private byte[] value(Session session) {
    return HolderValue.encode(runtime.ownerId, session.id(), candidateId, metadata);
  }

  private void checkDeadline(long deadline) throws TimeoutException {
    if (Deadlines.passed(deadline)) throw timeout(deadline);
  }

  private TimeoutException timeout(long deadline) {
    return new TimeoutException("timed out waiting for lock " + key);
  }
}
