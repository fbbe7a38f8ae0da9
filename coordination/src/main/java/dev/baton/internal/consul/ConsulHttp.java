package dev.baton.internal.consul;

import com.google.gson.JsonSyntaxException;
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
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP call to Consul and its retry rules: the OkHttp clients (short calls; blocking queries), the
 * Failsafe retry policies, the mapping of HTTP status to Baton's typed exceptions, the {@link CallObserver}
 * notification and the URLs of the API.
 *
 * <p>Every call runs through a Failsafe retry policy (exponential backoff with jitter, an overall deadline per
 * operation). {@link Repeat#SAFE} calls are retried on I/O errors, 5xx and 429; {@link Repeat#ONLY_IF_NOT_SENT}
 * calls only when the request provably never took effect (connection refused, "No cluster leader", "Missing
 * node registration"). 403 ({@link ConsulAccessDeniedException}) and 400 ({@link ConsulRequestRejectedException})
 * are never retried. All calls are interruptible: an interrupt cancels the HTTP call and throws
 * {@link InterruptedException} (a short call within about {@value InterruptWatchdog#TICK_MILLIS} ms, see
 * {@link InterruptWatchdog}). The ACL token travels in the {@code X-Consul-Token} header only.
 *
 * <p>A write may take effect although its caller never learns it (the answer is lost, the caller is
 * interrupted while it is on its way) and may land later still; a retry is such a write too. A call made
 * with {@link Attempts} builds a fresh body for every attempt and is told about every attempt whose outcome is
 * unknown, before the call is retried or gives up: everything that was sent and not answered with Consul's
 * verdict (2xx, the expected status, or a typed refusal: 400, 403, 404, invalid session).
 */
final class ConsulHttp implements AutoCloseable {
  /** Keeps the transport's name, which users' logging configurations refer to. */
  private static final Logger log = LoggerFactory.getLogger("dev.baton.http");
  /** Consul caps {@code wait} at 10 minutes. */
  static final Duration MAX_WAIT = Duration.ofMinutes(10);

  /** Whether repeating a call is safe. */
  enum Repeat {
    /** Reads, session renew/destroy, plain writes, acquire/release by the same session. */
    SAFE,
    /** Check-and-set writes and session create: the caller re-reads instead. */
    ONLY_IF_NOT_SENT
  }

  /**
   * The bodies of a write's attempts (see the class comment): {@link #next} builds the body of each attempt just
   * before it is sent; {@link #unknown} is told when that attempt may or may not have taken effect.
   */
  interface Attempts {
    RequestBody next();

    /** The attempt whose body {@link #next} built last was sent, and no verdict of Consul's was read. */
    void unknown();

    /** The same body for every attempt, nobody told about unknown outcomes. */
    static Attempts of(RequestBody body) {
      return new Attempts() {
        @Override
        public RequestBody next() {
          return body;
        }

        @Override
        public void unknown() {}
      };
    }
  }


  /** Reads a 2xx answer, or the one other status the caller expects (e.g. 404 for "absent"). */
  @FunctionalInterface
  interface Reader<T> {
    T read(int code, String body, long index);
  }

  private final TransportSettings settings;
  private final HttpUrl base;
  private final OkHttpClient http;
  /** For blocking queries: no read timeout of its own, each call gets wait + wait/16 + request timeout. */
  private final OkHttpClient blockingHttp;
  private final RetryPolicy<Object> retrySafe;
  private final RetryPolicy<Object> retryIfNotSent;
  private final CallObserver observer;
  private final InterruptWatchdog watchdog = new InterruptWatchdog();
  /**
   * The connection budget a short call is counted against ({@link TransportSettings#withMaxConnections}):
   * session calls never wait behind other calls, nor do the agent's (health check heartbeats, service
   * registrations: a heartbeat that waits may let a check go critical), and no short call waits behind a
   * blocking query (those are counted by the watch engine).
   */
  private final Semaphore sessionLane;
  private final Semaphore agentLane;
  private final Semaphore shortLane;

  ConsulHttp(TransportSettings settings, CallObserver observer) {
    this.settings = settings;
    this.observer = observer == null ? CallObserver.NONE : observer;
    HttpUrl url = HttpUrl.parse(settings.address.toString());
    if (url == null) {
      throw new IllegalArgumentException("address must be an http or https URL: " + settings.address);
    }
    this.base = url;
    this.sessionLane = new Semaphore(settings.sessionCalls());
    this.agentLane = new Semaphore(settings.agentCalls());
    this.shortLane = new Semaphore(settings.shortCalls());
    Dispatcher dispatcher = new Dispatcher(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "baton-http");
      t.setDaemon(true);                      // an unclosed Coordinator must not keep the JVM alive
      return t;
    }));
    dispatcher.setMaxRequests(1024);          // blocking queries hold a request each
    dispatcher.setMaxRequestsPerHost(1024);
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(settings.maxConnections, 2, TimeUnit.MINUTES))
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

  // ------------------------------------------------------------------------------------------- calls

  /**
   * A short call (bounded by the request timeout), repeated as {@code repeat} allows within the operation
   * deadline. {@code answerCode} is the one non-2xx status handed to {@code reader} (0: none).
   */
  <T> T call(String method, HttpUrl url, RequestBody body, Repeat repeat, int answerCode, Reader<T> reader)
      throws InterruptedException {
    return callEachAttempt(method, url, Attempts.of(body), repeat, answerCode, reader);
  }

  /** {@link #call(String, HttpUrl, RequestBody, Repeat, int, Reader)} in the session's own lane. */
  <T> T sessionCall(String method, HttpUrl url, RequestBody body, Repeat repeat, int answerCode, Reader<T> reader)
      throws InterruptedException {
    return execute(method, url, Attempts.of(body), repeat == Repeat.SAFE ? retrySafe : retryIfNotSent, http,
        sessionLane, null, answerCode, reader);
  }

  /** {@link #call(String, HttpUrl, RequestBody, Repeat, int, Reader)} in the agent's own lane. */
  <T> T agentCall(String method, HttpUrl url, RequestBody body, Repeat repeat, int answerCode, Reader<T> reader)
      throws InterruptedException {
    return execute(method, url, Attempts.of(body), repeat == Repeat.SAFE ? retrySafe : retryIfNotSent, http,
        agentLane, null, answerCode, reader);
  }

  /** {@link #call(String, HttpUrl, RequestBody, Repeat, int, Reader)} with a body per attempt. */
  <T> T callEachAttempt(String method, HttpUrl url, Attempts attempts, Repeat repeat, int answerCode, Reader<T> reader)
      throws InterruptedException {
    return execute(method, url, attempts, repeat == Repeat.SAFE ? retrySafe : retryIfNotSent, http, shortLane,
        null, answerCode, reader);
  }

  /**
   * A blocking GET of up to {@code wait} (always safe to repeat: retried within the operation deadline unless
   * {@code once}); a 404 goes to {@code reader}. The watch engine asks for {@code once}: it retries by itself,
   * and must see an outage to read afresh after it.
   */
  <T> QueryResult<T> blockingGet(HttpUrl url, Duration wait, boolean once, Reader<QueryResult<T>> reader)
      throws InterruptedException {
    // Consul adds up to wait/16 of jitter; the request timeout covers the round trip on top of that.
    Duration limit = wait.plus(wait.dividedBy(16)).plus(settings.requestTimeout);
    RetryPolicy<Object> policy = once ? RetryPolicy.builder().withMaxRetries(0).build()
        : retryPolicy(Repeat.SAFE, settings.operationDeadline.plus(limit));
    return execute("GET", url, Attempts.of(null), policy, blockingHttp, null, limit, 404, reader);
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
      // a just-started agent's node or its serfHealth check not yet in the catalog: rejected before anything
      // was applied
      this.notSent = cause instanceof ConnectException
          || (consulMessage != null && (consulMessage.contains("No cluster leader")
              || consulMessage.contains("Missing node registration")
              || (consulMessage.contains("Missing check '") && consulMessage.contains("' registration"))));
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

  @SuppressWarnings("unchecked")
  private <T> T execute(String method, HttpUrl url, Attempts attempts, RetryPolicy<Object> policy,
      OkHttpClient client, Semaphore lane, Duration callLimit, int answerCode, Reader<T> reader)
      throws InterruptedException {
    String where = url.encodedPath() + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery());
    try {
      return (T) Failsafe.with(policy).get(() -> attempt(client, lane, callLimit, method, url, attempts,
          where, answerCode, reader));
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

  private <T> T attempt(OkHttpClient client, Semaphore lane, Duration callLimit, String method, HttpUrl url,
      Attempts attempts, String where, int answerCode, Reader<T> reader) throws InterruptedException {
    if (Thread.interrupted()) throw new InterruptedException();
    if (lane == null) return attemptInLane(client, callLimit, method, url, attempts, where, answerCode, reader);
    lane.acquire();                            // the response is closed before the permit goes back
    try {
      return attemptInLane(client, callLimit, method, url, attempts, where, answerCode, reader);
    } finally {
      lane.release();
    }
  }

  private <T> T attemptInLane(OkHttpClient client, Duration callLimit, String method, HttpUrl url,
      Attempts attempts, String where, int answerCode, Reader<T> reader) throws InterruptedException {
    Request.Builder rb = new Request.Builder().url(url).method(method, attempts.next());
    if (settings.token != null) rb.header("X-Consul-Token", settings.token);
    Request request = rb.build();
    long started = System.nanoTime();
    int[] status = {0};
    boolean verdict = false;                   // Consul's answer says whether the write took effect
    try {
      T result = send(client, callLimit, request, method, where, answerCode, reader, status);
      verdict = true;
      return result;
    } catch (Retryable r) {
      verdict = r.notSent;
      throw r;
    } catch (ConsulAccessDeniedException | ConsulRequestRejectedException | ConsulNotFoundException
        | ConsulSessionInvalidException e) {
      verdict = true;                          // refused: nothing was applied
      throw e;
    } finally {
      if (!verdict) attempts.unknown();
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
    boolean shortCall = client == http;
    // short call: synchronous on this thread (no hand-off to a dispatcher thread on the hot path); the
    // watchdog cancels it when this thread is interrupted, otherwise the request timeout bounds it
    if (shortCall) watchdog.enter(call);
    try {
      Response response;
      if (shortCall) {
        try {
          response = call.execute();
        } catch (IOException e) {
          if (Thread.interrupted()) throw new InterruptedException("interrupted during " + method + " " + where);
          throw new Retryable(0, null, e);
        }
      } else {
        response = awaitInterruptibly(call);       // blocking query: an interrupt cancels it at once
      }
      return read(response, method, where, answerCode, reader, status);
    } finally {
      if (shortCall) watchdog.exit();
    }
  }

  private static <T> T read(Response response, String method, String where, int answerCode, Reader<T> reader,
      int[] status) throws InterruptedException {
    try (response) {
      int code = response.code();
      status[0] = code;
      String text;
      try {
        text = response.body().string();
      } catch (IOException e) {
        if (Thread.interrupted()) throw new InterruptedException("interrupted during " + method + " " + where);
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
      throw failure(method, where, code, text);
    }
  }

  /** The typed exception for an unexpected status; {@link Retryable} where another attempt may help. */
  private static RuntimeException failure(String method, String where, int code, String text) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    if (lower.contains("invalid session \"")) {
      return new ConsulSessionInvalidException(method, where, code, text);   // 500 in Consul 1.8
    }
    if (code == 500 && lower.contains("does not have associated ttl")) {
      return new ConsulNotFoundException(method, where, text);                // Consul 1.8: an unknown check
    }
    if (code >= 500 && lower.startsWith("invalid ")) {
      return new ConsulRequestRejectedException(method, where, code, text);  // validation error as 500
    }
    if (code == 429 || code >= 500) return new Retryable(code, text, null);
    if (code == 403) return new ConsulAccessDeniedException(method, where, text);
    if (code == 404) return new ConsulNotFoundException(method, where, text);
    return new ConsulRequestRejectedException(method, where, code, text);
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

  private static long parseIndex(String header) {
    if (header == null) return 0;
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // -------------------------------------------------------------------------------------------- URLs

  /** {@code /segment/segment/...} with the configured datacenter. */
  HttpUrl.Builder url(String... segments) {
    return inDatacenter(localUrl(segments));
  }

  /** {@code /segment/segment/...} without a datacenter: answered by the agent's own datacenter. */
  HttpUrl.Builder localUrl(String... segments) {
    HttpUrl.Builder b = base.newBuilder();
    for (String s : segments) b.addPathSegment(s);
    return b;
  }

  /** {@code /v1/kv/<key>} (each {@code /}-separated part a path segment) with the configured datacenter. */
  HttpUrl.Builder kvUrl(String key) {
    HttpUrl.Builder b = localUrl("v1", "kv");
    for (String segment : key.split("/", -1)) b.addPathSegment(segment);
    return inDatacenter(b);
  }

  private HttpUrl.Builder inDatacenter(HttpUrl.Builder b) {
    return settings.datacenter == null ? b : b.addQueryParameter("dc", settings.datacenter);
  }

  /** Makes a read blocking on {@code index} for up to {@code wait} (capped at {@link #MAX_WAIT}); 0 answers at once. */
  static HttpUrl.Builder blocking(HttpUrl.Builder b, long index, Duration wait) {
    if (index > 0) {
      long ms = Math.max(1, Math.min(wait.toMillis(), MAX_WAIT.toMillis()));
      b.addQueryParameter("index", Long.toString(index)).addQueryParameter("wait", ms + "ms");
    }
    return b;
  }

  /** Adds the configured consistency mode (plain reads only; waits always use Consul's default). */
  HttpUrl.Builder consistency(HttpUrl.Builder b) {
    return settings.consistency == null ? b : b.addQueryParameter(settings.consistency, null);
  }

  /** Open HTTP connections to Consul, idle or in use (blocking queries share the pool). */
  int openConnections() {
    return http.connectionPool().connectionCount();
  }

  @Override
  public void close() {
    watchdog.close();
    http.dispatcher().cancelAll();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
