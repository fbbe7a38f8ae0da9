package dev.baton.stress.harness;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The raw Consul lock recipe by hand, a baseline Baton is measured against: one session and one persistent
 * HTTP connection of its own (an OkHttp client with a one-connection pool, synchronous calls on the caller's
 * thread, no retries), and
 * <ul>
 *   <li>acquire: {@code PUT /v1/kv/<key>?acquire=<session>}; when refused, blocking
 *       {@code GET /v1/kv/<key>?index=&wait=} until the key has no session, then try again;</li>
 *   <li>release: {@code PUT /v1/kv/<key>?release=<session>}.</li>
 * </ul>
 * Two Raft commits per uncontended cycle. {@code PUT ?acquire} answers only true/false, so the recipe has no
 * fencing token without a further read; the harness orders its records by time instead.
 *
 * <p>Not thread-safe: one client per contender.
 */
final class RawLockClient implements AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType BYTES = MediaType.get("application/octet-stream");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final HttpUrl base;
  private final OkHttpClient http;
  private final String session;
  private volatile long requests;     // one writer (the contender thread); read by the progress thread
  private volatile long refused;
  private long index;            // blocking-query index of the key, kept across acquisitions

  RawLockClient(URI address, String name) throws IOException {
    this.base = HttpUrl.get(address.toString());
    this.http = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(1, 5, TimeUnit.MINUTES))
        .retryOnConnectionFailure(false)
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(WAIT.plusSeconds(10))
        .callTimeout(WAIT.plusSeconds(15))
        .build();
    String body = "{\"Name\":\"" + name + "\",\"LockDelay\":\"0s\",\"Behavior\":\"release\"}";
    String answer = call("PUT", url("v1", "session", "create").build(), RequestBody.create(body, JSON));
    this.session = JsonParser.parseString(answer).getAsJsonObject().get("ID").getAsString();
  }

  /** Blocks until {@code key} is held by this client's session. */
  void acquire(String key, byte[] value) throws IOException {
    while (true) {
      HttpUrl u = kv(key).addQueryParameter("acquire", session).build();
      if ("true".equals(call("PUT", u, RequestBody.create(value, BYTES)).trim())) return;
      refused++;
      awaitFree(key);
    }
  }

  /** Releases {@code key} (held by this session). */
  void release(String key) throws IOException {
    HttpUrl u = kv(key).addQueryParameter("release", session).build();
    if (!"true".equals(call("PUT", u, RequestBody.create(new byte[0], BYTES)).trim())) {
      throw new IllegalStateException("release of " + key + " refused: not held by session " + session);
    }
  }

  /** Blocking queries on the key until it has no holder. */
  private void awaitFree(String key) throws IOException {
    while (true) {
      HttpUrl.Builder u = kv(key);
      if (index > 0) {
        u.addQueryParameter("index", Long.toString(index)).addQueryParameter("wait", WAIT.toSeconds() + "s");
      }
      requests++;
      try (Response r = http.newCall(new Request.Builder().url(u.build()).get().build()).execute()) {
        String body = r.body().string();
        if (r.code() != 200 && r.code() != 404) {
          throw new IOException("GET " + key + ": HTTP " + r.code() + " " + body);
        }
        long returned = parseIndex(r.header("X-Consul-Index"));
        index = Math.max(1, returned);                       // Consul's index rules: never 0, reset when it drops
        if (r.code() == 404 || !held(body)) return;
      }
    }
  }

  private static boolean held(String body) {
    JsonArray entries = JsonParser.parseString(body).getAsJsonArray();
    if (entries.isEmpty()) return false;
    JsonObject e = entries.get(0).getAsJsonObject();
    JsonElement s = e.get("Session");
    return s != null && !s.isJsonNull() && !s.getAsString().isEmpty();
  }

  long requests() {
    return requests;
  }

  /** Acquire attempts that Consul refused (each one a Raft commit). */
  long refused() {
    return refused;
  }

  @Override
  public void close() {
    try {
      call("PUT", url("v1", "session", "destroy", session).build(), RequestBody.create(new byte[0], JSON));
    } catch (IOException | RuntimeException e) {
      // best effort: the session dies with the harness's agents anyway
    }
    http.connectionPool().evictAll();
  }

  private String call(String method, HttpUrl url, RequestBody body) throws IOException {
    requests++;
    try (Response r = http.newCall(new Request.Builder().url(url).method(method, body).build()).execute()) {
      String text = r.body().string();
      if (r.code() != 200) {
        throw new IOException(method + " " + url.encodedPath() + ": HTTP " + r.code() + " " + text);
      }
      return text;
    }
  }

  private HttpUrl.Builder url(String... segments) {
    HttpUrl.Builder b = base.newBuilder();
    for (String s : segments) b.addPathSegment(s);
    return b;
  }

  private HttpUrl.Builder kv(String key) {
    HttpUrl.Builder b = base.newBuilder().addPathSegment("v1").addPathSegment("kv");
    for (String s : key.split("/", -1)) b.addPathSegment(s);
    return b;
  }

  private static long parseIndex(String header) {
    try {
      return header == null ? 0 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static byte[] value(String owner) {
    return owner.getBytes(StandardCharsets.UTF_8);
  }
}
