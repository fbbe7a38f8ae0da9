package dev.baton.stress.jcstress;

import dev.baton.internal.SemaphoreDecision;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model of a semaphore's prefix in Consul: the {@code .lock} holder record (versioned, or absent) and the
 * contender keys (present = held by a live session; each versioned, and marked when it holds a permit). Every
 * operation is atomic, as Consul applies a read, a check-and-set or a transaction atomically: one Raft index
 * ({@link #clock}) per write. On it, the contender's protocols as {@code ConsulSemaphore} runs them:
 * <ul>
 *   <li>acquire: read the prefix, decide with {@link SemaphoreDecision#acquire}, then one transaction that
 *       writes the record by check-and-set on its version and marks the own key by check-and-set on its
 *       version (both or neither); re-read after a lost race;</li>
 *   <li>release: delete the own key (check-and-set on its version), then remove itself from the record with
 *       {@link SemaphoreDecision#release} by check-and-set, re-reading after a lost race;</li>
 *   <li>the holder's record watch: {@link SemaphoreDecision#stillHolder} on the record.</li>
 * </ul>
 *
 * <p>The holders are stored as a list (not a set) exactly as the decision hands them over, so that a decision
 * that counts a contender twice shows up as a duplicate entry.
 */
final class HolderRecord {
  /** A contender key: its version (ModifyIndex) and whether it is marked as holding. */
  record Key(long version, boolean marked) {}

  /** One consistent read: the record (holders null when there is none) and the live contender keys. */
  record Snapshot(long version, int limit, List<String> holders, Map<String, Key> keys) {
    Set<String> live() {
      return keys.keySet();
    }

    Set<String> marked() {
      Set<String> m = new HashSet<>();
      keys.forEach((id, k) -> {
        if (k.marked()) m.add(id);
      });
      return m;
    }
  }

  private long clock = 1;
  private long version;
  private int limit;
  private List<String> holders;
  private final Map<String, Key> keys = new HashMap<>();

  /**
   * @param limit the stored limit; 0: no record yet
   * @param holders the stored holders
   * @param live contenders whose key is held by a live session (holders among them are marked)
   */
  HolderRecord(int limit, List<String> holders, Collection<String> live) {
    if (limit > 0) {
      this.version = clock;
      this.limit = limit;
      this.holders = List.copyOf(holders);
    }
    for (String id : live) keys.put(id, new Key(clock, limit > 0 && holders.contains(id)));
  }

  synchronized Snapshot read() {
    return new Snapshot(version, limit, holders, Map.copyOf(keys));
  }

  /**
   * The acquiring transaction: writes the record if its version is still {@code expectedVersion} (0: only if
   * absent) and marks {@code me}'s key if its version is still {@code keyVersion}; both or neither.
   */
  synchronized boolean acquireTxn(long expectedVersion, int newLimit, Collection<String> newHolders, String me,
      long keyVersion) {
    Key k = keys.get(me);
    if (version != expectedVersion || k == null || k.version() != keyVersion) return false;
    clock++;
    version = clock;
    limit = newLimit;
    holders = new ArrayList<>(newHolders);
    keys.put(me, new Key(clock, true));
    return true;
  }

  /** Check-and-set on the record alone (a release removing itself). */
  synchronized boolean casRecord(long expectedVersion, int newLimit, Collection<String> newHolders) {
    if (holders == null || version != expectedVersion) return false;
    clock++;
    version = clock;
    limit = newLimit;
    holders = new ArrayList<>(newHolders);
    return true;
  }

  /** An operator deletes {@code .lock}. */
  synchronized void deleteRecord() {
    clock++;
    version = 0;
    limit = 0;
    holders = null;
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

  /** A contender PUT ({@code ?acquire}) lands: the key exists, held by the live session, not marked. */
  synchronized void putKey(String id) {
    clock++;
    keys.put(id, new Key(clock, false));
  }

  /**
   * The acquire protocol of one contender (its key exists): 1 when it holds a permit in the end (it wrote
   * itself in, or the record already named it), 0 when it has to wait (all permits taken), -1 when it gave
   * up after many lost races (a livelock: cannot happen, every lost race is another contender's progress).
   */
  int acquire(String me, int myLimit) {
    for (int attempt = 0; attempt < 100; attempt++) {
      Snapshot s = read();
      Key mine = s.keys().get(me);
      if (mine == null) return 0;                     // its key is gone: nothing to contend with
      SemaphoreDecision.Decision d = SemaphoreDecision.acquire(s.limit(),
          s.holders() == null ? List.of() : s.holders(), s.live(), s.marked(), me, myLimit);
      switch (d.kind()) {
        case ALREADY_HOLDER:
          return 1;
        case WAIT:
        case LIMIT_MISMATCH:
        case DROPPED:
          return 0;
        case ACQUIRE:
          if (acquireTxn(s.version(), d.limit(), d.holders(), me, mine.version())) return 1;
          break;                                    // lost the race: re-read, decide again
        default:
          throw new IllegalStateException("unknown decision " + d.kind());
      }
    }
    return -1;
  }

  /** The release protocol: delete the own key (index-tied), then leave the record by check-and-set. */
  void release(String me) {
    for (int attempt = 0; attempt < 100; attempt++) {
      Key mine = read().keys().get(me);
      if (mine == null || deleteKey(me, mine.version())) break;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
      Snapshot s = read();
      if (s.holders() == null || !s.holders().contains(me)) return;
      if (casRecord(s.version(), s.limit(), SemaphoreDecision.release(s.holders(), me))) return;
    }
  }

  /** The holder's record watch: does the record still list {@code me}? */
  boolean stillHolder(String me) {
    return SemaphoreDecision.stillHolder(read().holders(), me);
  }

  /** The current version of {@code id}'s key, or -1 when it is gone. */
  long keyVersion(String id) {
    Key k = read().keys().get(id);
    return k == null ? -1 : k.version();
  }

  /**
   * Arbiter's view of the final record: the number of holders when the record lists exactly the contenders
   * that report holding, each once (no record counts as listing nobody); 100 + the number of entries when it
   * lists a contender twice, a contender that does not hold, or misses one that does.
   */
  int verdict(Set<String> holding) {
    List<String> h = read().holders();
    if (h == null) h = List.of();
    boolean exact = h.size() == Set.copyOf(h).size() && Set.copyOf(h).equals(holding);
    return exact ? h.size() : 100 + h.size();
  }
}
