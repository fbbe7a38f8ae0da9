package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.BatonMetrics.LossReason;
import dev.baton.BatonMetrics.Primitive;
import dev.baton.BatonMetrics.RenewalOutcome;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The metrics SPI against a real Consul agent: what a {@link BatonMetrics} implementation is told, and when. */
@ExtendWith(ConsulExtension.class)
class BatonMetricsTest {

  /** Records every call as one line of text (durations checked on the way in), HTTP calls per thread too. */
  static final class Recorder implements BatonMetrics {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> renewals = new CopyOnWriteArrayList<>();          // on their own: they come any time
    final ThreadLocal<List<String>> httpOnThread = ThreadLocal.withInitial(ArrayList::new);
    final List<IntSupplier> gauges = new CopyOnWriteArrayList<>();

    @Override
    public void httpCall(String method, String endpoint, int status, Duration elapsed) {
      nonNegative(elapsed);
      httpOnThread.get().add(method + " " + endpoint + " " + status);
    }

    @Override
    public void acquired(Primitive primitive, String key, Duration waited) {
      calls.add("acquired " + primitive + " " + key + " waited>=0:" + nonNegative(waited));
    }

    @Override
    public void released(Primitive primitive, String key, Duration held) {
      calls.add("released " + primitive + " " + key + " held>=0:" + nonNegative(held));
    }

    @Override
    public void leaseLost(Primitive primitive, String key, LossReason reason, String detail) {
      calls.add("leaseLost " + primitive + " " + key + " " + reason + (detail.isBlank() ? " NO DETAIL" : ""));
    }

    @Override
    public void sessionRenewal(RenewalOutcome outcome, Duration lag, Duration elapsed) {
      renewals.add("sessionRenewal " + outcome + " lag>=0:" + nonNegative(lag) + " elapsed>=0:" + nonNegative(elapsed));
    }

    @Override
    public void sessionLost(LossReason reason, String detail) {
      calls.add("sessionLost " + reason);
    }

    @Override
    public void elected(String key, String candidateId, long term) {
      calls.add("elected " + key + " " + candidateId + " term>0:" + (term > 0));
    }

    @Override
    public void revoked(String key, String candidateId, Duration led) {
      calls.add("revoked " + key + " " + candidateId + " led>=0:" + nonNegative(led));
    }

    @Override
    public void openConnections(IntSupplier openConnections) {
      gauges.add(openConnections);
    }

    /** Takes the HTTP calls this thread made since the last take. */
    List<String> takeHttpOnThisThread() {
      List<String> taken = List.copyOf(httpOnThread.get());
      httpOnThread.get().clear();
      return taken;
    }

    private static boolean nonNegative(Duration d) {
      return d != null && !d.isNegative();
    }
  }

  @Test
  void acquisitionsHoldsLossesRenewalsLeadershipAndHttpCallsAreReported(TestConsul consul) throws Exception {
    String p = consul.keyPrefix();
    Recorder m = new Recorder();
    CountDownLatch renewed = new CountDownLatch(1);
    try (Coordinator a = consul.builder().metrics(m).build(); Coordinator b = consul.builder().build();
        ConsulTransport raw = consul.transport()) {
      assertEquals(1, m.gauges.size(), "the connection gauge is handed over once, at build");
      a.addSessionListener(new SessionListener() {
        @Override
        public void onSessionRenewed(String sessionId) {
          renewed.countDown();
        }
      });
      String first = a.sessionId();
      assertEquals(List.of("PUT session/create 200"), m.takeHttpOnThisThread());
      assertTrue(m.gauges.get(0).getAsInt() >= 1, "the session's connection stays open in the pool");

      // a lock: acquired and released, each one HTTP call on this very thread (the first acquisition of a key by
      // a client reads its state once: the lock transaction is tied to it)
      try (Lease lease = a.lock("plain").acquire()) {
        assertTrue(lease.isHeld());
      }
      assertEquals(List.of("GET kv 404", "PUT txn 200", "PUT txn 200"), m.takeHttpOnThisThread(),
          "read (first time) + acquire + release (tied)");
      assertEquals(List.of("acquired LOCK " + p + "plain waited>=0:true",
          "released LOCK " + p + "plain held>=0:true"), take(m));

      // a refused attempt is an ordinary 409 answer
      try (Lease held = b.lock("busy").acquire()) {
        assertTrue(held.isHeld() && a.lock("busy").tryAcquire().isEmpty());
        assertEquals(List.of("GET kv 200"), m.takeHttpOnThisThread(), "held by another: nothing to write");
      }
      assertEquals(List.of(), take(m), "no acquisition, no hold");

      // a semaphore permit: tagged with the semaphore's key, not the contender key
      a.semaphore("pool", 3).acquire().close();
      assertEquals(List.of("acquired SEMAPHORE " + p + "pool waited>=0:true",
          "released SEMAPHORE " + p + "pool held>=0:true"), take(m));
      m.takeHttpOnThisThread();

      // a loss by an operator's delete: reported once, with its reason, no hold on close
      Lease victim = a.lock("victim").acquire();
      CountDownLatch lost = new CountDownLatch(1);
      victim.onLost(lost::countDown);
      raw.kvDelete(victim.key());
      assertTrue(lost.await(5, TimeUnit.SECONDS), "the held-key monitor noticed the deletion");
      victim.close();
      assertEquals(List.of("acquired LOCK " + p + "victim waited>=0:true",
          "leaseLost LOCK " + p + "victim KEY_DELETED"), take(m));

      // leadership
      LeaderElection election = a.election("leader", "candidate-a");
      election.start();
      assertTrue(election.awaitLeadership(Duration.ofSeconds(10)));
      election.close();
      assertEquals(List.of("acquired ELECTION " + p + "leader waited>=0:true",
          "elected " + p + "leader candidate-a term>0:true",
          "revoked " + p + "leader candidate-a led>=0:true",
          "released ELECTION " + p + "leader held>=0:true"), take(m), "the term's lease is released after onRevoked");

      // a renewal (TTL/3 after the session was created)
      assertTrue(renewed.await(TestConsul.TTL.toMillis(), TimeUnit.MILLISECONDS), "renewed");
      assertTrue(m.renewals.contains("sessionRenewal RENEWED lag>=0:true elapsed>=0:true"), m.renewals.toString());

      // the session destroyed by an operator: the next acquisition hears it from Consul, the held lease is lost
      Lease doomed = a.lock("doomed").acquire();
      CountDownLatch doomedLost = new CountDownLatch(1);
      doomed.onLost(doomedLost::countDown);
      raw.sessionDestroy(first);
      a.lock("after").acquire().close();
      assertTrue(doomedLost.await(5, TimeUnit.SECONDS));
      doomed.close();
      List<String> calls = take(m);
      assertTrue(calls.contains("sessionLost SESSION_INVALIDATED"), calls.toString());
      // whichever notices first: the session loss, or the held-key monitor seeing the key released
      assertEquals(1, calls.stream().filter(c -> c.startsWith("leaseLost LOCK " + p + "doomed ")).count(),
          calls.toString());
      assertTrue(calls.contains("leaseLost LOCK " + p + "doomed SESSION_INVALIDATED")
          || calls.contains("leaseLost LOCK " + p + "doomed KEY_RELEASED"), calls.toString());
      assertTrue(calls.contains("acquired LOCK " + p + "after waited>=0:true"), calls.toString());
      assertTrue(m.takeHttpOnThisThread().stream().anyMatch(c -> c.startsWith("PUT session/create ")),
          "a fresh session for the next acquisition");
    }
    assertFalse(m.calls.stream().anyMatch(c -> c.startsWith("sessionLost CLOSED")), "closing is no loss");
  }

