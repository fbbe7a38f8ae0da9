package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.Coordinator;
import dev.baton.Lease;
import dev.baton.LockHolder;
import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 3: a client process holding a lock is frozen (SIGSTOP: a long GC pause, a suspended VM) for
 * longer than its session TTL, then resumed. By then Consul has let its session expire and another client
 * holds the lock with a larger token. The resumed client's {@code ensureHeld()} throws, and the write it had
 * "already decided" to make before the pause is rejected by the resource, which checks fencing tokens.
 */
class FrozenClientTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  /** The frozen client's lock-delay: short, to keep the scenario short; fencing is what is tested here. */
  private static final Duration LOCK_DELAY = Duration.ofSeconds(1);

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  @Test
  void aClientFrozenPastItsTtlIsFencedOffAndKnowsItLostTheLock() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    String prefix = Clients.uniquePrefix("frozen");
    try (FencedResource resource = new FencedResource();
         ChildJvm child = Clients.process(LockHolderMain.class, follower.httpAddress().toString(), prefix, "job",
             resource.startHttp().toString(), Long.toString(LOCK_DELAY.toMillis()));
         Coordinator other = Clients.builder(leader.httpAddress(), prefix, "other").lockDelay(LOCK_DELAY).build()) {
      long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(60)).substring(5));
      child.send("WRITE");
      assertEquals("WRITE ACCEPTED", child.awaitLine("WRITE", Duration.ofSeconds(10)));
      child.send("CHECK");
      assertEquals("CHECK OK", child.awaitLine("CHECK", Duration.ofSeconds(10)));

      // the child checked its lease and is about to write... and freezes
      child.freeze();
      long frozenAt = System.nanoTime();
      Lease lease = Clients.acquireRetrying(other, "job", Duration.ofSeconds(90));
      long takenOverAt = System.nanoTime();
      long frozenFor = Await.millis(frozenAt, takenOverAt);
      assertTrue(frozenFor >= Clients.TTL.toMillis(),
          "Consul must not hand the lock over before the frozen holder's TTL ran out: " + frozenFor + " ms");
      assertTrue(lease.fencingToken() > childToken, "the new holder's token is larger");
      assertTrue(resource.write("other", lease.fencingToken()), "the new holder writes");

      child.thaw();
      long thawedAt = System.nanoTime();
      child.send("WRITE");
      assertEquals("WRITE REJECTED", child.awaitLine("WRITE", Duration.ofSeconds(10)),
          "the resumed client's stale write must be rejected by its token");
      child.send("CHECK");
      String check = child.awaitLine("CHECK", Duration.ofSeconds(10));
      assertTrue(check.startsWith("CHECK LOST"), "ensureHeld() must throw after the pause: " + check);
      Await.until(Duration.ofSeconds(10), () -> child.anyLine("LOST").isPresent(),
          () -> "the resumed client's loss listener to run");
      long noticed = Await.millis(thawedAt, System.nanoTime());

      // the resumed client lets go of what it no longer has; the new holder is untouched
      child.send("EXIT");
      child.awaitLine("BYE", Duration.ofSeconds(20));
      assertTrue(child.awaitExit(Duration.ofSeconds(20)), "the child exits");
      assertTrue(lease.isHeld(), "the new holder still holds the lock");
      LockHolder holder = other.lock("job").holder().orElseThrow();
      assertEquals(other.sessionId(), holder.sessionId(), "Consul still names the new holder");
      assertEquals(lease.fencingToken(), holder.fencingToken());
      assertEquals(1, resource.rejected().size(), "exactly the stale write was rejected");
      lease.close();

      System.out.printf("[frozen client] held with token %d, frozen (SIGSTOP) %d ms until another client got "
          + "the lock with token %d (TTL %d ms, Consul expires sessions after up to 2x TTL, lock-delay %d ms); "
          + "after SIGCONT its stale write was rejected and it knew the lease was lost %d ms later%n",
          childToken, frozenFor, lease.fencingToken(), Clients.TTL.toMillis(), LOCK_DELAY.toMillis(), noticed);
    }
  }
}
