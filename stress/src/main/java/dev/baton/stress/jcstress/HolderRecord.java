package dev.baton.stress.jcstress;

import dev.baton.internal.SemaphoreDecision;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * A model of the semaphore's {@code .lock} entry in Consul: a versioned holder record that changes only by
 * check-and-set on its version (Consul's {@code cas=<ModifyIndex>}, which the server applies atomically), and
 * the contender's protocol on it as {@code ConsulSemaphore} runs it: read, decide with
 * {@link SemaphoreDecision#acquire}, write with check-and-set, re-read after a lost race.
 *
 * <p>The holders are stored as a list (not a set) exactly as the decision hands them over, so that a decision
 * that counts a contender twice shows up as a duplicate entry.
 */
final class HolderRecord {
  /** One stored version of the record. */
  record Snapshot(long version, int limit, List<String> holders) {}

  private Snapshot current;

  HolderRecord(int limit, List<String> holders) {
    current = new Snapshot(1, limit, List.copyOf(holders));
  }

  synchronized Snapshot read() {
    return current;
  }

  /** Consul's check-and-set: applies only when the stored version is still {@code expectedVersion}. */
  synchronized boolean cas(long expectedVersion, int limit, Collection<String> holders) {
    if (current.version != expectedVersion) return false;
    current = new Snapshot(expectedVersion + 1, limit, new ArrayList<>(holders));
    return true;
  }

  /**
   * The acquire protocol of one contender: 1 when it holds a permit in the end (it wrote itself in, or the
   * record already named it), 0 when it has to wait (all permits taken), -1 when it gave up after many lost
   * races (a livelock: cannot happen, every lost race is another contender's progress).
   */
  int acquire(String me, int myLimit, Collection<String> live) {
    for (int attempt = 0; attempt < 100; attempt++) {
      Snapshot s = read();
      SemaphoreDecision.Decision d = SemaphoreDecision.acquire(s.limit(), s.holders(), live, me, myLimit);
      switch (d.kind()) {
        case ALREADY_HOLDER:
          return 1;
        case WAIT:
        case LIMIT_MISMATCH:
          return 0;
        case ACQUIRE:
          if (cas(s.version(), d.limit(), d.holders())) return 1;
          break;                                    // lost the race: re-read, decide again
        default:
          throw new IllegalStateException("unknown decision " + d.kind());
      }
    }
    return -1;
  }

  /**
   * Arbiter's view of the final record: the number of holders when the record lists exactly the contenders
   * that report holding, each once; 100 + the number of entries when it lists a contender twice, a
   * contender that does not hold, or misses one that does.
   */
  int verdict(Set<String> holding) {
    List<String> h = read().holders();
    boolean exact = h.size() == Set.copyOf(h).size() && Set.copyOf(h).equals(holding);
    return exact ? h.size() : 100 + h.size();
  }
}
