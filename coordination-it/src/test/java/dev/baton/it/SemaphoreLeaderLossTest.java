package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.baton.Coordinator;
import dev.baton.DistributedSemaphore;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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

  /** One client looping on the semaphore (its own Coordinator, so its own session). */
  private static final class PermitContender implements AutoCloseable {
    final String name;
    final Coordinator coordinator;
    final DistributedSemaphore semaphore;
    final HoldLog log;
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger lost = new AtomicInteger();
    volatile Throwable lastFailure;
    volatile boolean running = true;
    final Thread thread;

    PermitContender(String name, URI address, String prefix, HoldLog log) {
      this.name = name;
      this.coordinator = Clients.coordinator(address, prefix, name);
      this.semaphore = coordinator.semaphore("pool", PERMITS);
      this.log = log;
      this.thread = new Thread(this::loop, "permit-" + name);
      thread.setDaemon(true);
    }

    private void loop() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (running) {
        Lease lease;
        try {
          lease = semaphore.acquire(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
          return;
        } catch (TimeoutException | RuntimeException e) {
          failures.incrementAndGet();
          lastFailure = e;
          if (!pause(100)) return;
          continue;
        }
        long start = System.nanoTime();
        long end = start;
        String lostReason = null;
        boolean interrupted = false;
        try {
          for (int i = 0; i < 4; i++) {
            lease.ensureHeld();
            end = System.nanoTime();
            Thread.sleep(random.nextInt(10, 40));
          }
          lease.ensureHeld();
          end = System.nanoTime();
        } catch (LeaseLostException e) {
          lostReason = e.getMessage();
          lost.incrementAndGet();
        } catch (InterruptedException e) {
          interrupted = true;
          end = System.nanoTime();
        }
        // the hold ends at the last proof of holding (a lost lease: at its last successful ensureHeld)
        log.add(new HoldLog.Hold(name, lease.fencingToken(), start, end, lostReason));
        try {
          lease.close();
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          lastFailure = e;
        }
        if (interrupted || !pause(random.nextInt(5, 30))) return;
      }
    }

    private boolean pause(long millis) {
      try {
        Thread.sleep(millis);
        return running;
      } catch (InterruptedException e) {
        return false;
      }
    }

    PermitContender start() {
      thread.start();
      return this;
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      coordinator.close();
    }

    @Override
    public String toString() {
      return name + "{failures=" + failures + ", lost=" + lost + ", last=" + lastFailure + "}";
    }
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
    List<PermitContender> contenders = new ArrayList<>();
    try {
      contenders.add(new PermitContender("via-leader-1", leader.httpAddress(), prefix, log));
      contenders.add(new PermitContender("via-leader-2", leader.httpAddress(), prefix, log));
      for (ConsulCluster.Node f : followers) {
        contenders.add(new PermitContender("via-" + f.name(), f.httpAddress(), prefix, log));
      }
      contenders.forEach(PermitContender::start);
      long startedAt = System.nanoTime();
      Await.until(Duration.ofSeconds(60), () -> log.count() >= 20
              && contenders.stream().allMatch(c -> log.countAfter(c.name, startedAt - 1) >= 2),
          () -> "20 acquisitions, 2 by each client, before the fault: " + contenders);

      long stopAt = System.nanoTime();
      leader.stop();
      long stoppedAt = System.nanoTime();
      ConsulCluster.Node newLeader = CLUSTER.awaitNewLeader(leader, Duration.ofSeconds(30));
      long electedAt = System.nanoTime();
      Await.until(Duration.ofSeconds(45), () -> log.countAfter(stoppedAt) >= 10,
          () -> "10 acquisitions after the leader stopped: " + contenders);
      HoldLog.Hold first = log.firstAfter(stoppedAt).orElseThrow();
      long[] idle = longestIdle(log.holds(), stopAt);
      long[] gap = log.longestGap(stopAt, System.nanoTime());

      long restartAt = System.nanoTime();
      leader.start();
      CLUSTER.awaitHealthy(Duration.ofSeconds(60));
      for (PermitContender c : contenders) {
        Await.until(Duration.ofSeconds(45), () -> log.countAfter(c.name, restartAt) >= 1,
            () -> c.name + " acquiring again after the old leader returned: " + contenders);
      }
      long recovered = Await.millis(restartAt, System.nanoTime());
      for (PermitContender c : contenders) c.close();

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
              + "acquiring again %d ms after it restarted; failures: %s%n", PERMITS, newLeader.name(),
          Await.millis(stopAt, electedAt), idle[0], Await.millis(stopAt, idle[1]), gap[0],
          Await.millis(stopAt, first.start()), max, holds.size(), log.countAfter(stopAt),
          holds.stream().filter(h -> h.lost() != null).count(), recovered,
          contenders.stream().map(c -> c.name + "=" + c.failures).toList());
    } finally {
      for (PermitContender c : contenders) c.close();
    }
  }
}
