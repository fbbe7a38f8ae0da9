package dev.baton.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import dev.baton.BatonMetrics.Primitive;
import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.ConsulUnavailableException;
import dev.baton.CoordinationException;
import dev.baton.DistributedLock;
import dev.baton.DistributedReadWriteLock;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import dev.baton.LockHolder;
import dev.baton.internal.ReadWriteDecision.Decision;
import dev.baton.internal.ReadWriteDecision.Entry;
import dev.baton.internal.ReadWriteDecision.Mode;
import dev.baton.internal.ReadWriteDecision.Record;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed read-write lock (writer preference, readers bounded), on the semaphore's pattern: the whole
 * algorithm in this file; who may enter is {@link ReadWriteDecision}'s pure verdict.
 *
 * <p><b>Keys.</b> Under {@code <prefix><name>/}: one contender key per acquisition, {@code <sessionId>-<n>}
 * (never reused), held with the Coordinator's session (value: owner, host, time); and {@code .rwlock}, JSON
 * {@code {"Holders": [{"Id": .., "Mode": "read"|"write"}, ..], "Queue": [..]}} with Flags 0, written only by
 * check-and-set on its ModifyIndex: the holders, and the contenders waiting, in registration order. A contender
 * key that holds is <em>marked</em>: Flags {@link #HOLDING_READ} or {@link #HOLDING_WRITE}.
 *
 * <p><b>Consul calls.</b> Acquire: {@code PUT <contender>?acquire=<session>} (never repeated once it may have
 * been sent); {@code GET <prefix>?recurse} (blocking while it may not enter); when it may enter, one
 * {@code /v1/txn} with a {@code cas} on {@code .rwlock} (this contender among the holders, out of the queue)
 * and a {@code cas} on its own contender key that marks it: one commit, whose index is the fencing token, so
 * tokens grow strictly across every read and write acquisition. When it may not, one {@code cas} on
 * {@code .rwlock} queues it (once), then it waits. A lost race re-reads. Release (and giving up a wait):
 * {@code DELETE <contender>?cas=<ModifyIndex>} (this alone frees the hold: only live keys count), then
 * {@code GET .rwlock} and, while it still lists the contender, a {@code cas} on {@code .rwlock} without it.
 * A reentrant acquisition (the same thread, the same mode) costs no call: it is one more lease on the hold.
 *
 * <p><b>Safety: a writer holds alone, and no reader enters past a queued writer.</b> Every admission and every
 * registration in the queue is a check-and-set on {@code .rwlock} (an admission marks the own key in the same
 * transaction), so between the read a decision was made on and its commit no holder and no queued contender
 * can appear; entries only disappear (their keys die), which makes a decision at most more cautious than
 * needed. Holders are counted through the record and through their marks, so a record deleted or rewritten by
 * an operator never admits anyone next to a holder that may still believe it holds (a holder deletes its
 * key only after its lease ended). Dead entries (key gone or released: a crashed client's session ended) are
 * pruned, so a crashed holder's or waiter's place frees when Consul invalidates its session. A contender
 * refused locally — an upgrade (this thread holds only the read lock and asks for the write lock) — never
 * reaches Consul: it would wait for itself forever.
 *
 * <p><b>Late, repeated and lost requests.</b> As in {@link ConsulSemaphore}: the contender PUT is sent at most
 * once, and when its outcome is unknown it goes to {@link Orphans} (deleted, index-tied, if it lands late) and a
 * fresh contender key is used; a live key that is neither recorded nor marked holds nothing. A lost answer to
 * an admitting transaction is re-read (finding itself a holder means it applied); a late copy of it fails its
 * check-and-set on the contender key once the contender gave up (the key is gone or changed). A late
 * registration lists a contender whose key is gone: pruned as dead. Deletes of contender keys are
 * {@code delete-cas} on the ModifyIndex last seen, so every release is tied to its own hold; an acquisition
 * that fails, times out or is interrupted removes its key and its record entry the same way before it returns.
 *
 * <p><b>Liveness.</b> A lease is lost when the session keeper loses the session or the held-key monitor sees
 * the contender key deleted or taken. A waiter whose key is lost (its session invalidated, or an operator
 * deleted the key) starts over with a fresh key, at the end of the queue (with a fresh session once Consul
 * refuses the old one), at most {@code SessionKeeper}'s session tries times per acquisition. Caveat (as for the semaphore): contender keys are fresh, so no
 * lock-delay protects a hold after a forced session invalidation; fence writes with the token when that
 * matters. Not compatible with Consul's Go lock or semaphore: the record has a shape of its own.
 */
final class ConsulReadWriteLock implements DistributedReadWriteLock {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.rwlock");
  private static final Gson GSON = new Gson();
  private static final AtomicLong CONTENDERS = new AtomicLong();
  private static final String RECORD = ".rwlock";

  /** The Flags of a contender key that holds the read lock (ASCII "baton+r1"). */
  static final long HOLDING_READ = 0x6261746f6e2b7231L;
  /** The Flags of a contender key that holds the write lock (ASCII "baton+w1"). */
  static final long HOLDING_WRITE = 0x6261746f6e2b7731L;
  /** Fresh contender keys tried when a contender PUT's outcome stays unknown, or the hold was dropped. */
  static final int CONTENDER_TRIES = 3;
  /** Unanswered calls while giving a hold back before it is left to {@link Orphans} and the session. */
  static final int GIVE_BACK_TRIES = 5;
  /** Lost check-and-set races while giving a hold back, after which the rest is left to the next writer. */
  static final int RECORD_CONFLICTS = 16;

  /** The {@code .rwlock} record as JSON. */
  private static final class RecordJson {
    @SerializedName("Holders") List<EntryJson> holders;
    @SerializedName("Queue") List<EntryJson> queue;
  }

  private static final class EntryJson {
    @SerializedName("Id") String id;
    @SerializedName("Mode") String mode;
  }

  /** Which thread's hold of which mode on which lock: the key of {@link BatonRuntime#threadHolds}. */
  private record Reentry(String key, Thread thread, Mode mode) {}

  /** One consistent read of the prefix, seen by contender {@code mine} (null when its key is gone). */
  private record Snapshot(Record record, long recordIndex, Set<String> live, Map<String, Mode> marked,
      Map<String, KvEntry> entries, KvEntry mine, List<KvEntry> dead) {

    /** The holders that count: the live recorded ones and the live marked keys. */
    List<Entry> holders() {
      List<Entry> counted = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Entry e : record.holders()) {
        if (live.contains(e.id()) && seen.add(e.id())) counted.add(e);
      }
      marked.forEach((id, mode) -> {
        if (live.contains(id) && seen.add(id)) counted.add(new Entry(id, mode));
      });
      return counted;
    }
  }

  /** One hold in Consul (a marked contender key), shared by the reentrant leases of its thread. */
  private static final class Held {
    final String id;
    final String key;
    final Mode mode;
    final Session session;
    final long token;                                  // the ModifyIndex of the admitting commit
    final byte[] value;                                // the contender key's value as marked
    final Reentry reentry;
    final LeaseState state = new LeaseState();
    int leases = 1;                                    // guarded by this

    Held(String id, String key, Mode mode, Session session, long token, byte[] value, Reentry reentry) {
      this.id = id;
      this.key = key;
      this.mode = mode;
      this.session = session;
      this.token = token;
      this.value = value;
      this.reentry = reentry;
    }

    boolean held() {
      return state.phase() == LeaseState.Phase.HELD && session.isValid();
    }
  }

  private final BatonRuntime runtime;
  private final ConsulTransport consul;
  private final Watches watches;
  private final SessionKeeper sessions;
  private final String key;
  private final String prefix;
  private final String recordKey;
  private final Telemetry.Subject telemetry;
  private final DistributedLock readLock = new ModeLock(Mode.READ);
  private final DistributedLock writeLock = new ModeLock(Mode.WRITE);

  ConsulReadWriteLock(BatonRuntime runtime, String key) {
    this.runtime = runtime;
    this.consul = runtime.consul;
    this.watches = runtime.watches;
    this.sessions = runtime.sessions;
    this.key = key;
    this.prefix = key + "/";
    this.recordKey = prefix + RECORD;
    this.telemetry = runtime.telemetry.subject(Primitive.READ_WRITE_LOCK, key, 0);
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public DistributedLock readLock() {
    return readLock;
  }

  @Override
  public DistributedLock writeLock() {
    return writeLock;
  }

  @Override
  public List<LockHolder> readers() {
    return holders(Mode.READ);
  }

  @Override
  public String toString() {
    return "DistributedReadWriteLock{" + key + "}";
  }

  /** The read or the write side, as a {@link DistributedLock}. */
  private final class ModeLock implements DistributedLock {
    private final Mode mode;

    ModeLock(Mode mode) {
      this.mode = mode;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public Lease acquire() throws InterruptedException {
      try {
        return ConsulReadWriteLock.this.acquire(mode, Deadlines.NONE, true);
      } catch (TimeoutException e) {
        throw new AssertionError("no deadline, no timeout", e);
      }
    }

    @Override
    public Lease acquire(Duration timeout) throws InterruptedException, TimeoutException {
      return ConsulReadWriteLock.this.acquire(mode, Deadlines.after(timeout), true);
    }

    @Override
    public Optional<Lease> tryAcquire() {
      try {
        return Optional.of(ConsulReadWriteLock.this.acquire(mode, System.nanoTime(), false));
      } catch (TimeoutException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CoordinationException("interrupted while trying to acquire the " + name(mode) + " lock of "
            + key, e);
      }
    }

    @Override
    public Optional<LockHolder> holder() {
      return holders(mode).stream().findFirst();
    }

    @Override
    public String toString() {
      return "DistributedLock{" + key + ", " + name(mode) + "}";
    }
  }

  // ------------------------------------------------------------------------------------------ acquiring

  private Lease acquire(Mode mode, long deadline, boolean wait) throws InterruptedException, TimeoutException {
    long started = telemetry.acquiring();
    Thread me = Thread.currentThread();
    Lease lease = reenter(new Reentry(key, me, mode));
    if (lease == null) {
      if (mode == Mode.WRITE && heldBy(new Reentry(key, me, Mode.READ)) != null) {
        throw new IllegalStateException("cannot acquire the write lock of " + key + ": this thread holds its "
            + "read lock, and upgrading is not supported (two upgrading readers would wait for each other "
            + "forever); close the read lease first");
      }
      Held writing = heldBy(new Reentry(key, me, Mode.WRITE));
      String ownWriter = mode == Mode.READ && writing != null && writing.held() ? writing.id : null;
      lease = sessions.withSession(sessions.current(),
          session -> acquire(session, new Reentry(key, me, mode), ownWriter, deadline, wait));
    }
    telemetry.acquired(lease, started);
    return lease;
  }

  /** The hold of {@code r}'s thread in {@code r}'s mode, or null. */
  private Held heldBy(Reentry r) {
    return (Held) runtime.threadHolds.get(r);
  }

  /** The same thread acquiring the same mode again: one more lease on its hold (null: it has none). */
  private Lease reenter(Reentry r) {
    Held h = heldBy(r);
    if (h == null) return null;
    synchronized (h) {
      if (h.leases == 0) return null;                  // its last lease is being closed: acquire afresh
      if (!h.held()) {
        throw new LeaseLostException(h.key, "this thread still has a lost " + name(r.mode()) + " lease on "
            + key + "; close that lease first");
      }
      h.leases++;
    }
    return handle(h);
  }

  /** Contends with fresh contender keys until one holds (or the wait ends). */
  private Lease acquire(Session session, Reentry reentry, String ownWriter, long deadline, boolean wait)
      throws InterruptedException, TimeoutException {
    for (int tries = 1; ; tries++) {
      String id = session.id() + "-" + CONTENDERS.incrementAndGet();
      String contender = prefix + id;
      byte[] value = contenderValue();
      boolean created;
      try {
        created = consul.kvPut(contender, value, KvWrite.acquire(session.id()));
      } catch (ConsulAccessDeniedException | ConsulRequestRejectedException | ConsulSessionInvalidException e) {
        throw e;                                       // refused: nothing was written
      } catch (RuntimeException e) {
        abandoned(contender, session, List.of(value));   // may land now or later: watched and removed
        if (tries == CONTENDER_TRIES || !(e instanceof ConsulUnavailableException)
            || (wait && Deadlines.passed(deadline))) {
          throw e;
        }
        log.debug("creating contender key {} gave no answer, trying a fresh one: {}", contender, e.toString());
        continue;
      } catch (InterruptedException e) {
        abandoned(contender, session, List.of(value));
        throw e;
      }
      if (!created) throw new CoordinationException("could not create contender key " + contender);
      Lease lease = contend(session, reentry, ownWriter, id, contender, value, deadline, wait);
      if (lease != null) return lease;
      if (tries == CONTENDER_TRIES) {
        throw new CoordinationException("read-write lock " + key + ": admitted, then dropped from " + recordKey
            + " " + tries + " times in a row (is something rewriting the record?)");
      }
    }
  }

  /**
   * Waits until contender {@code id} (its key exists) may enter, and enters. Answers the lease, or null when
   * it was admitted and then dropped from the record (start over with a fresh key). Whatever does not end in
   * a lease leaves nothing behind: the key and the record entry are removed before this returns or throws.
   */
  private Lease contend(Session session, Reentry reentry, String ownWriter, String id, String contender,
      byte[] value, long deadline, boolean wait) throws InterruptedException, TimeoutException {
    Entry me = new Entry(id, reentry.mode());
    List<byte[]> values = new ArrayList<>(List.of(value));   // what the key may show: created, or marked
    boolean held = false;
    long keyIndex = 0;                                 // the contender key's ModifyIndex last seen
    try {
      long index = 0;
      while (true) {
        boolean direct = index == 0;
        QueryResult<List<KvEntry>> read = watches.list(prefix, direct ? 0 : index, direct ? Duration.ZERO
            : Deadlines.waitFor(deadline));
        telemetry.woke(Watch.READ_WRITE, prefix, index, read.index());
        index = BlockingIndex.next(index, read.index());
        Snapshot s = snapshot(read.value(), id);
        if (s.mine() == null || !session.id().equals(s.mine().session())) {
          // A wait answered by the engine may hand over a read of a shared query taken before the key was
          // written (its index is that of a wider prefix): only a direct read proves the key gone.
          if (!direct) {
            index = 0;
            continue;
          }
          // the session was invalidated (or the key deleted by an operator): start over with a fresh key, and
          // a fresh session if Consul refuses this one
          throw new SessionKeeper.SessionLost("contender key " + contender + " was lost while waiting for " + key
              + " (session lost, or deleted by an operator)");
        }
        keyIndex = s.mine().modifyIndex();
        Decision d = ReadWriteDecision.acquire(s.record(), s.live(), s.marked(), me, ownWriter);
        switch (d.kind()) {
          case ALREADY_HOLDER -> {                    // an earlier transaction of ours applied after all
            held = true;
            return lease(new Held(id, contender, me.mode(), session, s.mine().modifyIndex(), s.mine().value(),
                reentry));
          }
          case DROPPED -> {
            log.info("read-write lock {}: contender {} was admitted, then dropped from {}; starting over", key, id,
                recordKey);
            return null;
          }
          case ADMIT -> {
            byte[] marked = contenderValue();
            values.add(marked);
            Optional<List<KvEntry>> written;
            try {
              written = consul.kvTxn(List.of(
                  KvOp.cas(recordKey, encode(d.next()), 0, s.recordIndex()),
                  KvOp.cas(contender, marked, flags(me.mode()), keyIndex)));
            } catch (ConsulUnavailableException e) {
              log.debug("read-write lock {}: no answer to the admitting transaction, reading again: {}", key,
                  e.toString());
              written = Optional.empty();             // applied or not: the next read tells
            }
            if (written.isPresent()) {
              held = true;
              return lease(new Held(id, contender, me.mode(), session, written.get().get(1).modifyIndex(),
                  marked, reentry));
            }
            index = 0;                                 // lost a race: re-read now
          }
          case ENQUEUE -> {
            if (!wait || Deadlines.passed(deadline)) throw timeout(me.mode());
            try {
              consul.kvTxn(List.of(KvOp.cas(recordKey, encode(d.next()), 0, s.recordIndex())));
            } catch (ConsulUnavailableException e) {
              log.debug("read-write lock {}: no answer to queueing {}, reading again: {}", key, id, e.toString());
            }
            index = 0;                                 // queued or lost a race: re-read now
          }
          case WAIT -> {
            pruneDead(s.dead());
            if (!wait || Deadlines.passed(deadline)) throw timeout(me.mode());
          }
        }
      }
    } finally {
      if (!held) {                                     // not a holder: never leave a contender behind
        // Tied to the key as last seen: if an admitting transaction of ours applied after that read (its answer
        // was lost), the key changed and giveBack reads it again and removes the record entry too.
        long last = keyIndex;
        Remote.bestEffort(log, "remove contender key " + contender + "; it dies with the session", null,
            () -> giveBack(id, contender, session, last, values));
      }
    }
  }

  /** A hold is made: track it (lost with the session), remember it for its thread, hand out its lease. */
  private Lease lease(Held h) {
    runtime.leases.track(telemetry, h.session.id(), h.key, h.token, h.token, h.state,
        () -> giveBack(h.id, h.key, h.session, h.token, List.of(h.value)));
    if (!h.session.isValid()) {                        // lost between the commit and track: never reported
      runtime.leases.untrack(h.session.id(), h.state);
      h.state.release();
      Remote.bestEffort(log, "give back " + h.key + " after the session was lost; it dies with the session",
          null, () -> giveBack(h.id, h.key, h.session, h.token, List.of(h.value)));
      throw new SessionKeeper.SessionLost("session " + h.session.id() + " lost while acquiring the "
          + name(h.mode) + " lock of " + key);
    }
    runtime.threadHolds.put(h.reentry, h);
    return handle(h);
  }

  private Lease handle(Held h) {
    return new LeaseHandle(h.key, h.token, h.state, h.session, () -> release(h), telemetry);
  }

  /** A contender PUT whose outcome is unknown: removed, index-tied, if it lands within the window. */
  private void abandoned(String contender, Session session, List<byte[]> values) {
    runtime.orphans.abandoned(contender, session.id(), values,
        orphan -> consul.kvDeleteCas(orphan.key(), orphan.modifyIndex()));
  }

  // ------------------------------------------------------------------------------------------ releasing

  /** One lease of {@code h} closed; the last one gives the hold back in Consul. */
  private void release(Held h) {
    synchronized (h) {
      if (--h.leases > 0) return;
      runtime.threadHolds.remove(h.reentry, h);
    }
    runtime.leases.untrack(h.session.id(), h.state);
    if (h.state.release()) {
      Remote.complete("release " + h.key, () -> giveBack(h.id, h.key, h.session, h.token, List.of(h.value)));
    } else {                                           // lost: tidy up, never throw
      Remote.bestEffort(log, "give back the lost hold " + h.key + "; it dies with the session", null,
          () -> giveBack(h.id, h.key, h.session, h.token, List.of(h.value)));
    }
  }

  /**
   * Gives a hold back (or a waiter's place). First the contender key goes, {@code delete-cas} on its
   * ModifyIndex (read again when it changed): that alone frees the hold, since only live keys count. Then,
   * while the record lists the contender, it is removed by check-and-set, re-reading on a conflict. After
   * {@link #RECORD_CONFLICTS} lost races the record entry is left for the next writer to prune (it is dead);
   * a key that keeps changing is left to {@link Orphans} and the session, and thrown. After
   * {@link #GIVE_BACK_TRIES} calls without an answer the key is left to {@link Orphans} (removed, index-tied,
   * when Consul answers again) and the failure thrown.
   *
   * @param keyIndex the key's ModifyIndex last seen (0: read it)
   * @param values the values the key may show (as created, as marked)
   */
  private void giveBack(String id, String contender, Session session, long keyIndex, List<byte[]> values)
      throws InterruptedException {
    boolean keyGone = false;
    int unanswered = 0;
    int conflicts = 0;
    while (true) {
      try {
        if (!keyGone) {
          if (keyIndex == 0) {
            Optional<KvEntry> now = consul.kvGet(contender);
            if (now.isPresent()) keyIndex = now.get().modifyIndex();
            else keyGone = true;
          }
          if (!keyGone) {
            if (!consul.kvDeleteCas(contender, keyIndex)) {
              if (++conflicts >= RECORD_CONFLICTS) {
                abandoned(contender, session, values);
                throw new CoordinationException("could not delete contender key " + contender + ": it kept "
                    + "changing; it is removed when the session ends");
              }
              keyIndex = 0;                            // it changed (a mark applied late): read it again
              continue;
            }
            keyGone = true;
          }
        }
        if (conflicts >= RECORD_CONFLICTS) return;
        Optional<KvEntry> stored = consul.kvGet(recordKey);
        if (stored.isEmpty()) return;
        Record record = parseOrEmpty(stored.get());
        if (!record.lists(id)) return;
        byte[] rest = encode(ReadWriteDecision.leave(record, id));
        if (consul.kvTxn(List.of(KvOp.cas(recordKey, rest, 0, stored.get().modifyIndex()))).isPresent()) return;
        conflicts++;                                   // lost a race: read again
      } catch (ConsulUnavailableException e) {
        if (++unanswered >= GIVE_BACK_TRIES) {
          if (!keyGone) abandoned(contender, session, values);
          throw e;
        }
        if (!keyGone) keyIndex = 0;                    // applied or not: read again
      }
    }
  }

  /** Contender keys whose session is gone: delete them (check-and-set, so nothing newer is hit). */
  private void pruneDead(List<KvEntry> dead) throws InterruptedException {
    for (KvEntry e : dead) {
      try {
        consul.kvDeleteCas(e.key(), e.modifyIndex());
      } catch (ConsulException ex) {
        log.debug("could not prune dead contender {}: {}", e.key(), ex.toString());
      }
    }
  }

  // ------------------------------------------------------------------------------------------ the prefix

  /** The holders of {@code mode} now, by fencing token (one read of the prefix). */
  private List<LockHolder> holders(Mode mode) {
    List<KvEntry> entries;
    try {
      entries = consul.kvList(prefix);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while reading the holders of " + key, e);
    }
    Snapshot s = snapshot(entries, null);
    return s.holders().stream().filter(h -> h.mode() == mode)
        .map(h -> HolderValue.holderOf(s.entries().get(h.id())))
        .sorted(Comparator.comparingLong(LockHolder::fencingToken))
        .toList();
  }

  private Snapshot snapshot(List<KvEntry> entries, String me) {
    Record record = Record.EMPTY;
    long recordIndex = 0;
    Set<String> live = new HashSet<>();
    Map<String, Mode> marked = new HashMap<>();
    Map<String, KvEntry> contenders = new HashMap<>();
    KvEntry mine = null;
    List<KvEntry> dead = new ArrayList<>();
    for (KvEntry e : entries) {
      String name = e.key().substring(prefix.length());
      if (name.equals(RECORD)) {
        recordIndex = e.modifyIndex();
        record = parse(e);
        continue;
      }
      if (name.contains("/")) continue;                // not ours
      contenders.put(name, e);
      if (name.equals(me)) mine = e;
      if (e.session() != null) {
        live.add(name);
        if (e.flags() == HOLDING_READ) marked.put(name, Mode.READ);
        if (e.flags() == HOLDING_WRITE) marked.put(name, Mode.WRITE);
      } else {
        dead.add(e);
      }
    }
    return new Snapshot(record, recordIndex, live, marked, contenders, mine, dead);
  }

  private Record parse(KvEntry stored) {
    if (stored.flags() != 0) {
      throw new CoordinationException("read-write lock record " + recordKey + " carries Flags 0x"
          + Long.toHexString(stored.flags()) + ": the prefix is used by something else");
    }
    try {
      RecordJson json = GSON.fromJson(stored.valueUtf8(), RecordJson.class);
      if (json != null) return new Record(entries(json.holders), entries(json.queue));
    } catch (JsonParseException | IllegalArgumentException | NullPointerException e) {
      // fall through
    }
    throw new CoordinationException("read-write lock record " + recordKey + " is not a {Holders, Queue} JSON "
        + "object: " + stored.valueUtf8());
  }

  /** The record, or an empty one when it is not a record of ours (a leaving contender never throws). */
  private Record parseOrEmpty(KvEntry stored) {
    try {
      return parse(stored);
    } catch (CoordinationException e) {
      return Record.EMPTY;
    }
  }

  private static List<Entry> entries(List<EntryJson> json) {
    if (json == null) return List.of();
    List<Entry> out = new ArrayList<>();
    for (EntryJson e : json) {
      out.add(new Entry(e.id, Mode.valueOf(e.mode.toUpperCase(Locale.ROOT))));
    }
    return out;
  }

  private static byte[] encode(Record record) {
    RecordJson json = new RecordJson();
    json.holders = json(record.holders());
    json.queue = json(record.queue());
    return GSON.toJson(json).getBytes(StandardCharsets.UTF_8);
  }

  private static List<EntryJson> json(List<Entry> entries) {
    List<EntryJson> out = new ArrayList<>();
    for (Entry e : entries) {
      EntryJson j = new EntryJson();
      j.id = e.id();
      j.mode = name(e.mode());
      out.add(j);
    }
    return out;
  }

  private static long flags(Mode mode) {
    return mode == Mode.READ ? HOLDING_READ : HOLDING_WRITE;
  }

  private static String name(Mode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  private byte[] contenderValue() {
    return HolderValue.encode(runtime.ownerId, null, null, null);
  }

  private TimeoutException timeout(Mode mode) {
    return new TimeoutException("timed out waiting for the " + name(mode) + " lock of " + key);
  }
}
