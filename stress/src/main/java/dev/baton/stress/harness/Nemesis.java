package dev.baton.stress.harness;

import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Exchange;
import dev.baton.testing.FaultProxy.Match;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network nemesis: one {@link FaultProxy} per contender JVM slot, living in the harness's JVM between that
 * slot's Coordinators and the Consul agent (a restarted incarnation gets the same proxy), so that the fault
 * schedule can act on single HTTP requests of one contender process: hold a write back and let it land late,
 * forward it and drop its answer, send it twice (at once or late), delay it or its answer, reset the
 * connection, or black-hole the process's whole traffic for a few seconds.
 *
 * <p>A fault is {@linkplain #arm armed} on one proxy for a class of Baton's writes ({@link #TARGETS}) and acts
 * on the first matching request(s) that pass before the next fault is due; one that found no matching request
 * in that window is withdrawn and reported as such. Every random choice (slot, request class, durations) is made
 * by the caller with the harness's seeded {@link Random} ({@code --seed}); which request is hit and what it
 * does are up to timing. Faults never outlast the run: {@link #endRun()} releases held requests, lifts black
 * holes and withdraws every rule.
 */
final class Nemesis implements AutoCloseable {
  /** The network fault kinds of {@code --faults}. */
  static final List<String> KINDS = List.of("hold", "drop-response", "duplicate", "duplicate-late", "delay",
      "reset", "blackhole");
  /** The request classes a network fault may target ({@code --fault-requests}). */
  static final List<String> TARGETS = List.of("acquire", "release", "renew", "write");

  private static final String KV = "/v1/kv/";
  private static final String ACQUIRING_TXN = "\"Verb\"\\s*:\\s*\"(lock|cas)\"";
  private static final String RELEASING_TXN = "\"Verb\"\\s*:\\s*\"(unlock|delete|delete-cas|delete-tree)\"";
  private static final Pattern VERB = Pattern.compile("\"Verb\"\\s*:\\s*\"([a-z-]+)\"");
  /** Consul's error text in a failed {@code /v1/txn} answer (a JSON string, escapes kept). */
  private static final Pattern WHAT = Pattern.compile("\"What\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** A range of seconds {@code MIN-MAX} (or one value). */
  record Range(double min, double max) {
    static Range parse(String option, String value) {
      String[] p = value.split("-", 2);
      try {
        double a = Double.parseDouble(p[0]);
        double b = p.length == 2 ? Double.parseDouble(p[1]) : a;
        if (a < 0 || b < a) throw new IllegalArgumentException(option + ": need 0 <= MIN <= MAX: " + value);
        return new Range(a, b);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " must be seconds MIN-MAX (e.g. 0.5-6): " + value);
      }
    }

    /** A uniformly random time in the range, in nanoseconds. */
    long pick(Random random) {
      return (long) ((min + (max - min) * random.nextDouble()) * 1e9);
    }

    @Override
    public String toString() {
      return min == max ? Report.num(min) : Report.num(min) + "-" + Report.num(max);
    }
  }

  /**
   * One armed fault, every random choice already made: kind, slot, request class, how long (hold, copy held,
   * delay or black hole), how many requests ({@code delay}), request or answer ({@code delay}).
   */
  record Plan(String kind, int jvm, String target, long nanos, int times, boolean onResponse) {
    String describe() {
      return switch (kind) {
        case "blackhole" -> String.format(Locale.ROOT, "black-hole all traffic for %.2f s", nanos / 1e9);
        case "hold" -> String.format(Locale.ROOT, "hold one %s request %.2f s", target, nanos / 1e9);
        case "duplicate-late" -> String.format(Locale.ROOT, "send one %s request again %.2f s late", target,
            nanos / 1e9);
        case "delay" -> String.format(Locale.ROOT, "delay the %s of %d %s request%s by %.2f s",
            onResponse ? "answer" : "request", times, target, times == 1 ? "" : "s", nanos / 1e9);
        default -> kind + " one " + target + " request";
      };
    }
  }

  /** What became of an armed fault. */
  record Outcome(boolean acted, long actedAt, double seconds, String note) {}

  /** Receives the outcome of a fault once it is over. */
  interface Done {
    void accept(Outcome outcome);
  }

  private final URI upstream;
  private final Map<Integer, FaultProxy> proxies = new ConcurrentHashMap<>();
  private final List<FaultProxy.Rule> rules = new CopyOnWriteArrayList<>();
  private final List<FaultProxy.BlackHole> blackHoles = new CopyOnWriteArrayList<>();
  private final ExecutorService workers;
  private volatile long runEnd = Long.MAX_VALUE;
  private volatile boolean ended;

  Nemesis(URI upstream) {
    this.upstream = upstream;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "nemesis-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The address contender JVM slot {@code jvm} talks to: its proxy, started on first use. */
  URI address(int jvm) {
    return proxies.computeIfAbsent(jvm, k -> FaultProxy.start(upstream)).address();
  }

  /** Faults of this run end at {@code end} ({@link System#nanoTime()}) at the latest. */
  void startRun(long end) {
    runEnd = end;
    ended = false;
  }

  /**
   * Forgets the proxies' request logs (they keep every exchange; a long run would fill the heap). The faults'
   * own rules keep the exchanges they acted on.
   */
  void trimLogs() {
    for (FaultProxy p : proxies.values()) p.clearLog();
  }

  /** The requests of class {@code target} (one of {@link #TARGETS}). */
  static Match match(String target) {
    Match txn = Match.put().path("/v1/txn");
    Match acquire = txn.bodyMatches(ACQUIRING_TXN).or(Match.put().pathPrefix(KV).query("acquire"));
    Match release = Match.put().pathPrefix(KV).query("release").or(Match.delete().pathPrefix(KV))
        .or(txn.bodyMatches(RELEASING_TXN));
    Match renew = Match.put().pathPrefix("/v1/session/renew/");
    return switch (target) {
      case "acquire" -> acquire;
      case "release" -> release;
      case "renew" -> renew;
      case "write" -> acquire.or(release).or(renew).or(Match.put().pathPrefix(KV)).or(txn);
      default -> throw new IllegalArgumentException("unknown request class: " + target);
    };
  }

  /**
   * Arms {@code plan} on its slot's proxy; it acts on matching requests until {@code armedUntil}
   * ({@link System#nanoTime()}), then is withdrawn. {@code done} gets the outcome (on a nemesis thread).
   */
  void arm(Plan plan, long armedUntil, Done done) {
    FaultProxy proxy = proxies.get(plan.jvm());
    if (proxy == null || ended) {
      done.accept(new Outcome(false, 0, 0, "no proxy"));
      return;
    }
    try {
      workers.execute(() -> {
        Outcome o;
        try {
          o = run(proxy, plan, armedUntil);
        } catch (InterruptedException e) {
          o = new Outcome(false, 0, 0, "stopped");
        } catch (RuntimeException e) {
          o = new Outcome(false, 0, 0, "failed: " + e);
        }
        done.accept(o);
      });
    } catch (RejectedExecutionException e) {
      done.accept(new Outcome(false, 0, 0, "stopped"));
    }
  }

  private Outcome run(FaultProxy proxy, Plan plan, long armedUntil) throws InterruptedException {
    if (plan.kind().equals("blackhole")) return blackHole(proxy, plan);
    Match m = match(plan.target());
    FaultProxy.When when = proxy.when(m).times(plan.kind().equals("delay") ? plan.times() : 1);
    FaultProxy.Rule rule = switch (plan.kind()) {
      case "hold" -> when.hold();
      case "drop-response" -> when.dropResponse();
      case "duplicate" -> when.duplicate();
      case "duplicate-late" -> when.duplicateHeld();
      case "delay" -> plan.onResponse() ? when.delayResponse(Duration.ofNanos(plan.nanos()))
          : when.delay(Duration.ofNanos(plan.nanos()));
      case "reset" -> when.reset();
      default -> throw new IllegalArgumentException("unknown network fault: " + plan.kind());
    };
    rules.add(rule);
    try {
      rule.awaitMatched(plan.kind().equals("delay") ? plan.times() : 1, left(armedUntil));
      rule.remove();                                   // no new request is matched after this
      List<Exchange> hit = rule.exchanges();
      if (hit.isEmpty()) return new Outcome(false, 0, 0, "no matching request while armed");
      Exchange first = hit.get(0);
      long at = first.receivedNanos();
      return switch (plan.kind()) {
        case "hold", "duplicate-late" -> release((FaultProxy.Hold) rule, first, at, plan);
        case "duplicate" -> {
          first.awaitDone(Duration.ofSeconds(10));
          Exchange copy = proxy.exchanges().stream().filter(e -> e.copyOf() == first.seq()).findFirst().orElse(null);
          yield new Outcome(true, at, 0, describe(first) + " -> " + answer(first) + "; copy -> "
              + (copy == null ? "?" : answer(copy)));
        }
        case "delay" -> {
          for (Exchange e : hit) e.awaitDone(Duration.ofSeconds(10));
          StringBuilder b = new StringBuilder();
          for (Exchange e : hit) b.append(b.length() == 0 ? "" : "; ").append(describe(e)).append(" -> ")
              .append(answer(e));
          yield new Outcome(true, at, plan.nanos() / 1e9, b.toString());
        }
        default -> {
          first.awaitDone(Duration.ofSeconds(10));
          yield new Outcome(true, at, 0, describe(first) + " -> " + answer(first));
        }
      };
    } finally {
      rule.remove();
      rules.remove(rule);
    }
  }

  /** Hold (or the late copy): released {@code plan.nanos()} after it arrived, or at the end of the run. */
  private Outcome release(FaultProxy.Hold hold, Exchange first, long at, Plan plan) throws InterruptedException {
    long releaseAt = Math.min(at + plan.nanos(), runEnd);
    sleepUntil(releaseAt);
    hold.release();
    long released = System.nanoTime();
    boolean landed = hold.awaitLanded(Duration.ofSeconds(10));
    String what;
    if (plan.kind().equals("hold")) {
      what = describe(first) + String.format(Locale.ROOT, " held %.2f s -> ", (released - at) / 1e9)
          + (landed ? answer(first) : "not landed within 10 s");
    } else {
      first.awaitDone(Duration.ofSeconds(10));
      what = describe(first) + " -> " + answer(first) + String.format(Locale.ROOT, "; copy sent %.2f s later -> %s",
          (released - at) / 1e9, landed ? "landed" : "not landed within 10 s");
    }
    return new Outcome(true, at, (released - at) / 1e9, what);
  }

  private Outcome blackHole(FaultProxy proxy, Plan plan) throws InterruptedException {
    long at = System.nanoTime();
    FaultProxy.BlackHole b = proxy.blackHole();
    blackHoles.add(b);
    try {
      sleepUntil(Math.min(at + plan.nanos(), runEnd));
    } finally {
      b.lift();
      blackHoles.remove(b);
    }
    long lifted = System.nanoTime();
    return new Outcome(true, at, (lifted - at) / 1e9, String.format(Locale.ROOT, "all traffic black-holed %.2f s",
        (lifted - at) / 1e9));
  }

  /** The run is over: held requests go on now, black holes are lifted, every rule is withdrawn. */
  void endRun() {
    synchronized (this) {
      ended = true;
      runEnd = System.nanoTime();
      notifyAll();
    }
    for (FaultProxy.Rule r : rules) {
      r.remove();
      if (r instanceof FaultProxy.Hold h) h.release();
    }
    for (FaultProxy.BlackHole b : blackHoles) b.lift();
  }

  /** Stops the proxies (after the contender JVMs are gone). */
  @Override
  public void close() {
    endRun();
    workers.shutdownNow();
    for (FaultProxy p : proxies.values()) p.close();
    proxies.clear();
  }

  static String describe(Exchange e) {
    String target = e.target();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    StringBuilder query = new StringBuilder();
    if (q >= 0) {
      for (String param : target.substring(q + 1).split("&")) {
        int eq = param.indexOf('=');
        String value = eq < 0 ? "" : param.substring(eq + 1);
        query.append(query.length() == 0 ? "?" : "&").append(eq < 0 ? param : param.substring(0, eq))
            .append(eq < 0 ? "" : "=" + (value.length() > 8 ? value.substring(0, 8) + ".." : value));
      }
    }
    String body = e.body().isEmpty() ? "" : " [" + verbs(e.body()) + "]";
    return e.method() + " " + path + query + body;
  }

  /** The KV verbs of a {@code /v1/txn} body, else the body's length. */
  private static String verbs(String body) {
    Matcher m = VERB.matcher(body);
    StringBuilder b = new StringBuilder();
    while (m.find()) b.append(b.length() == 0 ? "" : ",").append(m.group(1));
    return b.length() == 0 ? body.length() + " bytes" : b.toString();
  }

  private static String answer(Exchange e) {
    String body = e.responseBody() == null ? "" : e.responseBody().replaceAll("\\s+", " ").strip();
    Matcher what = WHAT.matcher(body);
    if (what.find()) body = "error: " + what.group(1).replace("\\\"", "\"");
    else if (body.length() > 40) body = body.substring(0, 40) + "...";
    return (e.status() == 0 ? "no answer" : e.status() + (body.isEmpty() ? "" : " " + body))
        + (e.outcome() == null || e.outcome().equals("answered") ? "" : " (" + e.outcome() + ")");
  }

  private static Duration left(long until) {
    return Duration.ofNanos(Math.max(0, until - System.nanoTime()));
  }

  /** Waits until {@code t} ({@link System#nanoTime()}) or the end of the run, whichever comes first. */
  private synchronized void sleepUntil(long t) throws InterruptedException {
    long left;
    while (!ended && (left = t - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.timedWait(this, left);
  }
}
