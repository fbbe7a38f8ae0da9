package dev.baton.internal.consul;

import com.google.gson.Gson;
import com.google.gson.JsonSyntaxException;
import com.google.gson.annotations.SerializedName;
import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulException;
import dev.baton.ConsulNotFoundException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.ConsulUnavailableException;
import dev.baton.CoordinationException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consul's HTTP API v1, the only code in Baton that does I/O.
 *
 * <p>Every call runs through a Failsafe retry policy (exponential backoff with jitter, an overall deadline per
 * operation). What is retried depends on whether repeating the call is safe:
 * <ul>
 *   <li>reads, session renew/destroy, plain writes, acquire/release by the same session: retried on I/O
 *       errors, 5xx and 429;</li>
 *   <li>check-and-set writes and session create: retried only when the request provably never left this
 *       process (connection refused); otherwise the caller re-reads.</li>
 * </ul>
 * 403 ({@link ConsulAccessDeniedException}) and 400 ({@link ConsulRequestRejectedException}) are never
 * retried. All calls are interruptible: an interrupt cancels the HTTP call and throws
 * {@link InterruptedException}. The ACL token travels in the {@code X-Consul-Token} header only.
 */
public final class ConsulTransport implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.http");
  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType BYTES = MediaType.get("application/octet-stream");
  private static final Gson GSON = new Gson();
  /** Consul caps {@code wait} at 10 minutes. */
  public static final Duration MAX_WAIT = Duration.ofMinutes(10);

  private enum Repeat { SAFE, ONLY_IF_NOT_SENT }

  private final TransportSettings settings;
  private final HttpUrl base;
  private final OkHttpClient http;
  /** For blocking queries: no read timeout of its own, each call gets wait + wait/16 + request timeout. */
  private final OkHttpClient blockingHttp;
  private final RetryPolicy<Object> retrySafe;
  private final RetryPolicy<Object> retryIfNotSent;
  private final CallObserver observer;

  /** A transport that observes nothing. */
  public ConsulTransport(TransportSettings settings) {
    this(settings, CallObserver.NONE);
  }

  public ConsulTransport(TransportSettings settings, CallObserver observer) {
    this.settings = settings;
    this.observer = observer == null ? CallObserver.NONE : observer;
    HttpUrl url = HttpUrl.parse(settings.address.toString());
    if (url == null) {
      throw new IllegalArgumentException("address must be an http or https URL: " + settings.address);
    }
    this.base = url;
    Dispatcher dispatcher = new Dispatcher(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "baton-http");
      t.setDaemon(true);                      // an unclosed Coordinator must not keep the JVM alive
      return t;
    }));
    dispatcher.setMaxRequests(1024);          // blocking queries hold a request each
    dispatcher.setMaxRequestsPerHost(1024);
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(32, 2, TimeUnit.MINUTES))
        .retryOnConnectionFailure(false)       // Failsafe decides what may be repeated
        .connectTimeout(settings.requestTimeout)
        .readTimeout(settings.requestTimeout)
        .writeTimeout(settings.requestTimeout)
        .callTimeout(settings.requestTimeout);
    if (settings.sslSocketFactory != null) {
      b.sslSocketFactory(settings.sslSocketFactory, settings.trustManager);
    }
    this.http = b.build();
    this.blockingHttp = http.newBuilder().readTimeout(Duration.ZERO).callTimeout(Duration.ZERO).build();
    this.retrySafe = retryPolicy(Repeat.SAFE, settings.operationDeadline);
    this.retryIfNotSent = retryPolicy(Repeat.ONLY_IF_NOT_SENT, settings.operationDeadline);
  }

  public TransportSettings settings() {
    return settings;
  }

  /** Open HTTP connections to Consul, idle or in use (blocking queries share the pool). */
  public int openConnections() {
    return http.connectionPool().connectionCount();
  }

  // ---------------------------------------------------------------------------------------------- KV

  /** Reads one key now (the configured consistency mode); empty when it does not exist. */
  public Optional<KvEntry> kvGet(String key) throws InterruptedException {
    HttpUrl url = consistency(kvUrl(key)).build();
    return execute("GET", url, null, retrySafe, http, 404, (code, body, index) ->
        code == 404 ? Optional.<KvEntry>empty() : first(parseEntries(body)));
  }

  /**
   * Blocking read of one key: returns when its index passes {@code index} or after about {@code wait}.
   * {@code index} 0 answers at once. Default consistency always (never stale for waits).
   */
  public QueryResult<Optional<KvEntry>> kvGet(String key, long index, Duration wait)
      throws InterruptedException {
    HttpUrl url = blocking(kvUrl(key), index, wait).build();
    return executeBlocking(url, wait, (code, body, idx) -> new QueryResult<>(
        code == 404 ? Optional.<KvEntry>empty() : first(parseEntries(body)), idx));
  }

  /** Lists every entry under {@code prefix} now; empty list when there is none. */
  public List<KvEntry> kvList(String prefix) throws InterruptedException {
    HttpUrl url = consistency(kvUrl(prefix).addQueryParameter("recurse", null)).build();
    return execute("GET", url, null, retrySafe, http, 404, (code, body, index) ->
        code == 404 ? List.<KvEntry>of() : parseEntries(body));
  }

  /** Blocking list of a prefix (see {@link #kvGet(String, long, Duration)}). */
  public QueryResult<List<KvEntry>> kvList(String prefix, long index, Duration wait)
      throws InterruptedException {
    HttpUrl url = blocking(kvUrl(prefix).addQueryParameter("recurse", null), index, wait).build();
    return executeBlocking(url, wait, (code, body, idx) -> new QueryResult<>(
        code == 404 ? List.<KvEntry>of() : parseEntries(body), idx));
  }

  /**
   * PUT a key. Answers Consul's verdict: false when a check-and-set index did not match, or an acquire found
   * the key held by another session (or under lock-delay), or a release was not by the holder.
   */
  public boolean kvPut(String key, byte[] value, KvWrite write) throws InterruptedException {
    HttpUrl.Builder u = kvUrl(key);
    if (write.cas() != null) u.addQueryParameter("cas", Long.toString(write.cas()));
    if (write.acquire() != null) u.addQueryParameter("acquire", write.acquire());
    if (write.release() != null) u.addQueryParameter("release", write.release());
    if (write.flags() != null) u.addQueryParameter("flags", Long.toUnsignedString(write.flags()));
    RequestBody body = RequestBody.create(value == null ? new byte[0] : value, BYTES);
    return execute("PUT", u.build(), body, write.repeatable() ? retrySafe : retryIfNotSent, http, 0,
        (code, b, index) -> parseBoolean(b));
  }

  /**
   * Acquires {@code key} for {@code session} with a one-operation transaction ({@code PUT /v1/txn}, KV verb
   * {@code lock}): unlike {@code PUT ?acquire}, the answer carries the entry's new ModifyIndex, the fencing
   * token, in the same round trip. Safe to repeat: a session may re-acquire what it holds.
   *
   * @throws ConsulSessionInvalidException when the session no longer exists
   */
  public LockAttempt kvLock(String key, byte[] value, String session) throws InterruptedException {
    RequestBody body = txnBody("lock", key, value, "Session", session);
    HttpUrl url = url("v1", "txn").build();
    String where = url.encodedPath();
    return execute("PUT", url, body, retrySafe, http, 409, (code, b, index) -> {
      TxnJson txn = parse(b, TxnJson.class);
      if (code == 200 && txn != null && txn.results != null && !txn.results.isEmpty()) {
        KvJson e = txn.results.get(0).kv;
        return new LockAttempt(new KvEntry(e.key, value, e.flags, e.createIndex, e.modifyIndex, e.lockIndex,
            e.session), null);
      }
      String what = txn == null || txn.errors == null || txn.errors.isEmpty() ? b : txn.errors.get(0).what;
      if (what != null && what.toLowerCase(java.util.Locale.ROOT).contains("invalid session")) {
        throw new ConsulSessionInvalidException("PUT", where, code, what);
      }
      return new LockAttempt(null, what);
    });
  }

  /**
   * Check-and-set through a one-operation transaction (KV verb {@code cas}): writes only if the key's
   * ModifyIndex is still {@code index} (0: only if absent) and answers the written entry with its new
   * ModifyIndex, or empty when the index did not match. Not repeated blindly (re-read instead).
   */
  public Optional<KvEntry> kvCas(String key, byte[] value, long index) throws InterruptedException {
    RequestBody body = txnBody("cas", key, value, "Index", index);
    return execute("PUT", url("v1", "txn").build(), body, retryIfNotSent, http, 409, (code, b, i) -> {
      TxnJson txn = parse(b, TxnJson.class);
      if (code != 200 || txn == null || txn.results == null || txn.results.isEmpty()) {
        return Optional.<KvEntry>empty();
      }
      KvJson e = txn.results.get(0).kv;
      return Optional.of(new KvEntry(e.key, value, e.flags, e.createIndex, e.modifyIndex, e.lockIndex,
          e.session));
    });
  }

  /** A one-operation {@code /v1/txn} body: KV {@code verb} on {@code key} with {@code value} and one more field. */
  private static RequestBody txnBody(String verb, String key, byte[] value, String field, Object fieldValue) {
    Map<String, Object> kv = new LinkedHashMap<>();
    kv.put("Verb", verb);
    kv.put("Key", key);
    kv.put("Value", Base64.getEncoder().encodeToString(value == null ? new byte[0] : value));
    kv.put(field, fieldValue);
    return RequestBody.create(GSON.toJson(List.of(Map.of("KV", kv))), JSON);
  }

  /** The outcome of {@link #kvLock}: the acquired entry, or Consul's reason for refusing. */
  public record LockAttempt(KvEntry entry, String failure) {
    public boolean acquired() {
      return entry != null;
    }

    /** Refused although nobody holds the key: a lock-delay after an invalidated session is in force. */
    public boolean refusedByLockDelay() {
      return failure != null && failure.contains("lock delay");
    }
  }

  /** Deletes one key (idempotent). */
  public boolean kvDelete(String key) throws InterruptedException {
    return execute("DELETE", kvUrl(key).build(), null, retrySafe, http, 0,
        (code, b, index) -> parseBoolean(b));
  }

  /** Deletes one key only if its ModifyIndex is still {@code index}; false otherwise. */
  public boolean kvDeleteCas(String key, long index) throws InterruptedException {
    HttpUrl url = kvUrl(key).addQueryParameter("cas", Long.toString(index)).build();
    return execute("DELETE", url, null, retryIfNotSent, http, 0, (code, b, i) -> parseBoolean(b));
  }

  /** Deletes every key under {@code prefix} (idempotent). */
  public void kvDeleteTree(String prefix) throws InterruptedException {
    HttpUrl url = kvUrl(prefix).addQueryParameter("recurse", null).build();
    execute("DELETE", url, null, retrySafe, http, 0, (code, b, index) -> parseBoolean(b));
  }

  // ----------------------------------------------------------------------------------------- sessions

  /** Creates a session and answers its id. Repeated only when the request was never sent. */
  public String sessionCreate(SessionSpec spec) throws InterruptedException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("Name", spec.name());
    json.put("TTL", goDuration(spec.ttl()));
    json.put("LockDelay", goDuration(spec.lockDelay()));
    json.put("Behavior", spec.deleteOnInvalidate() ? "delete" : "release");
    if (spec.checks() != null) json.put("Checks", spec.checks());
    RequestBody body = RequestBody.create(GSON.toJson(json), JSON);
    HttpUrl url = url("v1", "session", "create").build();
    return execute("PUT", url, body, retryIfNotSent, http, 0, (code, b, index) -> {
      IdJson id = parse(b, IdJson.class);
      if (id == null || id.id == null) throw new IllegalStateException("no ID in answer: " + b);
      return id.id;
    });
  }

  /** Renews a session; empty when Consul no longer knows it (invalidated, destroyed, expired). */
  public Optional<SessionInfo> sessionRenew(String id) throws InterruptedException {
    HttpUrl url = url("v1", "session", "renew", id).build();
    return execute("PUT", url, RequestBody.create(new byte[0], JSON), retrySafe, http, 404,
        (code, b, index) -> code == 404 ? Optional.<SessionInfo>empty() : firstSession(b));
  }

  /** Destroys a session (idempotent; true also when it did not exist). */
  public boolean sessionDestroy(String id) throws InterruptedException {
    HttpUrl url = url("v1", "session", "destroy", id).build();
    return execute("PUT", url, RequestBody.create(new byte[0], JSON), retrySafe, http, 0,
        (code, b, index) -> parseBoolean(b));
  }

  /** What Consul knows about a session; empty when it does not exist. */
  public Optional<SessionInfo> sessionInfo(String id) throws InterruptedException {
    HttpUrl url = consistency(url("v1", "session", "info", id)).build();
    return execute("GET", url, null, retrySafe, http, 404,
        (code, b, index) -> code == 404 ? Optional.<SessionInfo>empty() : firstSession(b));
  }

  // ------------------------------------------------------------------------------------------- status

  /** The Raft leader's address as Consul reports it ({@code ""} while there is none). */
  public String statusLeader() throws InterruptedException {
    HttpUrl url = base.newBuilder().addPathSegments("v1/status/leader").build();
    return execute("GET", url, null, retrySafe, http, 0, (code, b, index) -> {
      String s = parse(b, String.class);
      return s == null ? "" : s;
    });
  }

  @Override
  public void close() {
    http.dispatcher().cancelAll();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  @Override
  public String toString() {
    return "ConsulTransport{" + settings + "}";
  }

  // ------------------------------------------------------------------------------------------ plumbing

  @FunctionalInterface
  private interface Reader<T> {
    T read(int code, String body, long index);
  }

  /** A failure worth another attempt (I/O error, 5xx, 429). */
  private static final class Retryable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String consulMessage;
    final boolean notSent;

    Retryable(int status, String consulMessage, IOException cause) {
      super(status > 0 ? "HTTP " + status : String.valueOf(cause), cause, false, false);
      this.status = status;
      this.consulMessage = consulMessage;
      // connection refused: the request never left; "No cluster leader": it was never applied to Raft;
      // a just-started agent's node not yet in the catalog: rejected before anything was applied
      this.notSent = cause instanceof ConnectException
          || (consulMessage != null && (consulMessage.contains("No cluster leader")
              || consulMessage.contains("Missing node registration")));
    }
  }

  private static RetryPolicy<Object> retryPolicy(Repeat repeat, Duration deadline) {
    return RetryPolicy.builder()
        .handleIf(f -> f instanceof Retryable r && (repeat == Repeat.SAFE || r.notSent))
        .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(2))
        .withJitter(0.25)
        .withMaxRetries(-1)
        .withMaxDuration(deadline)
        .onRetry(e -> log.debug("retrying a Consul call after: {}", e.getLastException().getMessage()))
        .build();
  }

  private <T> QueryResult<T> executeBlocking(HttpUrl url, Duration wait, Reader<QueryResult<T>> reader)
      throws InterruptedException {
    // Consul adds up to wait/16 of jitter; the request timeout covers the round trip on top of that.
    Duration limit = wait.plus(wait.dividedBy(16)).plus(settings.requestTimeout);
    return execute("GET", url, null, retryPolicy(Repeat.SAFE, settings.operationDeadline.plus(limit)),
        blockingHttp, limit, 404, reader);
  }

  @SuppressWarnings("unchecked")
  private <T> T execute(String method, HttpUrl url, RequestBody body, RetryPolicy<Object> policy,
      OkHttpClient client, int answerCode, Reader<T> reader) throws InterruptedException {
    return execute(method, url, body, policy, client, null, answerCode, reader);
  }

  private <T> T execute(String method, HttpUrl url, RequestBody body, RetryPolicy<Object> policy,
      OkHttpClient client, Duration callLimit, int answerCode, Reader<T> reader) throws InterruptedException {
    Request.Builder rb = new Request.Builder().url(url).method(method, body);
    if (settings.token != null) rb.header("X-Consul-Token", settings.token);
    Request request = rb.build();
    String where = url.encodedPath() + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery());
    try {
      return (T) Failsafe.with(policy).get(() -> attempt(client, callLimit, request, method, where,
          answerCode, reader));
    } catch (Retryable r) {
      throw new ConsulUnavailableException(method, where, r.status, r.consulMessage, r.getCause());
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException) {
        Thread.interrupted();
        throw new InterruptedException("interrupted during " + method + " " + where);
      }
      throw new CoordinationException("unexpected failure of " + method + " " + where, e.getCause());
    }
  }

  private <T> T attempt(OkHttpClient client, Duration callLimit, Request request, String method, String where,
      int answerCode, Reader<T> reader) throws InterruptedException {
    if (Thread.interrupted()) throw new InterruptedException();
    long started = System.nanoTime();
    int[] status = {0};
    try {
      return send(client, callLimit, request, method, where, answerCode, reader, status);
    } finally {
      observer.onCall(method, endpoint(request.url()), status[0], System.nanoTime() - started);
    }
  }

  /** The API path without keys, ids and query: a low-cardinality label for metrics. */
  static String endpoint(HttpUrl url) {
    List<String> segments = url.pathSegments();
    int v1 = segments.indexOf("v1");
    if (v1 < 0 || v1 + 1 >= segments.size()) return url.encodedPath();
    String first = segments.get(v1 + 1);
    return switch (first) {
      case "kv", "txn" -> first;
      default -> v1 + 2 < segments.size() ? first + "/" + segments.get(v1 + 2) : first;
    };
  }

  private <T> T send(OkHttpClient client, Duration callLimit, Request request, String method, String where,
      int answerCode, Reader<T> reader, int[] status) throws InterruptedException {
    Call call = client.newCall(request);
    if (callLimit != null) call.timeout().timeout(callLimit.toNanos(), TimeUnit.NANOSECONDS);
    Response response;
    if (client == http) {
      // short call: synchronous on this thread (no hand-off to a dispatcher thread on the hot path); an
      // interrupt ends it through Okio's interrupt check, otherwise the request timeout bounds it
      try {
        response = call.execute();
      } catch (IOException e) {
        if (Thread.interrupted()) throw new InterruptedException("interrupted during " + method + " " + where);
        throw new Retryable(0, null, e);
      }
    } else {
      response = awaitInterruptibly(call);       // blocking query: an interrupt cancels it at once
    }
    try (response) {
      int code = response.code();
      status[0] = code;
      String text;
      try {
        text = response.body().string();
      } catch (InterruptedIOException e) {
        if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
        throw new Retryable(code, null, e);
      } catch (IOException e) {
        throw new Retryable(code, null, e);
      }
      long index = parseIndex(response.header("X-Consul-Index"));
      if ((code >= 200 && code < 300) || code == answerCode) {
        try {
          return reader.read(code, text, index);
        } catch (JsonSyntaxException | IllegalStateException e) {
          throw new ConsulException(method, where, code, text, "unreadable answer from Consul", e);
        }
      }
      String lower = text.strip().toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("invalid session \"")) {
        throw new ConsulSessionInvalidException(method, where, code, text);   // 500 in Consul 1.8
      }
      if (code >= 500 && lower.startsWith("invalid ")) {
        throw new ConsulRequestRejectedException(method, where, code, text);  // validation error as 500
      }
      if (code == 429 || code >= 500) throw new Retryable(code, text, null);
      if (code == 403) throw new ConsulAccessDeniedException(method, where, text);
      if (code == 404) throw new ConsulNotFoundException(method, where, text);
      throw new ConsulRequestRejectedException(method, where, code, text);
    }
  }

  private static Response awaitInterruptibly(Call call) throws InterruptedException {
    CompletableFuture<Response> future = new CompletableFuture<>();
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        future.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call c, Response r) {
        if (!future.complete(r)) r.close();
      }
    });
    try {
      return future.get();
    } catch (InterruptedException e) {
      call.cancel();
      future.thenAccept(Response::close);
      throw e;
    } catch (ExecutionException e) {
      IOException io = e.getCause() instanceof IOException x ? x : new IOException(e.getCause());
      throw new Retryable(0, null, io);
    }
  }

  private HttpUrl.Builder url(String... segments) {
    HttpUrl.Builder b = base.newBuilder();
    for (String s : segments) b.addPathSegment(s);
    if (settings.datacenter != null) b.addQueryParameter("dc", settings.datacenter);
    return b;
  }

  private HttpUrl.Builder kvUrl(String key) {
    HttpUrl.Builder b = base.newBuilder().addPathSegment("v1").addPathSegment("kv");
    for (String segment : key.split("/", -1)) b.addPathSegment(segment);
    if (settings.datacenter != null) b.addQueryParameter("dc", settings.datacenter);
    return b;
  }

  private static HttpUrl.Builder blocking(HttpUrl.Builder b, long index, Duration wait) {
    if (index > 0) {
      long ms = Math.max(1, Math.min(wait.toMillis(), MAX_WAIT.toMillis()));
      b.addQueryParameter("index", Long.toString(index)).addQueryParameter("wait", ms + "ms");
    }
    return b;
  }

  /** Adds the configured consistency mode (plain reads only; waits always use Consul's default). */
  private HttpUrl.Builder consistency(HttpUrl.Builder b) {
    return settings.consistency == null ? b : b.addQueryParameter(settings.consistency, null);
  }

  static String goDuration(Duration d) {
    return d.toMillis() + "ms";
  }

  private static long parseIndex(String header) {
    if (header == null) return 0;
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean parseBoolean(String body) {
    String b = body.trim();
    if (b.equals("true")) return true;
    if (b.equals("false")) return false;
    throw new IllegalStateException("expected true or false, got: " + b);
  }

  private static <T> T parse(String body, Class<T> type) {
    return GSON.fromJson(body, type);
  }

  private static <T> Optional<T> first(List<T> list) {
    return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
  }

  private static List<KvEntry> parseEntries(String body) {
    KvJson[] raw = parse(body, KvJson[].class);
    List<KvEntry> out = new ArrayList<>(raw == null ? 0 : raw.length);
    if (raw != null) {
      for (KvJson j : raw) {
        byte[] value = j.value == null ? new byte[0] : Base64.getDecoder().decode(j.value);
        out.add(new KvEntry(j.key, value, j.flags, j.createIndex, j.modifyIndex, j.lockIndex, j.session));
      }
    }
    return out;
  }

  private static Optional<SessionInfo> firstSession(String body) {
    SessionJson[] raw = parse(body, SessionJson[].class);
    if (raw == null || raw.length == 0) return Optional.empty();
    SessionJson s = raw[0];
    return Optional.of(new SessionInfo(s.id, s.name, s.node, parseGoDuration(s.ttl),
        Duration.ofNanos(s.lockDelay), s.behavior, s.createIndex));
  }

  /** Parses the few forms Consul prints: "15s", "1500ms", "1m30s", "" (none). */
  static Duration parseGoDuration(String s) {
    if (s == null || s.isEmpty()) return Duration.ZERO;
    Duration total = Duration.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
      double n = Double.parseDouble(s.substring(start, i));
      int unitStart = i;
      while (i < s.length() && Character.isLetter(s.charAt(i)) || i < s.length() && s.charAt(i) == 'µ') i++;
      String unit = s.substring(unitStart, i);
      long nanos = switch (unit) {
        case "h" -> 3_600_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "s" -> 1_000_000_000L;
        case "ms" -> 1_000_000L;
        case "us", "µs" -> 1_000L;
        case "ns" -> 1L;
        default -> throw new IllegalStateException("unknown duration unit in " + s);
      };
      total = total.plusNanos((long) (n * nanos));
    }
    return total;
  }

  private static final class KvJson {
    @SerializedName("Key") String key;
    @SerializedName("Value") String value;
    @SerializedName("Flags") long flags;
    @SerializedName("CreateIndex") long createIndex;
    @SerializedName("ModifyIndex") long modifyIndex;
    @SerializedName("LockIndex") long lockIndex;
    @SerializedName("Session") String session;
  }

  private static final class SessionJson {
    @SerializedName("ID") String id;
    @SerializedName("Name") String name;
    @SerializedName("Node") String node;
    @SerializedName("TTL") String ttl;
    @SerializedName("LockDelay") long lockDelay;
    @SerializedName("Behavior") String behavior;
    @SerializedName("CreateIndex") long createIndex;
  }

  private static final class TxnJson {
    @SerializedName("Results") List<TxnResultJson> results;
    @SerializedName("Errors") List<TxnErrorJson> errors;
  }

  private static final class TxnResultJson {
    @SerializedName("KV") KvJson kv;
  }

  private static final class TxnErrorJson {
    @SerializedName("What") String what;
  }

  private static final class IdJson {
    @SerializedName("ID") String id;
  }
}
