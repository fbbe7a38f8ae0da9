package dev.baton.internal.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.time.Duration;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** The parts of an HTTP call that need no server: URLs, metric labels and blocking-query parameters. */
class ConsulHttpTest {

  @Test
  void endpointLabelsLeaveOutKeysAndIds() {
    assertEquals("kv", ConsulHttp.endpoint(HttpUrl.get("http://c:8500/v1/kv/a/b?recurse")));
    assertEquals("txn", ConsulHttp.endpoint(HttpUrl.get("http://c:8500/v1/txn")));
    assertEquals("session/renew", ConsulHttp.endpoint(HttpUrl.get("http://c:8500/v1/session/renew/abc")));
    assertEquals("status/leader", ConsulHttp.endpoint(HttpUrl.get("http://c:8500/v1/status/leader")));
    assertEquals("/other", ConsulHttp.endpoint(HttpUrl.get("http://c:8500/other")));
  }

  @Test
  void blockingParametersOnlyWithAnIndexAndTheWaitCapped() {
    HttpUrl base = HttpUrl.get("http://c:8500/v1/kv/k");
    assertNull(ConsulHttp.blocking(base.newBuilder(), 0, Duration.ofSeconds(5)).build().query());
    HttpUrl waiting = ConsulHttp.blocking(base.newBuilder(), 12, Duration.ofSeconds(5)).build();
    assertEquals("12", waiting.queryParameter("index"));
    assertEquals("5000ms", waiting.queryParameter("wait"));
    HttpUrl capped = ConsulHttp.blocking(base.newBuilder(), 12, Duration.ofHours(1)).build();
    assertEquals(ConsulHttp.MAX_WAIT.toMillis() + "ms", capped.queryParameter("wait"));
  }

  @Test
  void urlsCarryTheDatacenterExceptTheLocalOnes() {
    TransportSettings settings = new TransportSettings(URI.create("http://c:8500"), null, "dc2", null,
        Duration.ofSeconds(1), Duration.ofSeconds(1), null, null);
    try (ConsulHttp http = new ConsulHttp(settings, null)) {
      assertEquals("http://c:8500/v1/kv/a/b%20c/?dc=dc2", http.kvUrl("a/b c/").build().toString());
      assertEquals("http://c:8500/v1/session/info/x?dc=dc2&stale",
          http.url("v1", "session", "info", "x").addQueryParameter("stale", null).build().toString());
      assertEquals("http://c:8500/v1/status/leader", http.localUrl("v1", "status", "leader").build().toString());
    }
  }
}
