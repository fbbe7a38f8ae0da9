package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.HoldLockMain;
import dev.baton.testing.TestConsul;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Sessions bound to a health check of the client's own (issue 11), against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class HealthBoundSessionTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static String get(URI agent, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(agent.resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }

  @Test
  void theSessionIsBoundToItsOwnHeartbeatedCheckAndSerfHealthAndCloseRemovesTheCheck(TestConsul consul)
      throws Exception {
    String checkId;
    try (Coordinator c = consul.builder().ownerId("bound-" + System.nanoTime()).lockDelay(Duration.ofSeconds(1))
        .healthCheckTtl(Duration.ofSeconds(1)).build()) {
      checkId = "service:baton-session-" + c.ownerId();
      String info = get(consul.address(), "/v1/session/info/" + c.sessionId());
      assertTrue(info.contains("\"serfHealth\"") && info.contains("\"" + checkId + "\""), info);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      while (System.nanoTime() - until < 0) {            // four check TTLs: the heartbeats keep it passing
        JsonObject checks = JsonParser.parseString(get(consul.address(), "/v1/agent/checks")).getAsJsonObject();
        assertTrue(checks.has(checkId), "registered: " + checks.keySet());
        assertEquals("passing", checks.getAsJsonObject(checkId).get("Status").getAsString());
        Thread.sleep(250);                              // sampling period, not synchronisation
      }
      assertTrue(c.lock("bound").tryAcquire().isPresent(), "the bound session takes locks");
    }
    String after = get(consul.address(), "/v1/agent/checks");
    assertFalse(after.contains(checkId), "close() deregisters the check: " + after);
  }

  @Test
  void badCheckTtlsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Coordinator.builder().healthCheckTtl(Duration.ofMillis(999)));
    assertThrows(IllegalArgumentException.class, () -> Coordinator.builder().healthCheckTtl(Duration.ofMinutes(11)));
    assertThrows(NullPointerException.class, () -> Coordinator.builder().healthCheckTtl(null));
    assertEquals(Duration.ofSeconds(2), Coordinator.builder().healthCheckTtl(Duration.ofSeconds(2)).build()
        .lockDelay(), "the lock-delay follows the check TTL unless set");
  }

  /**
   * A holder bound to a 2 s check is killed (SIGKILL) while another client waits: the waiter holds the lock
   * about two check TTLs later (check critical, then the lock-delay), not after the session TTL ran out twice.
   */
  @Test
  void aKilledHoldersLockMovesOnInAboutTwoCheckTtls(TestConsul consul) throws Exception {
    List<Long> failovers = new ArrayList<>();
    try (Coordinator waiter = consul.builder().build()) {
      for (int run = 0; run < 3; run++) {
        try (ChildJvm child = ChildJvm.start(List.of("-Dbaton.test.healthCheckTtlMs=2000"), HoldLockMain.class,
            consul.address().toString(), consul.keyPrefix(), "job", "10", "-")) {
          long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(60)).substring(5));
          CompletableFuture<Lease> next = CompletableFuture.supplyAsync(() -> {
            try {
              return waiter.lock("job").acquire(Duration.ofSeconds(60));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
          Await.until(Duration.ofSeconds(10), () -> waiter.lock("job").holder().isPresent(), () -> "a holder");
          child.kill();
          long killed = System.nanoTime();
          Lease lease = next.get(60, TimeUnit.SECONDS);
          failovers.add(Await.millis(killed, System.nanoTime()));
          assertTrue(lease.fencingToken() > childToken, "a larger token");
          lease.close();
        }
      }
    }
    System.out.println("health-bound failover on a dev agent (check TTL 2 s, lock-delay 2 s), ms: " + failovers);
    for (long ms : failovers) assertTrue(ms <= 5000, "failover within 5 s: " + failovers);
  }
}
