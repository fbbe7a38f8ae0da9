package dev.baton.it;

import dev.baton.testing.Await;
import java.time.Duration;
import java.util.List;

/**
 * The fault of scenarios 1 and 6 ({@link LeaderLossTest}, {@link SemaphoreLeaderLossTest}), step by step:
 * the contenders work, the Raft leader is stopped and replaced, and once it is back every contender acquires
 * again. Times are {@link System#nanoTime()} readings.
 */
final class LeaderStop {
  /** The stop: just before and just after 'docker stop', the new Raft leader and when it was seen elected. */
  record Stopped(long stopAt, long stoppedAt, ConsulCluster.Node newLeader, long electedAt) {}

  private LeaderStop() {}

  /**
   * Starts {@code contenders} and waits until they work (20 acquisitions, 2 by each client), then stops the
   * Raft {@code leader} and waits for a new one.
   */
  static Stopped startThenStopLeader(ConsulCluster cluster, ConsulCluster.Node leader, List<Contender> contenders,
      HoldLog log) {
    contenders.forEach(Contender::start);
    long startedAt = System.nanoTime();
    Await.until(Duration.ofSeconds(60), () -> log.count() >= 20
            && contenders.stream().allMatch(c -> log.countAfter(c.name, startedAt - 1) >= 2),
        () -> "20 acquisitions, 2 by each client, before the fault: " + contenders);

    long stopAt = System.nanoTime();
    leader.stop();
    long stoppedAt = System.nanoTime();
    ConsulCluster.Node newLeader = cluster.awaitNewLeader(leader, Duration.ofSeconds(30));
    return new Stopped(stopAt, stoppedAt, newLeader, System.nanoTime());
  }

  /**
   * Starts the old {@code leader} again, waits for a healthy cluster, then (up to {@code timeout} each) for
   * every contender to acquire again; answers the ms from the restart until the last one did.
   */
  static long restartLeader(ConsulCluster cluster, ConsulCluster.Node leader, List<Contender> contenders,
      HoldLog log, Duration timeout) {
    long restartAt = System.nanoTime();
    leader.start();
    cluster.awaitHealthy(Duration.ofSeconds(60));
    for (Contender c : contenders) {
      Await.until(timeout, () -> log.countAfter(c.name, restartAt) >= 1,
          () -> c.name + " acquiring again after the old leader returned: " + contenders);
    }
    return Await.millis(restartAt, System.nanoTime());
  }
}
