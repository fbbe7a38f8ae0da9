package dev.baton.internal;

import dev.baton.DistributedLock;
import dev.baton.DistributedReadWriteLock;
import dev.baton.DistributedSemaphore;
import dev.baton.LeaderElection;
import dev.baton.LeaderJob;
import dev.baton.LeaderTask;
import java.time.Duration;
import java.util.Map;

/**
 * Where the {@code Coordinator} gets its primitives: each is one package-private class whose constructor takes
 * the {@link BatonRuntime} and a validated key. A new primitive plugs in with one such class, one method here
 * and one method on the {@code Coordinator}.
 */
public final class Primitives {
  private Primitives() {}

  /** The lock on {@code key}; fair locks queue in Consul in arrival order. */
  public static DistributedLock lock(BatonRuntime runtime, String key, boolean fair) {
    return new ConsulLock(runtime, key, fair, null, null);
  }

  /** The lock named by {@code key} shared with Consul's Go clients: key {@code <key>/.lock}, Go's lock Flags. */
  public static DistributedLock consulCompatibleLock(BatonRuntime runtime, String key) {
    return new ConsulLock(runtime, key + "/.lock", ConsulLock.GO_LOCK_FLAGS);
  }

  /** The semaphore below {@code key + "/"} with {@code permits} permits. */
  public static DistributedSemaphore semaphore(BatonRuntime runtime, String key, int permits) {
    return new ConsulSemaphore(runtime, key, permits);
  }

  /** The read-write lock on {@code key} (keys below {@code key + "/"}). */
  public static DistributedReadWriteLock readWriteLock(BatonRuntime runtime, String key) {
    return new ConsulReadWriteLock(runtime, key);
  }

  /** The election on {@code key} with this process as {@code candidateId}. */
  public static LeaderElection election(BatonRuntime runtime, String key, String candidateId,
      Map<String, String> metadata) {
    return new ConsulElection(runtime, key, candidateId, metadata);
  }

  /** A job scheduled on the leader of the election on {@code key} (candidate id: the owner id). */
  public static LeaderJob scheduleOnLeader(BatonRuntime runtime, String key, Duration period, LeaderTask task) {
    return new ScheduledLeaderJob(runtime, key, period, task);
  }
}
