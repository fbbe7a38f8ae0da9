package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.Coordinator;
import dev.baton.DistributedLock;
import dev.baton.Lease;
import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.HoldLockMain;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 on the 3-server cluster: a client holding the read lock, and then one holding the write lock, is
 * SIGKILLed (talking to a follower) while a client of the leader waits for the other side; the waiter gets in
 * once Consul ends the dead client's session (health-bound sessions, check TTL 2 s: within 5 s), with a larger
 * token.
 */
class ReadWriteLockFailoverTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  private static final Duration CHECK_TTL = Duration.ofSeconds(2);
  private static final List<String> CHILD_JVM = List.of("-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-Dbaton.test.healthCheckTtlMs=" + CHECK_TTL.toMillis());

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  @Test
  void aKilledReaderAndAKilledWriterLetTheWaitersIn() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    String prefix = Clients.uniquePrefix("rwlock-kill");
    try (Coordinator waiter = Clients.builder(leader.httpAddress(), prefix, "waiter").healthCheckTtl(CHECK_TTL)
        .build()) {
      long readFailover = killHolderWhileWaiting(follower, prefix, "read", waiter.readWriteLock("catalog").writeLock());
      long writeFailover = killHolderWhileWaiting(follower, prefix, "write",
          waiter.readWriteLock("catalog").readLock());
      System.out.printf("[rwlock failover] check TTL 2 s: reader killed -> writer in after %d ms; writer killed "
          + "-> reader in after %d ms%n", readFailover, writeFailover);
      assertTrue(readFailover <= 5000 && writeFailover <= 5000, readFailover + " ms, " + writeFailover + " ms");
    }
  }

  /** A child holds {@code mode} through the follower; {@code waiting} waits, the child is killed: the wait's ms. */
  private static long killHolderWhileWaiting(ConsulCluster.Node follower, String prefix, String mode,
      DistributedLock waiting) throws Exception {
    try (ChildJvm child = ChildJvm.start(CHILD_JVM, HoldLockMain.class, follower.httpAddress().toString(), prefix,
        "catalog", Long.toString(Clients.TTL.toSeconds()), "-", mode)) {
      long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(60)).substring(5));
      assertTrue(waiting.tryAcquire().isEmpty(), "the child's " + mode + " lock excludes the waiter");
      CompletableFuture<Lease> next = CompletableFuture.supplyAsync(() -> {
        try {
          return waiting.acquire(Duration.ofSeconds(60));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      child.kill();
      long killed = System.nanoTime();
      try (Lease lease = next.get(60, TimeUnit.SECONDS)) {
        long ms = Await.millis(killed, System.nanoTime());
        assertTrue(lease.fencingToken() > childToken, "a larger token");
        return ms;
      }
    }
  }
}
