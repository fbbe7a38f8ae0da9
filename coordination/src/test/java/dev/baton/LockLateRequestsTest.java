package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Hold;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lock when its own acquiring request is retried by the transport and the first attempt lands late (held
 * back by a {@link FaultProxy}; the client's request timeout is 1 s, so it retries with a fresh value). Every
 * lock transaction is tied to the key's state it was decided on (check-index), so the late attempt finds the
 * key moved on (by the retry that succeeded, and by the release) and changes nothing: after the release the key
 * stays free; while the lease is held the hold stays as it is, and close() frees the key.
 */
@ExtendWith(ConsulExtension.class)
class LockLateRequestsTest {
  private static final Duration STEP = Duration.ofSeconds(10);
  /** How long a key may stay blocked by a request that landed late (shorter than the session TTL). */
  private static final Duration BOUND = Duration.ofSeconds(5);

  private static Match lockTxnOf(String key) {
    return Match.put().path("/v1/txn").bodyContains("\"" + key + "\"").bodyContains("\"lock\"");
  }

  private static Coordinator client(TestConsul consul, FaultProxy proxy) {
    return consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1)).build();
  }

  @Test
  void aRetriedAttemptThatLandsAfterTheReleaseChangesNothing(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); Coordinator client = client(consul, proxy);
         Coordinator other = consul.builder().build(); ConsulTransport operator = consul.transport()) {
      DistributedLock lock = client.lock("retried");
      Hold first = proxy.when(lockTxnOf(lock.key())).once().hold();
      try (Lease lease = lock.acquire(STEP)) {          // the first attempt times out, the retry acquires
        assertTrue(lease.isHeld());
        assertEquals(1, first.arrived());
      }
      KvEntry released = operator.kvGet(lock.key()).orElseThrow();
      first.release();                                   // the first attempt lands after the release
      assertTrue(first.awaitLanded(STEP), first.toString());
      assertEquals(409, first.exchanges().get(0).status(), "the late attempt must fail: " + first);
      assertEquals(released.modifyIndex(), operator.kvGet(lock.key()).orElseThrow().modifyIndex(),
          "the late attempt changed the key");
      try (Lease l = other.lock("retried").acquire(BOUND)) {
        assertTrue(l.isHeld());
      }
    }
  }

  @Test
  void aRetriedAttemptThatLandsOnTheHeldKeyChangesNothing(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); Coordinator client = client(consul, proxy);
         Coordinator other = consul.builder().build(); ConsulTransport operator = consul.transport()) {
      DistributedLock lock = client.lock("overwritten");
      String key = lock.key();
      Hold first = proxy.when(lockTxnOf(key)).once().hold();
      Lease lease = lock.acquire(STEP);
      try {
        first.release();
        assertTrue(first.awaitLanded(STEP), first.toString());
        assertEquals(409, first.exchanges().get(0).status(), "the late attempt must fail: " + first);
        assertTrue(lease.isHeld(), "the late attempt does not end the hold");
        assertEquals(lease.fencingToken(), operator.kvGet(key).orElseThrow().modifyIndex(),
            "the hold's write is still the key's last");
        assertTrue(other.lock("overwritten").tryAcquire().isEmpty(), "nobody else may take the key meanwhile");
      } finally {
        lease.close();
      }
      assertNull(operator.kvGet(key).orElseThrow().session(), "close() frees the key");
      Optional<Lease> next = other.lock("overwritten").tryAcquire();
      assertTrue(next.isPresent());
      next.get().close();
    }
  }
}
