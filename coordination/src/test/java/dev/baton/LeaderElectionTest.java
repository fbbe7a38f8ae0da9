package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.HoldLockMain;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Leader election against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class LeaderElectionTest {

  /** Records term events as "elected:<token>" / "revoked". */
  static final class Events implements LeadershipListener {
    final List<String> log = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> queue = new LinkedBlockingQueue<>();

    @Override
    public void onElected(long fencingToken) {
      log.add("elected:" + fencingToken);
      queue.add("elected:" + fencingToken);
    }

    @Override
    public void onRevoked() {
      log.add("revoked");
      queue.add("revoked");
    }

    String next(Duration timeout) throws InterruptedException {
      return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static final class Group implements AutoCloseable {
    final List<Coordinator> clients = new ArrayList<>();
    final List<LeaderElection> elections = new ArrayList<>();
    final List<Events> events = new ArrayList<>();

    Group(TestConsul consul, int n, String name) {
      for (int i = 0; i < n; i++) {
        Coordinator c = consul.builder().build();
        LeaderElection e = c.election(name, "candidate-" + i, Map.of("index", Integer.toString(i)));
        Events ev = new Events();
        e.addListener(ev);
        clients.add(c);
        elections.add(e);
        events.add(ev);
      }
      elections.forEach(LeaderElection::start);
    }

    /** Waits until exactly one candidate is leader; answers its index. */
    int awaitLeader(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (int i = 0; i < elections.size(); i++) {
          if (elections.get(i).awaitLeadership(Duration.ofMillis(20))) return i;
        }
      }
      throw new AssertionError("no leader within " + timeout);
    }

    long leaders() {
      return elections.stream().filter(LeaderElection::isLeader).count();
    }

    @Override
    public void close() {
      elections.forEach(LeaderElection::close);
      clients.forEach(Coordinator::close);
    }
  }

  @Test
  void threeCandidatesExactlyOneLeaderAndFastHandoverOnClose(TestConsul consul) throws Exception {
    try (Group g = new Group(consul, 3, "three")) {
      int leader = g.awaitLeader(Duration.ofSeconds(10));
      for (int i = 0; i < 200; i++) {
        assertEquals(1, g.leaders(), "exactly one leader at every observation");
      }
      LeaderInfo info = g.elections.get(0).currentLeader().orElseThrow();
      assertEquals("candidate-" + leader, info.candidateId());
      assertEquals(Integer.toString(leader), info.metadata().get("index"));
      assertTrue(g.events.get(leader).log.get(0).equals("elected:" + info.fencingToken()));

      long t0 = System.nanoTime();
      g.elections.get(leader).close();
      assertEquals("revoked", g.events.get(leader).log.get(g.events.get(leader).log.size() - 1),
          "close revokes before returning");
      int next = -1;
      while (next < 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
        for (int i = 0; i < 3; i++) {
          if (i != leader && g.elections.get(i).awaitLeadership(Duration.ofMillis(20))) next = i;
        }
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("election: leader closed -> new leader after %d ms%n", ms);
      assertTrue(next >= 0 && ms < 2000, "handover took " + ms + " ms");
      assertEquals(1, g.leaders());
      assertTrue(g.elections.get(next).currentLeader().orElseThrow().fencingToken() > info.fencingToken());
    }
  }

  @Test
  void resignHandsOverAndStaysCandidate(TestConsul consul) throws Exception {
    try (Group g = new Group(consul, 2, "resign")) {
      int first = g.awaitLeader(Duration.ofSeconds(10));
      int second = 1 - first;
      g.elections.get(first).resign();
      assertTrue(g.elections.get(second).awaitLeadership(Duration.ofSeconds(5)), "the other takes over");
      assertFalse(g.elections.get(first).isLeader());
      g.elections.get(second).resign();
      assertTrue(g.elections.get(first).awaitLeadership(Duration.ofSeconds(5)), "the resigner was still queued");
      List<String> log = g.events.get(first).log;
      assertEquals(3, log.size(), log.toString());
      assertTrue(log.get(0).startsWith("elected:") && log.get(1).equals("revoked") && log.get(2).startsWith("elected:"));
      assertTrue(Long.parseLong(log.get(2).substring(8)) > Long.parseLong(log.get(0).substring(8)));
    }
  }

  /** Regression: a resigning candidate re-creates its queue key; the head must not keep waiting on it. */
  @Test
  void candidatesThatResignAtOnceKeepHandingOver(TestConsul consul) throws Exception {
    int terms = 30;
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(terms);
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      List<LeaderElection> elections = new ArrayList<>();
      for (Coordinator c : List.of(a, a, b, b)) {
        LeaderElection e = c.election("churn", "c" + elections.size());
        e.addListener(new LeadershipListener() {
          @Override
          public void onElected(long fencingToken) {
            done.countDown();
            e.resign();
          }

          @Override
          public void onRevoked() {}
        });
        elections.add(e);
      }
      elections.forEach(LeaderElection::start);
      boolean finished = done.await(30, TimeUnit.SECONDS);
      elections.forEach(LeaderElection::close);
      assertTrue(finished, "stalled after " + (terms - done.getCount()) + " terms");
    }
  }

  @Test
  void leaderSessionDestroyedFromOutsideIsRevokedAndReplacedAfterTheLockDelay(TestConsul consul)
      throws Exception {
    try (Group g = new Group(consul, 2, "destroyed"); ConsulTransport raw = consul.transport()) {
      int leader = g.awaitLeader(Duration.ofSeconds(10));
      assertTrue(g.events.get(leader).next(Duration.ofSeconds(1)).startsWith("elected:"));
      long destroyedAt = System.nanoTime();
      raw.sessionDestroy(g.clients.get(leader).sessionId());
      assertEquals("revoked", g.events.get(leader).next(Duration.ofSeconds(6)), "the old leader is revoked");
      long revokedMs = (System.nanoTime() - destroyedAt) / 1_000_000;
      assertTrue(g.elections.get(1 - leader).awaitLeadership(Duration.ofSeconds(10)), "the other takes over");
      long takeoverMs = (System.nanoTime() - destroyedAt) / 1_000_000;
      System.out.printf("election: leader session destroyed -> revoked after %d ms, new leader after %d ms%n",
          revokedMs, takeoverMs);
      assertTrue(takeoverMs >= g.clients.get(0).lockDelay().toMillis() - 50, "inside the lock-delay");
      // the old candidate stays in the race with a fresh session and is a follower now
      assertFalse(g.elections.get(leader).isLeader());
      assertEquals(1, g.leaders());
    }
  }

  @Test
  void leaderInAChildJvmKilledFailsOverWithinTwoTtlPlusLockDelay(TestConsul consul) throws Exception {
    long ttlS = TestConsul.TTL.toSeconds();
    try (ChildJvm child = ChildJvm.start(HoldLockMain.class, consul.address().toString(), consul.keyPrefix(),
        "killed", Long.toString(ttlS), "1000", "election")) {
      long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(30)).substring(5));
      try (Group g = new Group(consul, 1, "killed")) {
        killLeaderAndAwaitFailover(child, g, childToken, ttlS);
      }
    }
  }

  private static void killLeaderAndAwaitFailover(ChildJvm child, Group g, long childToken, long ttlS)
      throws Exception {
    LeaderInfo before = g.elections.get(0).currentLeader().orElseThrow();
    assertTrue(before.candidateId().startsWith("child-"));
    assertFalse(g.elections.get(0).isLeader());
    child.kill();
    long killedAt = System.nanoTime();
    long bound = 2 * ttlS * 1000 + 1000 + 1000;
    assertTrue(g.elections.get(0).awaitLeadership(Duration.ofMillis(bound + 5000)));
    long ms = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.printf("election: leader JVM SIGKILLed -> failover after %d ms (bound %d ms)%n", ms, bound);
    assertTrue(ms <= bound, "failover took " + ms + " ms");
    assertTrue(g.elections.get(0).currentLeader().orElseThrow().fencingToken() > childToken);
  }

  @Test
  void aNonCandidateSeesTheLeaderChange(TestConsul consul) throws Exception {
    try (Group g = new Group(consul, 2, "observed"); Coordinator observer = consul.builder().build()) {
      LeaderElection view = observer.election("observed", "observer");     // never started: not a candidate
      int leader = g.awaitLeader(Duration.ofSeconds(10));
      Optional<LeaderInfo> seen = view.currentLeader();
      assertEquals("candidate-" + leader, seen.orElseThrow().candidateId());
      g.elections.get(leader).close();
      assertTrue(g.elections.get(1 - leader).awaitLeadership(Duration.ofSeconds(5)));
      LeaderInfo now = view.currentLeader().orElseThrow();
      assertEquals("candidate-" + (1 - leader), now.candidateId());
      assertNotEquals(seen.get().fencingToken(), now.fencingToken());
      assertFalse(view.isLeader());
      g.elections.get(1 - leader).close();
      assertTrue(view.currentLeader().isEmpty(), "nobody leads after both left");
    }
  }

  @Test
  void badInputIsRejected(TestConsul consul) {
    try (Coordinator c = consul.builder().build()) {
      assertThrows(IllegalArgumentException.class, () -> c.election("x", " "));
      assertThrows(IllegalArgumentException.class, () -> c.election("/x", "a"));
      assertThrows(IllegalArgumentException.class, () -> c.election("x", "a").addListener(null));
    }
  }
}
