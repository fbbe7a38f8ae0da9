package dev.baton.testing;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A fault-injecting HTTP/1.1 proxy for tests: it listens on a free loopback port, forwards every request to
 * an upstream HTTP server (a Consul agent's HTTP address) and applies <em>rules</em> to single requests: hold
 * a request until the test releases it, delay it, forward it but drop or delay its answer, send it upstream
 * twice, reset the connection, or black-hole all traffic. It reproduces the faults that break lock clients in
 * practice — a release that lands after the next acquisition, an acquire whose answer is lost — with latches
 * instead of timing luck.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(consul.address());
 *      Coordinator client = Coordinator.builder().address(proxy.address()).build()) {
 *   FaultProxy.Hold release = proxy.when(FaultProxy.Match.put().pathPrefix("/v1/kv/jobs").query("release"))
 *       .once().hold();
 *   // ... the client releases; the request waits in the proxy
 *   assertTrue(release.awaitArrived(Duration.ofSeconds(5)));
 *   // ... the client gives up, does something else
 *   release.release();                                 // now the late request lands in Consul
 *   assertTrue(release.awaitLanded(Duration.ofSeconds(5)));
 * }
 * }</pre>
 *
 * <p><b>Per request.</b> Each client connection is served by its own thread with its own upstream connection,
 * request by request (keep-alive is kept on both sides, so a rule acts on one request, not on a whole
 * connection). Requests and answers are framed by {@code Content-Length} or {@code chunked} (answers also by
 * the end of the connection) and forwarded byte for byte. A request the proxy holds or delays is forwarded
 * when its time comes <em>even if the client has given up</em> meanwhile: that is how a late write lands.
 *
 * <p><b>Rules</b> are tried in the order they were added; the first one that {@link Match matches} and still
 * has applications left acts on the request (one rule per request); no rule: the request is just forwarded.
 * Every request, acted on or not, goes into the {@linkplain #exchanges() request log} with Consul's answer.
 *
 * <p>Plain {@code http} only. Thread-safe. {@link #close()} stops everything: held requests are discarded,
 * open connections closed.
 */
public final class FaultProxy implements AutoCloseable {
  private static final AtomicInteger PROXIES = new AtomicInteger();

  private final URI upstream;
  private final InetSocketAddress upstreamAddress;
  private final ServerSocket server;
  private final ExecutorService threads;
  private final List<Rule> rules = new ArrayList<>();              // guarded by itself
  private final List<Exchange> log = Collections.synchronizedList(new ArrayList<>());
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final Object blackHoleLock = new Object();
  private boolean blackHoled;                                       // guarded by blackHoleLock
  private volatile boolean closed;

  private FaultProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    int port = upstream.getPort() > 0 ? upstream.getPort() : 80;
    this.upstreamAddress = new InetSocketAddress(upstream.getHost(), port);
    this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    int id = PROXIES.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fault-proxy-" + id + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    threads.execute(this::acceptLoop);
  }

  /**
   * Starts a proxy on a free loopback port in front of {@code upstream} ({@code http://host:port}).
   *
   * @throws IllegalArgumentException when {@code upstream} is not an http URI with a host
   * @throws IllegalStateException when no port could be opened
   */
  public static FaultProxy start(URI upstream) {
    Objects.requireNonNull(upstream, "upstream must not be null");
    if (!"http".equalsIgnoreCase(upstream.getScheme()) || upstream.getHost() == null) {
      throw new IllegalArgumentException("upstream must be an http://host:port URI: " + upstream);
    }
    try {
      return new FaultProxy(upstream);
    } catch (IOException e) {
      throw new IllegalStateException("could not open a loopback port for the proxy", e);
    }
  }

  /** The proxy's own address, {@code http://127.0.0.1:<port>}: give it to the client under test. */
  public URI address() {
    return URI.create("http://" + server.getInetAddress().getHostAddress() + ":" + server.getLocalPort());
  }

  /** Where requests go. */
  public URI upstream() {
    return upstream;
  }

  /** Client connections accepted so far (fewer than requests when clients reuse connections). */
  public int connectionsAccepted() {
    return connections.get();
  }

  /**
   * Starts a rule for the requests {@code match} selects; finish it with {@link When#once()},
   * {@link When#times(int)} or {@link When#always()} (default: once) and an action such as
   * {@link When#hold()}.
   */
  public When when(Match match) {
    return new When(Objects.requireNonNull(match, "match must not be null"));
  }

  /** The rules in force, in the order they are tried (for failure messages). */
  public List<Rule> rules() {
    synchronized (rules) {
      return List.copyOf(rules);
    }
  }

  /** Removes every rule (requests already held stay held until their {@link Hold} is released). */
  public void removeRules() {
    synchronized (rules) {
      rules.clear();
    }
  }

  /**
   * From now on, until {@link BlackHole#lift()}, the proxy accepts connections and reads requests but answers
   * nothing and forwards nothing; answers to requests already forwarded are swallowed too. A network
   * partition as the client sees it: its calls run into their timeouts. Lifting it closes the connections
   * that were swallowed (the client sees them fail) and forwards again.
   */
  public BlackHole blackHole() {
    synchronized (blackHoleLock) {
      blackHoled = true;
    }
    return new BlackHole();
  }

  /** Whether a {@link #blackHole()} is in force. */
  public boolean isBlackHoled() {
    synchronized (blackHoleLock) {
      return blackHoled;
    }
  }

  /** Every request seen so far, in arrival order (copies sent by {@link When#duplicate()} included). */
  public List<Exchange> exchanges() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** The requests {@code match} selects, in arrival order. */
  public List<Exchange> exchanges(Match match) {
    return exchanges().stream().filter(match).collect(Collectors.toList());
  }

  /** Forgets the request log. */
  public void clearLog() {
    log.clear();
  }

  /** Stops listening, discards held requests, closes every connection. Idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    synchronized (blackHoleLock) {
      blackHoleLock.notifyAll();
    }
    List<Rule> all;
    synchronized (rules) {
      all = List.copyOf(rules);
    }
    for (Rule r : all) {
      if (r instanceof Hold h) h.abort();
    }
    for (Socket s : sockets) closeQuietly(s);
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "FaultProxy{" + address() + " -> " + upstream + "}";
  }

  // ----------------------------------------------------------------------------------------- matching

  /**
   * Which requests a rule acts on: method, path (exact, prefix or regular expression), query parameters or
   * raw query, body substring or regular expression. Immutable; each method answers a narrower match.
   * Paths are compared percent-decoded ({@code /v1/kv/a/b}), the raw query as sent.
   *
   * <pre>{@code
   * Match.put().path("/v1/txn").bodyContains("\"lock\"")          // a KV lock transaction
   * Match.put().pathPrefix("/v1/kv/app/").query("release")       // any release below app/
   * Match.get().query("index")                                   // blocking queries
   * }</pre>
   */
  public static final class Match implements Predicate<Exchange> {
    private final Predicate<Exchange> test;
    private final String description;

    private Match(Predicate<Exchange> test, String description) {
      this.test = test;
      this.description = description;
    }

    /** Every request. */
    public static Match any() {
      return new Match(e -> true, "any request");
    }

    /** Requests with this HTTP method (case-insensitive). */
    public static Match method(String method) {
      String m = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
      return new Match(e -> e.method().equals(m), m);
    }

    public static Match get() {
      return method("GET");
    }

    public static Match put() {
      return method("PUT");
    }

    public static Match delete() {
      return method("DELETE");
    }

    /** ... whose decoded path is exactly {@code path}. */
    public Match path(String path) {
      Objects.requireNonNull(path, "path");
      return and(e -> e.path().equals(path), "path " + path);
    }

    /** ... whose decoded path starts with {@code prefix}. */
    public Match pathPrefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      return and(e -> e.path().startsWith(prefix), "path " + prefix + "*");
    }

    /** ... whose whole decoded path matches {@code regex}. */
    public Match pathMatches(String regex) {
      Pattern p = Pattern.compile(regex);
      return and(e -> p.matcher(e.path()).matches(), "path ~ " + regex);
    }

    /** ... with query parameter {@code name} (with or without a value). */
    public Match query(String name) {
      Objects.requireNonNull(name, "name");
      return and(e -> e.hasParam(name), "?" + name);
    }

    /** ... with query parameter {@code name} equal to {@code value} (decoded). */
    public Match query(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      return and(e -> e.params(name).contains(value), "?" + name + "=" + value);
    }

    /** ... whose raw query string contains a match of {@code regex}. */
    public Match queryMatches(String regex) {
      Pattern p = Pattern.compile(regex);
      return and(e -> p.matcher(e.query()).find(), "query ~ " + regex);
    }

    /** ... whose body (UTF-8) contains {@code text}. */
    public Match bodyContains(String text) {
      Objects.requireNonNull(text, "text");
      return and(e -> e.body().contains(text), "body contains " + text);
    }

    /** ... whose body (UTF-8) contains a match of {@code regex}. */
    public Match bodyMatches(String regex) {
      Pattern p = Pattern.compile(regex, Pattern.DOTALL);
      return and(e -> p.matcher(e.body()).find(), "body ~ " + regex);
    }

    /** ... that {@code other} also matches. */
    public Match and(Match other) {
      return and(other, other.description);
    }

    /** ... that {@code condition} (described by {@code description}) also accepts. */
    public Match and(Predicate<Exchange> condition, String description) {
      Objects.requireNonNull(condition, "condition");
      return new Match(e -> test.test(e) && condition.test(e), this.description + ", " + description);
    }

    /** Requests this or {@code other} matches. */
    public Match or(Match other) {
      Objects.requireNonNull(other, "other");
      return new Match(e -> test.test(e) || other.test(e), "(" + description + ") or (" + other.description + ")");
    }

    @Override
    public boolean test(Exchange exchange) {
      return test.test(exchange);
    }

    @Override
    public String toString() {
      return description;
    }
  }

  // ------------------------------------------------------------------------------------------- rules

  private enum Kind { PASS, HOLD, DELAY, DROP_RESPONSE, DELAY_RESPONSE, HOLD_RESPONSE, DUPLICATE, DUPLICATE_HELD,
    RESET }

  /** Chooses how often a rule applies, then what it does. Not thread-safe; use it in one statement. */
  public final class When {
    private final Match match;
    private int times = 1;

    private When(Match match) {
      this.match = match;
    }

    /** The rule acts on the first matching request only (the default). */
    public When once() {
      return times(1);
    }

    /** The rule acts on the first {@code n} matching requests. */
    public When times(int n) {
      if (n < 1) throw new IllegalArgumentException("times must be at least 1: " + n);
      this.times = n;
      return this;
    }

    /** The rule acts on every matching request until removed. */
    public When always() {
      this.times = -1;
      return this;
    }

    /**
     * Holds each matching request in the proxy (not forwarded) until {@link Hold#release()}; then forwards
     * it, whether or not its client still waits, and passes the answer back if it does.
     */
    public Hold hold() {
      return add(new Hold(match, times, Kind.HOLD, null, "hold request"));
    }

    /** Forwards each matching request {@code delay} late (also when the client gave up meanwhile). */
    public Rule delay(Duration delay) {
      return add(new Rule(match, times, Kind.DELAY, nonNegative(delay), "delay request " + delay.toMillis() + " ms"));
    }

    /**
     * Forwards each matching request, then closes the client's connection instead of answering: the request
     * took effect upstream, but the client cannot know.
     */
    public Rule dropResponse() {
      return add(new Rule(match, times, Kind.DROP_RESPONSE, null, "drop response"));
    }

    /** Forwards each matching request at once and passes its answer back {@code delay} late. */
    public Rule delayResponse(Duration delay) {
      return add(new Rule(match, times, Kind.DELAY_RESPONSE, nonNegative(delay),
          "delay response " + delay.toMillis() + " ms"));
    }

    /** Forwards each matching request at once and holds its answer until {@link Hold#release()}. */
    public Hold holdResponse() {
      return add(new Hold(match, times, Kind.HOLD_RESPONSE, null, "hold response"));
    }

    /**
     * Sends each matching request upstream twice, one right after the other on the same connection; the
     * client gets the first answer, the copy's answer is logged and discarded.
     */
    public Rule duplicate() {
      return add(new Rule(match, times, Kind.DUPLICATE, null, "duplicate"));
    }

    /**
     * Forwards each matching request normally and keeps a copy that is sent upstream (on a connection of its
     * own, answer discarded) when the returned hold is released: a retransmission or a retry that lands late.
     */
    public Hold duplicateHeld() {
      return add(new Hold(match, times, Kind.DUPLICATE_HELD, null, "duplicate, copy held"));
    }

    /** Resets the client's connection (TCP RST) instead of forwarding each matching request. */
    public Rule reset() {
      return add(new Rule(match, times, Kind.RESET, null, "reset connection"));
    }

    /** Forwards matching requests unchanged: a rule only to count and collect them. */
    public Rule pass() {
      return add(new Rule(match, times, Kind.PASS, null, "pass"));
    }

    private <R extends Rule> R add(R rule) {
      ((Rule) rule).remover = () -> {
        synchronized (rules) {
          rules.remove(rule);
        }
      };
      synchronized (rules) {
        if (closed) throw new IllegalStateException("the proxy is closed");
        rules.add(rule);
      }
      return rule;
    }
  }

  private static Duration nonNegative(Duration d) {
    Objects.requireNonNull(d, "delay must not be null");
    if (d.isNegative()) throw new IllegalArgumentException("delay must not be negative: " + d);
    return d;
  }

  /** A rule in force: how often it acted, on which requests; {@link #remove()} ends it. */
  public static class Rule {
    private final Match match;
    private final Kind kind;
    private final Duration duration;
    private final String action;
    private int remaining;                                         // -1: always; guarded by this
    private final List<Exchange> matched = new ArrayList<>();     // guarded by this
    private volatile Runnable remover;

    Rule(Match match, int times, Kind kind, Duration duration, String action) {
      this.match = match;
      this.remaining = times;
      this.kind = kind;
      this.duration = duration;
      this.action = action;
    }

    /** Takes one application for {@code e} when the rule matches and has some left. */
    synchronized boolean claim(Exchange e) {
      if (remaining == 0 || !match.test(e)) return false;
      if (remaining > 0) remaining--;
      matched.add(e);
      notifyAll();
      return true;
    }

    /** How many requests this rule acted on so far. */
    public synchronized int matched() {
      return matched.size();
    }

    /** The requests this rule acted on, in order. */
    public synchronized List<Exchange> exchanges() {
      return List.copyOf(matched);
    }

    /** Waits until the rule acted on {@code count} requests; false when {@code timeout} passed first. */
    public synchronized boolean awaitMatched(int count, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (matched.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }

    /** The rule acts on no further request (a request it holds stays held until released). */
    public void remove() {
      if (remover != null) remover.run();
    }

    @Override
    public String toString() {
      return action + " when " + match + " (acted on " + matched() + ")";
    }
  }

  /**
   * A rule that holds requests (or answers, or copies) until the test releases them. Built on monitors with
   * bounded waits: {@link #awaitArrived} returns the moment something is held.
   */
  public static final class Hold extends Rule {
    private enum State { HOLDING, RELEASED, DISCARDED }

    private State state = State.HOLDING;                           // guarded by this
    private int arrived;                                           // guarded by this
    private int pending;                                           // arrived, not done; guarded by this

    Hold(Match match, int times, Kind kind, Duration duration, String action) {
      super(match, times, kind, duration, action);
    }

    /** Waits until at least one request is held (or has been); false when {@code timeout} passed first. */
    public boolean awaitArrived(Duration timeout) throws InterruptedException {
      return awaitArrived(1, timeout);
    }

    /** Waits until {@code count} requests have reached the hold; false when {@code timeout} passed first. */
    public synchronized boolean awaitArrived(int count, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (arrived < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }

    /** How many requests reached the hold so far. */
    public synchronized int arrived() {
      return arrived;
    }

    /**
     * Lets every held request go on (forwarded now; a held answer is passed back now); later matching
     * requests are no longer held.
     */
    public synchronized void release() {
      if (state == State.HOLDING) state = State.RELEASED;
      notifyAll();
    }

    /**
     * Drops every held request for good (never forwarded; its client connection is closed), and every later
     * one this rule matches: a request lost on the way.
     */
    public synchronized void discard() {
      if (state == State.HOLDING) state = State.DISCARDED;
      notifyAll();
    }

    /**
     * After {@link #release()}: waits until at least one request went through the hold and every one that
     * did is done — forwarded and answered upstream (for a held answer: passed back), or failed. False when
     * {@code timeout} passed first.
     */
    public synchronized boolean awaitLanded(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (state != State.RELEASED || arrived == 0 || pending > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }

    /** Blocks while holding; true to go on (the caller then calls {@link #done()}), false to drop. */
    synchronized boolean pass() throws InterruptedException {
      arrived++;
      pending++;
      notifyAll();
      try {
        while (state == State.HOLDING) wait();
      } catch (InterruptedException e) {
        pending--;
        notifyAll();
        throw e;
      }
      if (state == State.DISCARDED) {
        pending--;
        notifyAll();
        return false;
      }
      return true;
    }

    synchronized void done() {
      pending--;
      notifyAll();
    }

    synchronized void abort() {
      discard();
    }

    @Override
    public String toString() {
      synchronized (this) {
        return super.toString() + ", " + state.name().toLowerCase(Locale.ROOT) + ", arrived " + arrived;
      }
    }
  }

  /** A {@link #blackHole()} in force; {@link #lift()} (or close) ends it. */
  public final class BlackHole implements AutoCloseable {
    private BlackHole() {}

    /** Ends the black hole: connections swallowed meanwhile are closed, new requests are forwarded. */
    public void lift() {
      synchronized (blackHoleLock) {
        blackHoled = false;
        blackHoleLock.notifyAll();
      }
    }

    @Override
    public void close() {
      lift();
    }
  }

  // -------------------------------------------------------------------------------------------- log

  /**
   * One request the proxy saw, and what became of it. Request fields are fixed; the answer fields fill in as
   * the request progresses ({@link #awaitDone} waits for the end).
   */
  public static final class Exchange {
    private final int seq;
    private final String method;
    private final String target;
    private final String path;
    private final String query;
    private final Map<String, List<String>> params;
    private final String body;
    private final int copyOf;
    private final long receivedNanos;
    private volatile String fault = "none";
    private volatile int status;
    private volatile String responseBody;
    private volatile String responseFraming;
    private volatile long answeredNanos;
    private volatile String outcome;
    private final CountDownLatch done = new CountDownLatch(1);

    Exchange(int seq, HttpWire.Message request, int copyOf) {
      this.seq = seq;
      this.method = request.method();
      this.target = request.target();
      int q = target.indexOf('?');
      this.path = percentDecode(q < 0 ? target : target.substring(0, q));
      this.query = q < 0 ? "" : target.substring(q + 1);
      this.params = parseQuery(query);
      this.body = new String(request.decodedBody(), StandardCharsets.UTF_8);
      this.copyOf = copyOf;
      this.receivedNanos = System.nanoTime();
    }

    /** Arrival order, from 1. */
    public int seq() {
      return seq;
    }

    public String method() {
      return method;
    }

    /** The request target as sent: raw path and query. */
    public String target() {
      return target;
    }

    /** The percent-decoded path, e.g. {@code /v1/kv/app/lock}. */
    public String path() {
      return path;
    }

    /** The raw query string without {@code ?} ({@code ""} when none). */
    public String query() {
      return query;
    }

    /** Whether query parameter {@code name} is present (with or without a value). */
    public boolean hasParam(String name) {
      return params.containsKey(name);
    }

    /** The decoded values of query parameter {@code name} ({@code ""} for a bare name); empty when absent. */
    public List<String> params(String name) {
      return params.getOrDefault(name, List.of());
    }

    /** The first value of query parameter {@code name}, or null when absent. */
    public String param(String name) {
      List<String> v = params.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The request body as UTF-8 (chunked and gzip bodies decoded). */
    public String body() {
      return body;
    }

    /** True for a copy the proxy sent itself ({@link When#duplicate()}, {@link When#duplicateHeld()}). */
    public boolean isCopy() {
      return copyOf != 0;
    }

    /** For a copy: the {@link #seq()} of the original; 0 otherwise. */
    public int copyOf() {
      return copyOf;
    }

    /** The action of the rule that acted on it ({@code "none"} when no rule did). */
    public String fault() {
      return fault;
    }

    /** True once the upstream server answered it: it took effect there (or was refused there). */
    public boolean landed() {
      return status != 0;
    }

    /** The upstream's HTTP status; 0 while (or when never) answered. */
    public int status() {
      return status;
    }

    /**
     * The upstream's answer body as UTF-8 (chunked and gzip bodies decoded); null while (or when never)
     * answered.
     */
    public String responseBody() {
      return responseBody;
    }

    /** How the upstream framed its answer: {@code length}, {@code chunked}, {@code close} or {@code none}. */
    public String responseFraming() {
      return responseFraming;
    }

    /** When the proxy read the request ({@link System#nanoTime()}). */
    public long receivedNanos() {
      return receivedNanos;
    }

    /** When the upstream's answer arrived ({@link System#nanoTime()}); 0 while not answered. */
    public long answeredNanos() {
      return answeredNanos;
    }

    /**
     * What became of it: {@code answered}, {@code response dropped}, {@code reset}, {@code black-holed},
     * {@code discarded}, {@code client gone}, {@code upstream failed: ...}; null while in progress.
     */
    public String outcome() {
      return outcome;
    }

    public boolean isDone() {
      return done.getCount() == 0;
    }

    /** Waits until the proxy is done with it (answered, dropped, failed); false when {@code timeout} passed. */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
      return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void fault(String f) {
      this.fault = f;
    }

    void answered(HttpWire.Message response) {
      this.responseBody = new String(response.decodedBody(), StandardCharsets.UTF_8);
      this.responseFraming = response.framing();
      this.answeredNanos = System.nanoTime();
      this.status = response.status();
    }

    void finish(String what) {
      if (outcome == null) outcome = what;
      done.countDown();
    }

    @Override
    public String toString() {
      String b = body.length() > 200 ? body.substring(0, 200) + "..." : body;
      String r = responseBody == null ? "" : responseBody.length() > 200 ? responseBody.substring(0, 200) + "..."
          : responseBody;
      return "#" + seq + (copyOf != 0 ? " (copy of #" + copyOf + ")" : "") + " " + method + " " + target
          + (b.isEmpty() ? "" : " [" + b.strip() + "]") + " fault=" + fault + " -> "
          + (status == 0 ? "no answer" : status + " " + r.strip()) + (outcome == null ? "" : " (" + outcome + ")");
    }

    private static Map<String, List<String>> parseQuery(String query) {
      Map<String, List<String>> out = new LinkedHashMap<>();
      if (query.isEmpty()) return out;
      for (String part : query.split("&")) {
        if (part.isEmpty()) continue;
        int eq = part.indexOf('=');
        String name = percentDecode(eq < 0 ? part : part.substring(0, eq)).replace('+', ' ');
        String value = eq < 0 ? "" : percentDecode(part.substring(eq + 1).replace('+', ' '));
        out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      }
      out.replaceAll((k, v) -> List.copyOf(v));
      return Collections.unmodifiableMap(out);
    }

    private static String percentDecode(String s) {
      if (s.indexOf('%') < 0) return s;
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '%' && i + 2 < s.length()) {
          int hi = Character.digit(s.charAt(i + 1), 16);
          int lo = Character.digit(s.charAt(i + 2), 16);
          if (hi >= 0 && lo >= 0) {
            out.write(hi * 16 + lo);
            i += 2;
            continue;
          }
        }
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  // ------------------------------------------------------------------------------------ serving

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;                                                    // closed
      }
      connections.incrementAndGet();
      sockets.add(client);
      try {
        client.setTcpNoDelay(true);
        threads.execute(() -> serve(client));
      } catch (IOException | RejectedExecutionException e) {
        sockets.remove(client);
        closeQuietly(client);
      }
    }
  }

  /** One client connection, request by request. */
  private void serve(Socket client) {
    Upstream up = new Upstream();
    try {
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      while (!closed) {
        HttpWire.Message request;
        try {
          request = HttpWire.readRequest(in);
        } catch (IOException e) {
          return;                                                  // client went away mid-request
        }
        if (request == null) return;
        Exchange ex = record(request, 0);
        if (swallowIfBlackHoled(ex)) return;
        Rule rule = select(ex);
        if (!handle(client, out, up, request, ex, rule)) return;
        if (request.close()) return;
      }
    } catch (IOException e) {
      // the client's connection broke: nothing more to serve on it
    } finally {
      up.close();
      sockets.remove(client);
      closeQuietly(client);
    }
  }

  private Exchange record(HttpWire.Message request, int copyOf) {
    Exchange ex = new Exchange(sequence.incrementAndGet(), request, copyOf);
    log.add(ex);
    return ex;
  }

  private Rule select(Exchange ex) {
    synchronized (rules) {
      for (Rule r : rules) {
        if (r.claim(ex)) {
          ex.fault(r.action);
          return r;
        }
      }
    }
    return null;
  }

  /** Serves one request; true to keep the client's connection for the next one. */
  private boolean handle(Socket client, OutputStream out, Upstream up, HttpWire.Message request, Exchange ex,
      Rule rule) {
    Kind kind = rule == null ? Kind.PASS : rule.kind;
    Hold hold = rule instanceof Hold h ? h : null;
    boolean passedHold = false;
    try {
      switch (kind) {
        case RESET -> {
          ex.finish("reset");
          reset(client);
          return false;
        }
        case HOLD -> {
          if (!hold.pass()) {
            ex.finish("discarded");
            return false;
          }
          passedHold = true;
        }
        case DELAY -> Thread.sleep(rule.duration.toMillis());      // the fault itself, not synchronisation
        default -> { }
      }
      HttpWire.Message response = forward(up, request, ex);
      if (response == null) return false;
      switch (kind) {
        case DUPLICATE -> {
          Exchange copy = record(request, ex.seq());
          copy.fault("copy");
          if (forward(up, request, copy) != null) copy.finish("answer discarded (copy)");
        }
        case DUPLICATE_HELD -> sendHeldCopy(hold, request, ex);
        case DROP_RESPONSE -> {
          ex.finish("response dropped");
          return false;
        }
        case DELAY_RESPONSE -> Thread.sleep(rule.duration.toMillis());
        case HOLD_RESPONSE -> {
          if (!hold.pass()) {
            ex.finish("response discarded");
            return false;
          }
          passedHold = true;
        }
        default -> { }
      }
      if (swallowIfBlackHoled(ex)) return false;
      try {
        out.write(response.raw());
        out.flush();
      } catch (IOException e) {
        ex.finish("client gone");
        return false;
      }
      ex.finish("answered");
      return !response.close();
    } catch (InterruptedException e) {
      ex.finish("proxy closed");
      return false;
    } finally {
      if (passedHold) hold.done();
    }
  }

  /** Sends {@code request} upstream and reads the answer; null (and {@code ex} finished) on failure. */
  private HttpWire.Message forward(Upstream up, HttpWire.Message request, Exchange ex) {
    try {
      up.send(request.raw());
      HttpWire.Message response = up.read(request.method());
      if (response == null) throw new EOFException("upstream closed the connection without answering");
      ex.answered(response);
      if (response.close()) up.close();
      return response;
    } catch (IOException e) {
      up.close();
      ex.finish("upstream failed: " + e);
      return null;
    }
  }

  private void sendHeldCopy(Hold hold, HttpWire.Message request, Exchange original) {
    Exchange copy = record(request, original.seq());
    copy.fault("held copy");
    try {
      threads.execute(() -> {
        Upstream own = new Upstream();
        try {
          if (!hold.pass()) {
            copy.finish("discarded");
            return;
          }
          try {
            if (forward(own, request, copy) != null) copy.finish("answer discarded (copy)");
          } finally {
            hold.done();
          }
        } catch (InterruptedException e) {
          copy.finish("proxy closed");
        } finally {
          own.close();
        }
      });
    } catch (RejectedExecutionException e) {
      copy.finish("proxy closed");
    }
  }

  /** While black-holed: swallows {@code ex}, waits for the lift, answers true (close the connection). */
  private boolean swallowIfBlackHoled(Exchange ex) {
    synchronized (blackHoleLock) {
      if (!blackHoled) return false;
      ex.finish("black-holed");
      try {
        while (blackHoled && !closed) blackHoleLock.wait();
      } catch (InterruptedException e) {
        // closing
      }
      return true;
    }
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);                                      // close with RST instead of FIN
    } catch (IOException ignored) {
      // closing anyway
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** The upstream connection of one client connection (or of one held copy), opened when needed. */
  private final class Upstream implements Closeable {
    private Socket socket;
    private BufferedInputStream in;
    private OutputStream out;

    void send(byte[] raw) throws IOException {
      if (socket == null || stale()) connect();
      out.write(raw);
      out.flush();
    }

    HttpWire.Message read(String method) throws IOException {
      return HttpWire.readResponse(in, method);
    }

    /** A kept-alive connection the server closed meanwhile (checked without sending anything). */
    private boolean stale() {
      try {
        socket.setSoTimeout(1);
        in.mark(1);
        int b = in.read();
        if (b >= 0) in.reset();
        return true;                                               // closed, or unexpected bytes: start over
      } catch (SocketTimeoutException e) {
        return false;                                              // nothing to read: still open
      } catch (IOException e) {
        return true;
      } finally {
        try {
          if (socket != null && !socket.isClosed()) socket.setSoTimeout(0);
        } catch (IOException ignored) {
          // reconnecting anyway
        }
      }
    }

    private void connect() throws IOException {
      close();
      if (closed) throw new IOException("proxy closed");
      Socket s = new Socket();
      sockets.add(s);
      s.connect(upstreamAddress, 5000);
      s.setTcpNoDelay(true);
      socket = s;
      in = new BufferedInputStream(s.getInputStream());
      out = s.getOutputStream();
    }

    @Override
    public void close() {
      if (socket != null) {
        sockets.remove(socket);
        closeQuietly(socket);
        socket = null;
      }
    }
  }
}
