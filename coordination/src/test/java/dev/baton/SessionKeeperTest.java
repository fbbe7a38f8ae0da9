package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Coordinator's session against a real Consul: renewal, loss by 404, loss by the local deadline. */
@ExtendWith(ConsulExtension.class)
class SessionKeeperTest {
  private static final long TTL_MS = TestConsul.TTL.toMillis();

  /** Records session events with their times. */
  static final class Recorder implements SessionListener {
    final List<String> renewed = new CopyOnWriteArrayList<>();
    final List<String> lost = new CopyOnWriteArrayList<>();
    final AtomicLong lastRenewedAt = new AtomicLong();
    final AtomicLong lostAt = new AtomicLong();
    final CountDownLatch lostLatch = new CountDownLatch(1);
    final CountDownLatch renewedLatch = new CountDownLatch(1);

    @Override
    public void onSessionRenewed(String sessionId) {
      lastRenewedAt.set(System.nanoTime());
      renewed.add(sessionId);
      renewedLatch.countDown();
    }

    @Override
    public void onSessionLost(String sessionId, String reason) {
      lostAt.set(System.nanoTime());
      lost.add(sessionId + ": " + reason);
      lostLatch.countDown();
    }
  }

  @Test
  void sessionSurvivesThreeTtlsWithRenewals(TestConsul consul) throws Exception {
    Recorder events = new Recorder();
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      c.addSessionListener(events);
      String id = c.sessionId();
      // three TTLs (30 s): nothing to wait for but time itself, so wait on the loss latch with that timeout
      assertFalse(events.lostLatch.await(3 * TTL_MS, TimeUnit.MILLISECONDS), "lost: " + events.lost);
      assertEquals(id, c.sessionId(), "the same session all along");
      assertTrue(raw.sessionInfo(id).isPresent(), "Consul still knows the session");
      assertTrue(events.renewed.size() >= 8, "renewed every TTL/3: " + events.renewed.size() + " renewals");
    }
  }

  @Test
  void sessionDestroyedFromOutsideIsReportedLostWithinOneRenewPeriod(TestConsul consul) throws Exception {
    Recorder events = new Recorder();
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      c.addSessionListener(events);
      String id = c.sessionId();
      long destroyedAt = System.nanoTime();
      assertTrue(raw.sessionDestroy(id));
      long renewPeriodMs = TTL_MS / 3;
      assertTrue(events.lostLatch.await(renewPeriodMs + 3000, TimeUnit.MILLISECONDS), "loss not reported");
      long ms = (events.lostAt.get() - destroyedAt) / 1_000_000;
      assertTrue(ms <= renewPeriodMs + 500, "reported " + ms + " ms after the destroy");
      assertEquals(1, events.lost.size());
      assertTrue(events.lost.get(0).contains(id));
      String next = c.sessionId();
      assertNotEquals(id, next, "the next user gets a fresh session");
      assertTrue(raw.sessionInfo(next).isPresent());
    }
  }

  @Test
  void withConsulStoppedLossIsReportedByTheLocalDeadline() throws Exception {
    Recorder events = new Recorder();
    ConsulProcess own = ConsulProcess.start();
    try (Coordinator c = Coordinator.builder().address(own.address()).token(null).keyPrefix("deadline/")
        .sessionTtl(TestConsul.TTL).lockDelay(TestConsul.TTL).requestTimeout(Duration.ofSeconds(1))
        .operationTimeout(Duration.ofSeconds(2)).build()) {
      c.addSessionListener(events);
      String id = c.sessionId();
      // let one renewal succeed so the deadline is anchored on a renewal, then stop Consul for real
      assertTrue(events.renewedLatch.await(TTL_MS, TimeUnit.MILLISECONDS), "no renewal within one TTL");
      own.kill();
      long killedAt = System.nanoTime();
      assertTrue(events.lostLatch.await(TTL_MS + 2000, TimeUnit.MILLISECONDS), "loss not reported");
      long sinceRenewalMs = (events.lostAt.get() - events.lastRenewedAt.get()) / 1_000_000;
      // deadline = last successful renewal *started* + TTL (lock-delay = TTL here: the window is the shorter)
      assertTrue(sinceRenewalMs <= TTL_MS + 300, "reported " + sinceRenewalMs + " ms after the last renewal");
      assertTrue(sinceRenewalMs >= TTL_MS - 1000, "reported too early: " + sinceRenewalMs + " ms");
      assertTrue(events.lostAt.get() > killedAt);
      assertTrue(events.lost.get(0).contains(id) && events.lost.get(0).contains("TTL"), events.lost.get(0));
      assertThrows(ConsulUnavailableException.class, c::sessionId, "no new session without Consul");
    } finally {
      own.close();
    }
  }

  @Test
  void closeDestroysTheSession(TestConsul consul) throws Exception {
    Recorder events = new Recorder();
    try (ConsulTransport raw = consul.transport()) {
      Coordinator c = consul.builder().build();
      c.addSessionListener(events);
      String id = c.sessionId();
      assertTrue(raw.sessionInfo(id).isPresent());
      c.close();
      c.close();                                  // idempotent
      assertTrue(raw.sessionInfo(id).isEmpty(), "close destroys the session");
      assertEquals(1, events.lost.size(), "listeners hear the session end once");
      assertThrows(CoordinationException.class, c::sessionId);
    }
  }
}
