package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.Coordinator;
import dev.baton.LeaderElection;
import dev.baton.Lease;
import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.HoldLockMain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11: a session bound to a heartbeated health check of the client's own ({@code healthCheckTtl(2 s)},
 * lock-delay following it) on the 3-server cluster. A SIGKILLed holder's lock, and a SIGKILLed leader's
 * leadership, move to a client waiting through another server within 5 s (10 kills each; plain sessions take
 * up to two session TTLs plus the lock-delay, ~20 s and more); a holder frozen for longer than the check TTL
 * has lost its lease when it resumes, and its stale write is fenced off.
 */
class HealthBoundFailoverTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  private static final Duration CHECK_TTL = Duration.ofSeconds(2);
  private static final int KILLS = Integer.getInteger("baton.failover.kills", 10);
  private static final List<String> CHILD_JVM = List.of("-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-Dbaton.test.healthCheckTtlMs=" + CHECK_TTL.toMillis());

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  private static String summary(List<Long> ms) {
    List<Long> sorted = new ArrayList<>(ms);
    sorted.sort(null);
    return "p50 " + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms over "
        + sorted.size() + " kills " + ms;
  }

  @Test
  void aKilledLockHoldersLockMovesOnWithinFiveSeconds() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    String prefix = Clients.uniquePrefix("health-bound-lock");
    List<Long> failovers = new ArrayList<>();
    try (Coordinator waiter = Clients.coordinator(leader.httpAddress(), prefix, "waiter")) {
      for (int run = 0; run < KILLS; run++) {
        try (ChildJvm child = ChildJvm.start(CHILD_JVM, HoldLockMain.class, follower.httpAddress().toString(),
            prefix, "job", Long.toString(Clients.TTL.toSeconds()), "-")) {
          long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(60)).substring(5));
          CompletableFuture<Lease> next = CompletableFuture.supplyAsync(() -> acquire(waiter));
          child.kill();
          long killed = System.nanoTime();
          Lease lease = next.get(60, TimeUnit.SECONDS);
          failovers.add(Await.millis(killed, System.nanoTime()));
          assertTrue(lease.fencingToken() > childToken, "a larger token");
          lease.close();
        }
      }
    }
    System.out.println("[health-bound failover] lock, check TTL 2 s, lock-delay 2 s: " + summary(failovers));
    assertTrue(failovers.stream().allMatch(ms -> ms <= 5000), "every failover within 5 s: " + failovers);
  }

  @Test
  void aKilledLeadersLeadershipMovesOnWithinFiveSeconds() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    String prefix = Clients.uniquePrefix("health-bound-election");
    List<Long> failovers = new ArrayList<>();
    try (Coordinator standby = Clients.coordinator(leader.httpAddress(), prefix, "standby")) {
      for (int run = 0; run < KILLS; run++) {
        try (ChildJvm child = ChildJvm.start(CHILD_JVM, HoldLockMain.class, follower.httpAddress().toString(),
            prefix, "election", Long.toString(Clients.TTL.toSeconds()), "-", "election");
             LeaderElection election = standby.election("election", "standby-" + run)) {
          long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(60)).substring(5));
          election.start();
          Await.until(Duration.ofSeconds(10), () -> election.currentLeader().isPresent(), () -> "a leader known");
          child.kill();
          long killed = System.nanoTime();
          assertTrue(election.awaitLeadership(Duration.ofSeconds(60)), "the standby is elected");
          failovers.add(Await.millis(killed, System.nanoTime()));
          assertTrue(election.currentLeader().orElseThrow().fencingToken() > childToken, "a larger token");
        }
      }
    }
    System.out.println("[health-bound failover] election, check TTL 2 s, lock-delay 2 s: " + summary(failovers));
    assertTrue(failovers.stream().allMatch(ms -> ms <= 5000), "every failover within 5 s: " + failovers);
  }

  /**
   * SIGSTOP for longer than the check TTL: the check goes critical, Consul invalidates the session and the other
   * client acquires after the lock-delay; the holder's local deadline (last renewal + lock-delay) had passed
   * by then, so when it resumes it reports the lease lost and its stale write is rejected by the token.
   */
  @Test
  void aHolderFrozenPastTheCheckTtlHasLostItsLeaseWhenItResumes() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    String prefix = Clients.uniquePrefix("health-bound-frozen");
    try (FencedResource resource = new FencedResource();
         ChildJvm child = ChildJvm.start(CHILD_JVM, LockHolderMain.class, follower.httpAddress().toString(), prefix,
             "job", resource.startHttp().toString(), "-");
         Coordinator other = Clients.coordinator(leader.httpAddress(), prefix, "other")) {
      long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(60)).substring(5));
      child.send("WRITE");
      assertEquals("WRITE ACCEPTED", child.awaitLine("WRITE", Duration.ofSeconds(10)));
      child.freeze();
      long frozen = System.nanoTime();
      Lease lease = Clients.acquireRetrying(other, "job", Duration.ofSeconds(60));
      long takenOver = Await.millis(frozen, System.nanoTime());
      assertTrue(lease.fencingToken() > childToken, "a larger token");
      assertTrue(resource.write("other", lease.fencingToken()), "the new holder writes");
      child.thaw();
      child.send("CHECK");
      String check = child.awaitLine("CHECK", Duration.ofSeconds(10));
      assertTrue(check.startsWith("CHECK LOST"), "the resumed holder knows: " + check);
      child.send("WRITE");
      assertEquals("WRITE REJECTED", child.awaitLine("WRITE", Duration.ofSeconds(10)), "fenced off");
      assertTrue(lease.isHeld(), "the new holder keeps the lock");
      lease.close();
      System.out.printf("[health-bound frozen holder] the other client held the lock %d ms after the freeze "
          + "(check TTL %d ms); the resumed holder reported: %s%n", takenOver, CHECK_TTL.toMillis(), check);
    }
  }

  private static Lease acquire(Coordinator c) {
    try {
      return c.lock("job").acquire(Duration.ofSeconds(60));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
