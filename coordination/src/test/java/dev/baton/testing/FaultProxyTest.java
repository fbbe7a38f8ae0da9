package dev.baton.testing;

import static dev.baton.testing.Unchecked.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.KvWrite;
import dev.baton.internal.consul.QueryResult;
import dev.baton.internal.consul.TransportSettings;
import dev.baton.testing.FaultProxy.Exchange;
import dev.baton.testing.FaultProxy.Hold;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.FaultProxy.Rule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fault proxy itself, in front of a real Consul agent. */
@ExtendWith(ConsulExtension.class)
class FaultProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void forwardsKeepAliveTrafficRequestByRequestAndLogsIt(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         ConsulTransport viaProxy = new ConsulTransport(TransportSettings.of(proxy.address(), null));
         ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "a b/c";                  // a path that needs percent-encoding
      for (int i = 0; i < 20; i++) {
        assertTrue(viaProxy.kvPut(key, utf8("v" + i), KvWrite.plain()));
      }
      assertEquals("v19", viaProxy.kvGet(key).orElseThrow().valueUtf8());
      assertEquals("v19", raw.kvGet(key).orElseThrow().valueUtf8());

      List<Exchange> puts = proxy.exchanges(Match.put().path("/v1/kv/" + key));
      assertEquals(20, puts.size(), "every request logged: " + proxy.exchanges());
      assertEquals("v7", puts.get(7).body());
      assertEquals(200, puts.get(7).status());
      assertEquals("true", puts.get(7).responseBody().strip());
      assertEquals("answered", puts.get(7).outcome());
      assertTrue(proxy.connectionsAccepted() <= 2,
          "keep-alive: 21 requests over " + proxy.connectionsAccepted() + " connections");
    }
  }

  @Test
  void forwardsChunkedAndLengthFramedAnswers(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      byte[] big = new byte[200_000];
      for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
      String key = consul.keyPrefix() + "big";
      assertTrue(raw.kvPut(key, big, KvWrite.plain()));

      String base64 = java.util.Base64.getEncoder().encodeToString(big);
      for (int round = 0; round < 2; round++) {                    // twice on the same connection
        HttpResponse<String> json = http.send(get(proxy, "/v1/kv/" + key), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, json.statusCode());
        assertTrue(json.body().contains(base64), "big value passes unchanged");
        HttpResponse<byte[]> r = http.send(get(proxy, "/v1/kv/" + key + "?raw"),
            HttpResponse.BodyHandlers.ofByteArray());
        assertTrue(Arrays.equals(big, r.body()), "big raw value passes unchanged");
      }
      List<Exchange> gets = proxy.exchanges(Match.get().path("/v1/kv/" + key));
      assertEquals(4, gets.size());
      assertEquals("chunked", gets.get(0).responseFraming(), "Consul streams big JSON answers");
      assertEquals("length", gets.get(1).responseFraming(), "and sends raw values with a length");
      assertTrue(gets.get(2).responseBody().contains(base64), "the log keeps the decoded answer");
      assertEquals(1, proxy.connectionsAccepted(), "one kept-alive connection for all four requests");
    }
  }

  @Test
  void logsGzipAnswersDecoded(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         ConsulTransport viaProxy = new ConsulTransport(TransportSettings.of(proxy.address(), null))) {
      String key = consul.keyPrefix() + "zipped";
      assertTrue(viaProxy.kvPut(key, utf8("v"), KvWrite.plain()));
      assertEquals("v", viaProxy.kvGet(key).orElseThrow().valueUtf8());   // OkHttp asks for gzip
      Exchange get = proxy.exchanges(Match.get().path("/v1/kv/" + key)).get(0);
      assertTrue(get.responseBody().contains("\"" + key + "\""), get.toString());
    }
  }

  @Test
  void holdKeepsARequestUntilReleasedThenItLandsEvenAfterTheClientGaveUp(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "late";
      Hold hold = proxy.when(Match.put().pathPrefix("/v1/kv/" + consul.keyPrefix())).once().hold();

      HttpRequest put = HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/" + key))
          .PUT(HttpRequest.BodyPublishers.ofString("late")).timeout(Duration.ofMillis(300)).build();
      assertThrows(HttpTimeoutException.class, () -> http.send(put, HttpResponse.BodyHandlers.ofString()),
          "held: the client never hears back");
      assertTrue(hold.awaitArrived(WAIT));
      assertTrue(raw.kvGet(key).isEmpty(), "not forwarded while held");

      hold.release();
      assertTrue(hold.awaitLanded(WAIT), hold.toString());
      assertEquals("late", raw.kvGet(key).orElseThrow().valueUtf8(), "the late write landed");
      Exchange ex = hold.exchanges().get(0);
      assertTrue(ex.landed());
      assertEquals("true", ex.responseBody().strip());
      assertEquals("hold request", ex.fault());

      // once used up, the rule lets requests through
      HttpResponse<String> again = http.send(HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/" + key))
          .PUT(HttpRequest.BodyPublishers.ofString("again")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals("true", again.body().strip());
    }
  }

  @Test
  void heldRequestIsAnsweredToItsWaitingClientOnRelease(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         ConsulTransport viaProxy = new ConsulTransport(TransportSettings.of(proxy.address(), null));
         ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "held";
      Hold hold = proxy.when(Match.put().path("/v1/kv/" + key)).hold();
      CompletableFuture<Boolean> put = CompletableFuture.supplyAsync(() -> call(() ->
          viaProxy.kvPut(key, utf8("x"), KvWrite.plain())));
      assertTrue(hold.awaitArrived(WAIT));
      assertFalse(put.isDone());
      assertTrue(raw.kvGet(key).isEmpty());
      hold.release();
      assertTrue(put.get(5, TimeUnit.SECONDS));
      assertTrue(hold.awaitLanded(WAIT));
      assertEquals("x", raw.kvGet(key).orElseThrow().valueUtf8());
    }
  }

  @Test
  void discardedHoldNeverForwards(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "lost";
      Hold hold = proxy.when(Match.put().path("/v1/kv/" + key)).hold();
      CompletableFuture<HttpResponse<String>> put = http.sendAsync(HttpRequest.newBuilder(proxy.address()
          .resolve("/v1/kv/" + key)).PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(hold.awaitArrived(WAIT));
      hold.discard();
      Throwable failure = assertThrows(Exception.class, () -> put.get(5, TimeUnit.SECONDS));
      assertTrue(failure.getCause() instanceof IOException, failure.toString());
      assertTrue(hold.exchanges().get(0).awaitDone(WAIT));
      assertEquals("discarded", hold.exchanges().get(0).outcome());
      assertTrue(raw.kvGet(key).isEmpty(), "never forwarded");
    }
  }

  @Test
  void delayForwardsLate(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address())) {
      Rule delay = proxy.when(Match.get().path("/v1/status/leader")).delay(Duration.ofMillis(300));
      long t0 = System.nanoTime();
      assertEquals(200, http.send(get(proxy, "/v1/status/leader"), HttpResponse.BodyHandlers.ofString())
          .statusCode());
      assertTrue(Await.millis(t0, System.nanoTime()) >= 300);
      Exchange ex = delay.exchanges().get(0);
      assertTrue(Await.millis(ex.receivedNanos(), ex.answeredNanos()) >= 300, "forwarded late: " + ex);
    }
  }

  @Test
  void dropResponseAppliesTheWriteButTheClientCannotKnow(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "dropped";
      Rule drop = proxy.when(Match.put().path("/v1/kv/" + key)).dropResponse();
      assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/"
          + key)).PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()));
      assertEquals("x", raw.kvGet(key).orElseThrow().valueUtf8(), "the write took effect");
      assertEquals("response dropped", drop.exchanges().get(0).outcome());
      assertEquals("true", drop.exchanges().get(0).responseBody().strip());
    }
  }

  @Test
  void delayAndHoldResponseLetTheWriteLandFirst(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "answer-late";
      Rule slow = proxy.when(Match.put().path("/v1/kv/" + key)).delayResponse(Duration.ofMillis(300));
      long t0 = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/" + key))
          .PUT(HttpRequest.BodyPublishers.ofString("1")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals("true", r.body().strip());
      assertTrue(Await.millis(t0, System.nanoTime()) >= 300);
      Exchange ex = slow.exchanges().get(0);
      assertTrue(Await.millis(ex.receivedNanos(), ex.answeredNanos()) < 300, "forwarded at once: " + ex);

      Hold held = proxy.when(Match.put().path("/v1/kv/" + key)).holdResponse();
      CompletableFuture<HttpResponse<String>> put = http.sendAsync(HttpRequest.newBuilder(proxy.address()
          .resolve("/v1/kv/" + key)).PUT(HttpRequest.BodyPublishers.ofString("2")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(held.awaitArrived(WAIT));
      assertEquals("2", raw.kvGet(key).orElseThrow().valueUtf8(), "landed while the answer is held");
      assertFalse(put.isDone());
      held.release();
      assertEquals("true", put.get(5, TimeUnit.SECONDS).body().strip());
    }
  }

  @Test
  void duplicateSendsTheRequestTwice(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address())) {
      String key = consul.keyPrefix() + "twice";
      proxy.when(Match.put().path("/v1/kv/" + key).query("cas", "0")).duplicate();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/" + key
          + "?cas=0")).PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals("true", r.body().strip(), "the client gets the first answer");
      List<Exchange> both = proxy.exchanges(Match.put().path("/v1/kv/" + key));
      assertEquals(2, both.size(), both.toString());
      assertTrue(both.get(1).isCopy());
      assertEquals(both.get(0).seq(), both.get(1).copyOf());
      assertEquals("false", both.get(1).responseBody().strip(), "the copy reached Consul: cas=0 refused it");
    }
  }

  @Test
  void duplicateHeldLandsACopyLate(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "retransmitted";
      Hold copy = proxy.when(Match.put().path("/v1/kv/" + key)).duplicateHeld();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/" + key))
          .PUT(HttpRequest.BodyPublishers.ofString("old")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals("true", r.body().strip());
      assertTrue(copy.awaitArrived(WAIT));
      assertTrue(raw.kvPut(key, utf8("new"), KvWrite.plain()));
      copy.release();
      assertTrue(copy.awaitLanded(WAIT));
      assertEquals("old", raw.kvGet(key).orElseThrow().valueUtf8(), "the late copy overwrote the newer value");
    }
  }

  @Test
  void resetClosesTheConnectionWithoutForwarding(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "reset";
      Rule reset = proxy.when(Match.put().path("/v1/kv/" + key)).reset();
      assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/"
          + key)).PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()));
      assertTrue(raw.kvGet(key).isEmpty());
      assertEquals("reset", reset.exchanges().get(0).outcome());
    }
  }

  @Test
  void blackHoleAnswersNothingUntilLifted(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "partitioned";
      assertEquals(200, http.send(get(proxy, "/v1/status/leader"), HttpResponse.BodyHandlers.ofString())
          .statusCode());
      FaultProxy.BlackHole hole = proxy.blackHole();
      assertTrue(proxy.isBlackHoled());
      HttpRequest put = HttpRequest.newBuilder(proxy.address().resolve("/v1/kv/" + key))
          .PUT(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofMillis(300)).build();
      assertThrows(HttpTimeoutException.class, () -> http.send(put, HttpResponse.BodyHandlers.ofString()));
      HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      assertThrows(HttpTimeoutException.class, () -> fresh.send(HttpRequest.newBuilder(proxy.address()
          .resolve("/v1/status/leader")).timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.ofString()),
          "a new connection is accepted but never answered");
      assertTrue(raw.kvGet(key).isEmpty(), "nothing forwarded");
      hole.lift();
      assertEquals(200, fresh.send(get(proxy, "/v1/status/leader"), HttpResponse.BodyHandlers.ofString())
          .statusCode());
      assertEquals("black-holed", proxy.exchanges(Match.put().path("/v1/kv/" + key)).get(0).outcome());
    }
  }

  @Test
  void blockingQueriesPassThrough(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         ConsulTransport viaProxy = new ConsulTransport(TransportSettings.of(proxy.address(), null));
         ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "watched";
      assertTrue(raw.kvPut(key, utf8("1"), KvWrite.plain()));
      long index = viaProxy.kvGet(key, 0, Duration.ZERO).index();
      CompletableFuture<QueryResult<Optional<KvEntry>>> watch = CompletableFuture.supplyAsync(() -> call(() ->
          viaProxy.kvGet(key, index, Duration.ofSeconds(10))));
      Rule blocking = proxy.when(Match.get().path("/v1/kv/" + key).query("index", Long.toString(index))).pass();
      Await.until(WAIT, () -> !proxy.exchanges(Match.get().query("index")).isEmpty(), () -> "no blocking query");
      assertTrue(raw.kvPut(key, utf8("2"), KvWrite.plain()));
      assertEquals("2", watch.get(5, TimeUnit.SECONDS).value().orElseThrow().valueUtf8());
      assertTrue(blocking.matched() <= 1);
    }
  }

  @Test
  void rulesMatchOnMethodPathQueryAndBodyAndCountTheirApplications() throws Exception {
    String json = "[{\"KV\":{\"Verb\":\"lock\",\"Key\":\"a/b\"}}]";
    Exchange txn = exchange("PUT /v1/txn?dc=dc1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + json.length()
        + "\r\n\r\n" + json);
    Exchange release = exchange("PUT /v1/kv/app/my%20lock?release=abc-123&flags=3 HTTP/1.1\r\nHost: x\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    assertEquals("/v1/kv/app/my lock", release.path());
    assertEquals("abc", release.body(), "chunked body decoded");
    assertEquals("abc-123", release.param("release"));
    assertTrue(Match.put().path("/v1/txn").bodyContains("\"lock\"").test(txn));
    assertFalse(Match.put().path("/v1/txn").bodyContains("\"unlock\"").test(txn));
    assertTrue(Match.any().bodyMatches("\"Verb\"\\s*:\\s*\"lock\"").test(txn));
    assertTrue(Match.put().pathPrefix("/v1/kv/app/").query("release").test(release));
    assertTrue(Match.put().query("release", "abc-123").test(release));
    assertFalse(Match.put().query("acquire").test(release));
    assertTrue(Match.any().pathMatches("/v1/kv/app/.* lock").test(release));
    assertTrue(Match.any().queryMatches("flags=\\d").test(release));
    assertFalse(Match.get().test(release));
    assertTrue(Match.get().or(Match.put().path("/v1/txn")).test(txn));
    assertTrue(Match.any().and(e -> e.hasParam("dc"), "has dc").test(txn));
  }

  @Test
  void timesLimitsARuleAndAlwaysDoesNot(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address())) {
      Rule twice = proxy.when(Match.get().path("/v1/status/leader")).times(2).pass();
      Rule always = proxy.when(Match.get().path("/v1/status/leader")).always().pass();
      for (int i = 0; i < 5; i++) http.send(get(proxy, "/v1/status/leader"), HttpResponse.BodyHandlers.ofString());
      assertEquals(2, twice.matched());
      assertEquals(3, always.matched(), "one rule per request, the first that applies");
      always.remove();
      http.send(get(proxy, "/v1/status/leader"), HttpResponse.BodyHandlers.ofString());
      assertEquals(3, always.matched());
      assertEquals(6, proxy.exchanges().size());
    }
  }

  @Test
  void closeDiscardsHeldRequests(TestConsul consul) throws Exception {
    FaultProxy proxy = FaultProxy.start(consul.address());
    try (ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "closed";
      Hold hold = proxy.when(Match.put().path("/v1/kv/" + key)).hold();
      CompletableFuture<HttpResponse<String>> put = http.sendAsync(HttpRequest.newBuilder(proxy.address()
          .resolve("/v1/kv/" + key)).PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(hold.awaitArrived(WAIT));
      proxy.close();
      assertThrows(Exception.class, () -> put.get(5, TimeUnit.SECONDS));
      assertTrue(raw.kvGet(key).isEmpty());
    } finally {
      proxy.close();
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static HttpRequest get(FaultProxy proxy, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(proxy.address() + pathAndQuery)).GET().timeout(WAIT).build();
  }

  private static Exchange exchange(String wire) throws IOException {
    return new Exchange(1, HttpWire.readRequest(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8))),
        0);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

}
