package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.baton.Coordinator;
import dev.baton.DistributedSemaphore;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import dev.baton.testing.Await;
import dev.baton.testing.Work;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 6: four independent clients take a permit of a 2-permit semaphore in a loop while the Raft leader
 * is stopped (scenario 1's fault: two clients talk to the leader's HTTP port, one to each follower's).
 * Throughout, never more than two holders at once (holds as in {@link HoldLog}: from acquire's return to the
 * last successful {@link Lease#ensureHeld()}), all fencing tokens distinct; acquisitions go on after the
 * re-election, and every client acquires again once the old leader is back. The stall is printed.
 */
class SemaphoreLeaderLossTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  private static final int PERMITS = 2;

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  /**
   * One client looping on the semaphore (its own Coordinator, so its own session): it holds a permit for
   * 4 pauses of 10-40 ms, checking {@link Lease#ensureHeld()} before and after each. The hold ends at the last
   * proof of holding (a lost lease: at its last successful ensureHeld).
   */
  private static Contender permitContender(String name, URI address, String prefix, HoldLog log) {
    Coordinator coordinator = Clients.coordinator(address, prefix, name);
    DistributedSemaphore semaphore = coordinator.semaphore("pool", PERMITS);
    return new Contender(name, coordinator, semaphore::acquire, SemaphoreLeaderLossTest::holdPermit, log);
  }

  private static HoldLog.Hold holdPermit(Contender self, Lease lease, long start) throws InterruptedException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long end = start;
    String lost = null;
    try {
      for (int i = 0; i < 4; i++) {
        lease.ensureHeld();
        end = System.nanoTime();
        Work.take(random.nextInt(10, 40));
      }
      lease.ensureHeld();
      end = System.nanoTime();
    } catch (LeaseLostException e) {
      lost = e.getMessage();
    }
    return new HoldLog.Hold(self.name, lease.fencingToken(), start, end, lost);
  }

  /** The largest number of holds open at one instant (an end and a start at the same instant do not overlap). */
  private static int maxConcurrent(List<HoldLog.Hold> holds, List<HoldLog.Hold> witness) {
    List<long[]> events = new ArrayList<>(); // [time, +1/-1, index]
    for (int i = 0; i < holds.size(); i++) {
      events.add(new long[] {holds.get(i).start(), 1, i});
      events.add(new long[] {holds.get(i).end(), -1, i});
    }
    events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
    int open = 0;
    int max = 0;
    Set<Integer> current = new HashSet<>();
    for (long[] e : events) {
      open += (int) e[1];
      if (e[1] > 0) current.add((int) e[2]); else current.remove((int) e[2]);
      if (open > max) {
        max = open;
        witness.clear();
        for (int i : current) witness.add(holds.get(i));
      }
    }
    return max;
  }

  /** The longest time after {@code from} with no hold open: [ms, end of that time]. */
  private static long[] longestIdle(List<HoldLog.Hold> holds, long from) {
    List<HoldLog.Hold> sorted = new ArrayList<>(holds);
    sorted.sort(Comparator.comparingLong(HoldLog.Hold::start));
    long coveredUntil = from;
    for (HoldLog.Hold h : sorted) if (h.start() - from <= 0) coveredUntil = Math.max(coveredUntil, h.end());
    long[] longest = {0, from};
    for (HoldLog.Hold h : sorted) {
      if (h.start() - from <= 0) continue;
      long gap = h.start() - coveredUntil;
      if (gap > longest[0] * 1_000_000) longest = new long[] {gap / 1_000_000, h.start()};
      coveredUntil = Math.max(coveredUntil, h.end());
    }
    return longest;
  }

  @Test
  void neverMoreThanTwoHoldersWhileTheLeaderIsStoppedAndReplaced() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    List<ConsulCluster.Node> followers = CLUSTER.followers();
    String prefix = Clients.uniquePrefix("semaphore-leader-loss");
    HoldLog log = new HoldLog();
    List<Contender> contenders = new ArrayList<>();
    try {
      contenders.add(permitContender("via-leader-1", leader.httpAddress(), prefix, log));
      contenders.add(permitContender("via-leader-2", leader.httpAddress(), prefix, log));
      for (ConsulCluster.Node f : followers) {
        contenders.add(permitContender("via-" + f.name(), f.httpAddress(), prefix, log));
      }
      LeaderStop.Stopped stop = LeaderStop.startThenStopLeader(CLUSTER, leader, contenders, log);
      long stopAt = stop.stopAt();
      long stoppedAt = stop.stoppedAt();
      Await.until(Duration.ofSeconds(45), () -> log.countAfter(stoppedAt) >= 10,
          () -> "10 acquisitions after the leader stopped: " + contenders);
      HoldLog.Hold first = log.firstAfter(stoppedAt).orElseThrow();
      long[] idle = longestIdle(log.holds(), stopAt);
      long[] gap = log.longestGap(stopAt, System.nanoTime());

      long recovered = LeaderStop.restartLeader(CLUSTER, leader, contenders, log, Duration.ofSeconds(45));
      for (Contender c : contenders) c.close();

      List<HoldLog.Hold> holds = log.holds();
      List<HoldLog.Hold> witness = new ArrayList<>();
      int max = maxConcurrent(holds, witness);
      if (max > PERMITS) fail(max + " holders of a " + PERMITS + "-permit semaphore at once: " + witness);
      Set<Long> tokens = new HashSet<>();
      for (HoldLog.Hold h : holds) {
        if (!tokens.add(h.token())) fail("fencing token " + h.token() + " given twice: " + holds);
      }
      assertEquals(holds.size(), tokens.size());
      System.out.printf("[semaphore %d permits, 4 contenders, leader stopped] new Raft leader %s %d ms after "
              + "'docker stop'; stall: no permit held for %d ms (until %d ms after the stop); longest gap between "
              + "consecutive acquisitions %d ms; first acquisition after the container was down: +%d ms; max "
              + "holders at once %d; %d acquisitions, %d after the stop, %d leases lost; clients of the old leader "
              + "acquiring again %d ms after it restarted; failures: %s%n", PERMITS, stop.newLeader().name(),
          Await.millis(stopAt, stop.electedAt()), idle[0], Await.millis(stopAt, idle[1]), gap[0],
          Await.millis(stopAt, first.start()), max, holds.size(), log.countAfter(stopAt),
          holds.stream().filter(h -> h.lost() != null).count(), recovered,
          contenders.stream().map(c -> c.name + "=" + c.failures).toList());
    } finally {
      for (Contender c : contenders) c.close();
    }
  }
}
