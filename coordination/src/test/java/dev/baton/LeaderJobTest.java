package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.TestConsul;
import dev.baton.testing.Work;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Leader-elected scheduled jobs against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class LeaderJobTest {

  /** One execution: which client, its term token, when it started and ended (nanoTime). */
  record Run(int client, long token, long start, long end) {}

  @Test
  void threeProcessesOneScheduleNoOverlapTokensNeverGoBackAndItSurvivesTheLeaderClosing(TestConsul consul)
      throws Exception {
    List<Run> runs = new ArrayList<>();
    List<Coordinator> clients = new ArrayList<>();
    List<LeaderJob> jobs = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Coordinator c = consul.builder().build();
        clients.add(c);
        int client = i;
        jobs.add(c.scheduleOnLeader("report", Duration.ofMillis(100), ctx -> {
          long start = System.nanoTime();
          Work.take(20);
          synchronized (runs) {
            runs.add(new Run(client, ctx.fencingToken(), start, System.nanoTime()));
          }
        }));
      }
      long begin = System.nanoTime();
      CountDownLatch halfway = new CountDownLatch(1);
      // let it run 2.5 s, close the leader's job mid-run, let it run until 5 s
      assertFalse(halfway.await(2500, TimeUnit.MILLISECONDS));
      int leader = -1;
      synchronized (runs) {
        leader = runs.get(runs.size() - 1).client();
      }
      long closedAt = System.nanoTime();
      clients.get(leader).close();                          // the whole process goes away mid-run
      assertFalse(halfway.await(Math.max(0, 5000 - (System.nanoTime() - begin) / 1_000_000), TimeUnit.MILLISECONDS));
      jobs.forEach(LeaderJob::close);

      List<Run> sorted;
      synchronized (runs) {
        sorted = new ArrayList<>(runs);
      }
      sorted.sort(Comparator.comparingLong(Run::start));
      System.out.printf("leader job: %d executions, leader %d closed after 2.5 s%n", sorted.size(), leader);
      assertTrue(sorted.size() >= 30, "ran " + sorted.size() + " times in 5 s at 100 ms");
      for (int i = 1; i < sorted.size(); i++) {
        Run prev = sorted.get(i - 1);
        Run next = sorted.get(i);
        assertTrue(next.start() >= prev.end(), "executions overlap: " + prev + " and " + next);
        assertTrue(next.token() >= prev.token(), "token went back: " + prev + " then " + next);
      }
      int finalLeader = leader;
      assertTrue(sorted.stream().anyMatch(r -> r.start() > closedAt && r.client() != finalLeader),
          "another process continued the schedule");
      assertTrue(sorted.stream().filter(r -> r.start() > closedAt).allMatch(r -> r.client() != finalLeader));
    } finally {
      jobs.forEach(LeaderJob::close);
      clients.forEach(Coordinator::close);
    }
  }

  @Test
  void leadershipLossInterruptsTheRunningExecution(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      CountDownLatch started = new CountDownLatch(1);
      CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
      CompletableFuture<Boolean> stillLeader = new CompletableFuture<>();
      CountDownLatch never = new CountDownLatch(1);         // the task runs until its interrupt
      try (LeaderJob job = c.scheduleOnLeader("loss", Duration.ofSeconds(60), ctx -> {
        started.countDown();
        try {
          never.await(60, TimeUnit.SECONDS);                // ends by the interrupt (else after 60 s)
          interrupted.complete(false);
        } catch (InterruptedException e) {
          stillLeader.complete(ctx.isStillLeader());
          interrupted.complete(true);
        }
      })) {
        assertTrue(started.await(10, TimeUnit.SECONDS), "the leader runs the task");
        long destroyedAt = System.nanoTime();
        raw.sessionDestroy(c.sessionId());
        assertTrue(interrupted.get(TestConsul.TTL.toMillis() / 3 + 2000, TimeUnit.MILLISECONDS));
        long ms = (System.nanoTime() - destroyedAt) / 1_000_000;
        System.out.printf("leader job: session destroyed -> execution interrupted after %d ms%n", ms);
        assertFalse(stillLeader.get(), "the context knows leadership is gone");
        assertEquals(1, job.executions(), "no new execution starts on a lost leadership");
      }
    }
  }

  @Test
  void badInputIsRejected(TestConsul consul) {
    try (Coordinator c = consul.builder().build()) {
      assertThrows(IllegalArgumentException.class, () -> c.scheduleOnLeader("j", Duration.ZERO, ctx -> { }));
      assertThrows(IllegalArgumentException.class, () -> c.scheduleOnLeader("/j", Duration.ofSeconds(1), ctx -> { }));
      assertThrows(NullPointerException.class, () -> c.scheduleOnLeader("j", Duration.ofSeconds(1), null));
    }
  }
}
