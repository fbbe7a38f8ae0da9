package dev.baton.stress.jcstress;

import dev.baton.internal.ReadWriteDecision;
import dev.baton.internal.ReadWriteDecision.Decision;
import dev.baton.internal.ReadWriteDecision.Entry;
import dev.baton.internal.ReadWriteDecision.Mode;
import dev.baton.internal.ReadWriteDecision.Record;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model of a read-write lock's prefix in Consul: the {@code .rwlock} record (holders and queue, versioned)
 * and the contender keys (present = held by a live session; each versioned, and marked with the mode it holds
 * in). Every operation is atomic, as Consul applies a read, a check-and-set or a transaction atomically: one
 * Raft index ({@link #clock}) per write. On it, the contender's protocols as {@code ConsulReadWriteLock} runs
 * them:
 * <ul>
 *   <li>acquire: read, decide with {@link ReadWriteDecision#acquire}; ADMIT is one transaction writing the
 *       record by check-and-set on its version and marking the own key by check-and-set on its version (both
 *       or neither); ENQUEUE is a check-and-set of the record; a lost race re-reads;</li>
 *   <li>release: delete the own key (check-and-set on its version), then leave the record with
 *       {@link ReadWriteDecision#leave} by check-and-set, re-reading after a lost race.</li>
 * </ul>
 *
 * <p>The admitting transaction also checks the lock's invariants on the state it commits against,
 * independently of the decision: a writer admitted while anyone live holds, a reader admitted while a live
 * writer holds, or a reader admitted while a live writer is queued ahead of it (or, for a newcomer, queued
 * at all) counts as a {@link #violations() violation}. The downgrade of the own thread's writer is exempt.
 */
final class ReadWriteRecord {
  /** A contender key: its version (ModifyIndex) and the mode it is marked with (null: not marked). */
  record Key(long version, Mode mark) {}

  /** One consistent read. */
  record Snapshot(long version, Record record, Map<String, Key> keys) {
    Map<String, Mode> marked() {
      Map<String, Mode> m = new HashMap<>();
      keys.forEach((id, k) -> {
        if (k.mark() != null) m.put(id, k.mark());
      });
      return m;
    }
  }

  private long clock = 1;
  private long version;
  private Record record = Record.EMPTY;
  private final Map<String, Key> keys = new HashMap<>();
  private int violations;

  /**
   * @param holders holding contenders (recorded, their keys marked)
   * @param queue queued contenders
   * @param others further live contender keys (waiting to contend)
   */
  ReadWriteRecord(List<Entry> holders, List<Entry> queue, List<String> others) {
    if (!holders.isEmpty() || !queue.isEmpty()) {
      version = clock;
      record = new Record(holders, queue);
    }
    for (Entry h : holders) keys.put(h.id(), new Key(clock, h.mode()));
    for (Entry q : queue) keys.put(q.id(), new Key(clock, null));
    for (String id : others) keys.put(id, new Key(clock, null));
  }

  synchronized Snapshot read() {
    return new Snapshot(version, record, Map.copyOf(keys));
  }

  /** The admitting transaction; checks the invariants against the state it commits on. */
  synchronized boolean admitTxn(long expectedVersion, Record next, Entry me, long keyVersion, String ownWriter) {
    Key k = keys.get(me.id());
    if (version != expectedVersion || k == null || k.version() != keyVersion) return false;
    check(me, ownWriter);
    clock++;
    version = clock;
    record = next;
    keys.put(me.id(), new Key(clock, me.mode()));
    return true;
  }

  private void check(Entry me, String ownWriter) {
    List<Entry> holding = new ArrayList<>();
    for (Entry h : record.holders()) {
      if (keys.containsKey(h.id())) holding.add(h);
    }
    keys.forEach((id, k) -> {
      if (k.mark() != null && holding.stream().noneMatch(h -> h.id().equals(id))) holding.add(new Entry(id, k.mark()));
    });
    holding.removeIf(h -> h.id().equals(me.id()));
    if (me.mode() == Mode.WRITE) {
      if (!holding.isEmpty()) violations++;
      return;
    }
    boolean downgrade = ownWriter != null && holding.contains(new Entry(ownWriter, Mode.WRITE));
    if (holding.stream().anyMatch(h -> h.mode() == Mode.WRITE && !(downgrade && h.id().equals(ownWriter)))) {
      violations++;
    }
    if (downgrade) return;
    for (Entry q : record.queue()) {
      if (q.id().equals(me.id())) return;            // entries behind it do not matter
      if (q.mode() == Mode.WRITE && keys.containsKey(q.id())) {
        violations++;
        return;
      }
    }
  }

  /** Check-and-set on the record alone (queueing, leaving). */
  synchronized boolean casRecord(long expectedVersion, Record next) {
    if (version != expectedVersion) return false;
    clock++;
    version = clock;
    record = next;
    return true;
  }

  /** delete-cas of a contender key: false when it changed since {@code keyVersion} (a gone key is no failure). */
  synchronized boolean deleteKey(String id, long keyVersion) {
    Key k = keys.get(id);
    if (k == null) return true;
    if (k.version() != keyVersion) return false;
    clock++;
    keys.remove(id);
    return true;
  }

  /**
   * The acquire protocol of one contender (its key exists), up to the point where it would block: 1 when it
   * holds, 0 when it is queued and must wait (or its key is gone), -1 after many lost races (a livelock:
   * cannot happen, every lost race is another contender's progress).
   */
  int acquire(Entry me, String ownWriter) {
    for (int attempt = 0; attempt < 100; attempt++) {
      Snapshot s = read();
      Key mine = s.keys().get(me.id());
      if (mine == null) return 0;
      Decision d = ReadWriteDecision.acquire(s.record(), s.keys().keySet(), s.marked(), me, ownWriter);
      switch (d.kind()) {
        case ALREADY_HOLDER:
          return 1;
        case WAIT:
        case DROPPED:
          return 0;
        case ADMIT:
          if (admitTxn(s.version(), d.next(), me, mine.version(), ownWriter)) return 1;
          break;
        case ENQUEUE:
          casRecord(s.version(), d.next());         // queued, or lost a race: read again either way
          break;
        default:
          throw new IllegalStateException("unknown decision " + d.kind());
      }
    }
    return -1;
  }

  /** The release protocol: delete the own key (index-tied), then leave the record by check-and-set. */
  void release(String id) {
    for (int attempt = 0; attempt < 100; attempt++) {
      Key mine = read().keys().get(id);
      if (mine == null || deleteKey(id, mine.version())) break;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
      Snapshot s = read();
      if (!s.record().lists(id)) return;
      if (casRecord(s.version(), ReadWriteDecision.leave(s.record(), id))) return;
    }
  }

  synchronized int violations() {
    return violations;
  }

  /** The ids queued now, in order. */
  synchronized List<String> queued() {
    return record.queue().stream().map(Entry::id).toList();
  }
}