  @Test
  void anImplementationThatThrowsNeverBreaksBaton(TestConsul consul) throws Exception {
    AtomicInteger thrown = new AtomicInteger();
    BatonMetrics broken = new BatonMetrics() {
      @Override
      public void httpCall(String method, String endpoint, int status, Duration elapsed) {
        throw boom();
      }

      @Override
      public void acquired(Primitive primitive, String key, Duration waited) {
        throw boom();
      }

      @Override
      public void released(Primitive primitive, String key, Duration held) {
        throw boom();
      }

      @Override
      public void leaseLost(Primitive primitive, String key, LossReason reason, String detail) {
        throw boom();
      }

      @Override
      public void elected(String key, String candidateId, long term) {
        throw boom();
      }

      @Override
      public void revoked(String key, String candidateId, Duration led) {
        throw boom();
      }

      @Override
      public void openConnections(IntSupplier openConnections) {
        throw boom();
      }

      private RuntimeException boom() {
        thrown.incrementAndGet();
        return new IllegalStateException("metrics backend down");
      }
    };
    try (Coordinator c = consul.builder().metrics(broken).build(); ConsulTransport raw = consul.transport()) {
      try (Lease lease = c.lock("lock").acquire()) {
        assertTrue(lease.isHeld());
      }
      try (Lease permit = c.semaphore("pool", 1).acquire()) {
        assertTrue(permit.isHeld());
      }
      Lease victim = c.lock("victim").acquire();
      CountDownLatch lost = new CountDownLatch(1);
      victim.onLost(lost::countDown);
      raw.kvDelete(victim.key());
      assertTrue(lost.await(5, TimeUnit.SECONDS), "listeners still run");
      victim.close();
      LeaderElection election = c.election("leader", "candidate");
      CountDownLatch elected = new CountDownLatch(1);
      election.addListener(new LeadershipListener() {
        @Override
        public void onElected(long fencingToken) {
          elected.countDown();
        }

        @Override
        public void onRevoked() {}
      });
      election.start();
      assertTrue(elected.await(10, TimeUnit.SECONDS), "leadership listeners still hear it");
      election.close();
    }
    assertTrue(thrown.get() > 10, "it was called: " + thrown.get());
  }

  @Test
  void theConnectionGaugeFollowsThePool(TestConsul consul) throws Exception {
    Recorder m = new Recorder();
    Coordinator c = consul.builder().metrics(m).build();
    IntSupplier open = m.gauges.get(0);
    assertNotNull(open);
    assertEquals(0, open.getAsInt(), "nothing sent yet");
    c.sessionId();
    assertTrue(open.getAsInt() >= 1);
    c.close();
    assertEquals(0, open.getAsInt(), "closed: connections evicted");
  }

  private static List<String> take(Recorder m) {
    List<String> taken = List.copyOf(m.calls);
    m.calls.removeAll(taken);
    return taken;
  }
}
