package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.testing.Await;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Hold;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lock when its own acquiring request is retried by the transport and the first attempt lands late (held
 * back by a {@link FaultProxy}; the client's request timeout is 1 s, so it retries with a fresh value). The
 * late attempt re-locks the key with the client's session: after the lease was released it is an orphan that
 * must be removed; while the lease is held it overwrites the hold in place, and the lease must stay held
 * until closed, then free the key.
 */
@ExtendWith(ConsulExtension.class)
class LockLateRequestsTest {
  private static final Duration STEP = Duration.ofSeconds(10);
  /** How long a key may stay blocked by a request that landed late (shorter than the session TTL). */
  private static final Duration BOUND = Duration.ofSeconds(5);
  private static final Pattern MODIFY_INDEX = Pattern.compile("\"ModifyIndex\":\\s*(\\d+)");

  private static Match lockTxnOf(String key) {
    return Match.put().path("/v1/txn").bodyContains("\"" + key + "\"").bodyContains("\"lock\"");
  }

  private static Coordinator client(TestConsul consul, FaultProxy proxy) {
    return consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1)).build();
  }

  @Test
  void aRetriedAttemptThatLandsAfterTheReleaseIsRemoved(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); Coordinator client = client(consul, proxy);
         Coordinator other = consul.builder().build()) {
      DistributedLock lock = client.lock("retried");
      Hold first = proxy.when(lockTxnOf(lock.key())).once().hold();
      try (Lease lease = lock.acquire(STEP)) {          // the first attempt times out, the retry acquires
        assertTrue(lease.isHeld());
        assertEquals(1, first.arrived());
      }
      first.release();                                   // the first attempt lands after the release
      assertTrue(first.awaitLanded(STEP), first.toString());
      assertTrue(first.exchanges().get(0).status() == 200, "the late attempt took the key: " + first);
      try (Lease l = other.lock("retried").acquire(BOUND)) {
        assertTrue(l.isHeld());
      }
    }
  }

  @Test
  void aRetriedAttemptThatLandsOnTheHeldKeyNeitherFreesItNorOutlivesTheLease(TestConsul consul)
      throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); Coordinator client = client(consul, proxy);
         Coordinator other = consul.builder().build(); ConsulTransport operator = consul.transport()) {
      DistributedLock lock = client.lock("overwritten");
      String key = lock.key();
      Hold first = proxy.when(lockTxnOf(key)).once().hold();
      Lease lease = lock.acquire(STEP);
      try {
        landOnTheHold(proxy, first, key, lease);
        assertTrue(lease.isHeld(), "the late write of the same session does not end the hold");
        assertTrue(other.lock("overwritten").tryAcquire().isEmpty(), "nobody else may take the key meanwhile");
        assertEquals(client.sessionId(), operator.kvGet(key).map(KvEntry::session).orElse(null));
      } finally {
        lease.close();
      }
      assertNull(operator.kvGet(key).orElseThrow().session(), "close() frees the key, late write included");
      Optional<Lease> next = other.lock("overwritten").tryAcquire();
      assertTrue(next.isPresent());
      next.get().close();
    }
  }

  @Test
  void closingTheCoordinatorReleasesALateWriteOnAHeldKey(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); Coordinator other = consul.builder().build();
         ConsulTransport operator = consul.transport()) {
      Coordinator client = client(consul, proxy);
      DistributedLock lock = client.lock("closing");
      String key = lock.key();
      Hold first = proxy.when(lockTxnOf(key)).once().hold();
      Lease lease = lock.acquire(STEP);
      landOnTheHold(proxy, first, key, lease);
      client.close();                                    // releases what it holds, then destroys the session
      assertFalse(lease.isHeld());
      assertNull(operator.kvGet(key).orElseThrow().session(), "released before the session was destroyed");
      // a key left held would have been freed by the session's end, under the lock-delay: refused now
      Optional<Lease> next = other.lock("closing").tryAcquire();
      assertTrue(next.isPresent(), "the key must be free at once, without a lock-delay");
      next.get().close();
    }
  }

  /**
   * Lets the held-back first attempt land on the key the lease holds, and waits until both watchers of the
   * key (the held-key monitor and the orphan watch) have seen that write and gone on to wait for the next
   * one: each sends its next blocking query from the late write's index.
   */
  private static void landOnTheHold(FaultProxy proxy, Hold first, String key, Lease lease) throws Exception {
    assertTrue(lease.isHeld());
    first.release();
    assertTrue(first.awaitLanded(STEP), first.toString());
    String answer = first.exchanges().get(0).responseBody();
    Matcher m = MODIFY_INDEX.matcher(answer);
    assertTrue(m.find(), "the late attempt took the key: " + answer);
    String lateIndex = m.group(1);
    assertTrue(Long.parseLong(lateIndex) > lease.fencingToken());
    Match next = Match.get().path("/v1/kv/" + key).query("index", lateIndex);
    Await.until(STEP, () -> proxy.exchanges(next).size() >= 2,
        () -> "both watchers saw the late write: " + proxy.exchanges(Match.get().path("/v1/kv/" + key)));
  }
}
