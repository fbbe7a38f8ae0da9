package dev.baton.stress.harness;

import dev.baton.Coordinator;
import dev.baton.testing.CallCounter;
import dev.baton.testing.ConsulProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The stress and benchmark harness (command line). Against a Consul agent given by address, or a dev agent or
 * a 3-server cluster it starts itself on loopback, it runs N contenders in M child JVMs ({@link Contender}) for
 * T seconds on a lock, a semaphore, a read-write lock ({@code --read-ratio}) or an election; records every acquisition and release with its fencing
 * token on the shared monotonic clock; checks mutual exclusion (or the permit limit) and token order
 * ({@link Records}); and reports throughput, acquire and handoff latency, HTTP calls per acquisition and
 * session renewals — side by side with baselines measured in the same run on the same Consul: the raw HTTP
 * recipe ({@link RawLockClient}) and Consul's own {@code consul lock} ({@link ConsulLockLoops}). An optional
 * fault schedule kills (SIGKILL) or pauses (SIGSTOP/SIGCONT) a contender JVM, or acts on single HTTP requests of
 * one through a fault proxy in front of its agent ({@link Nemesis}), every K seconds; on {@code consul lock} runs
 * it kills the {@code consul lock} process that holds the lock. Baton runs with plain sessions ({@code baton}) or
 * health-bound ones ({@code baton-health}).
 *
 * <p>Output: progress and a summary on the terminal; {@code summary.txt}, {@code summary.json},
 * {@code chart.html} (self-contained SVG) and the raw records under {@code target/stress-runs/<stamp>/}.
 * Exit code 0: every run completed without a violation; 1: a violation; 2: a run failed. {@code --help} lists
 * the options; {@code stress/README.md} explains the checker's rules and the targets.
 */
public final class StressHarness {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
  static final List<String> IMPLS = List.of("baton", "baton-health", "raw", "consul-lock");

  /** The command line. */
  static final class Options {
    String primitive = "lock";
    int permits = 2;
    /** The share of a read-write lock's acquisitions that read. */
    double readRatio = 0.9;
    int[] contenders = {4};
    int jvms = 2;
    double seconds = 20;
    double warmup = 2;
    double holdMs = 0;
    String consul = "dev";
    List<String> impls;
    List<String> faults = List.of();
    double faultEvery = 10;
    double pauseFor = 20;
    boolean restartAfterKill = true;
    Double sessionTtl;
    Double lockDelay;
    double healthCheckTtl = 2;
    Path out;
    boolean probe = true;
    long seed = 1;
    /** The CI preset given, if any ({@code --smoke}, {@code --smoke-nemesis}). */
    String preset = "";
    List<String> faultRequests = List.of("acquire", "release", "renew");
    Nemesis.Range holdFor = new Nemesis.Range(0.5, 6);
    Nemesis.Range delayFor = new Nemesis.Range(0.2, 2);
    Nemesis.Range blackholeFor = new Nemesis.Range(1, 5);
    long minAcquisitions;
    long untilAcquisitions;

    int limit() {
      return primitive.equals("semaphore") ? permits : 1;
    }

    /** Whether any fault of the list acts on the network (through the contenders' proxies). */
    boolean networkFaults() {
      return faults.stream().anyMatch(Nemesis.KINDS::contains);
    }
  }

  /** Baton in contender JVMs: {@code baton}, or {@code baton-health} (a health-bound session). */
  static boolean isBaton(String impl) {
    return impl.startsWith("baton");
  }

  /**
   * One fault of the schedule, times relative to the run's start. Its target is contender JVM {@code jvm}, the
   * incarnation {@code incarnation} of it, or ({@code unit} "contender": {@code consul lock}) a loop's contender
   * number and the number of its process.
   */
  record Fault(double at, String kind, int jvm, int incarnation, boolean holder, double duration, String note,
      String unit) {
    Fault(double at, String kind, int jvm, int incarnation, boolean holder, double duration, String note) {
      this(at, kind, jvm, incarnation, holder, duration, note, "jvm");
    }

    String target() {
      return unit + jvm + "#" + incarnation;
    }
  }

  /**
   * The session settings of an implementation: Baton's as the library resolved them ({@code checkTtl} for a
   * health-bound session, else null), {@code consul lock}'s as it creates its sessions.
   */
  record SessionSettings(Duration ttl, Duration lockDelay, Duration checkTtl) {
    /** {@code consul lock}: session TTL 15 s (its default), Consul's default lock-delay of 15 s. */
    static final SessionSettings CONSUL_LOCK = new SessionSettings(Duration.ofSeconds(15), Duration.ofSeconds(15), null);

    /**
     * How long a lease stays valid after a session renewal: min(TTL, lock-delay), the TTL when the lock-delay is 0
     * (the library's deadline; the checker's rule 4).
     */
    Duration validity() {
      return lockDelay.isZero() || lockDelay.compareTo(ttl) >= 0 ? ttl : lockDelay;
    }

    String describe() {
      return (checkTtl == null ? "" : "check TTL " + Report.num(seconds(checkTtl)) + " s, ") + "session TTL "
          + Report.num(seconds(ttl)) + " s, lock-delay " + Report.num(seconds(lockDelay)) + " s";
    }

    static double seconds(Duration d) {
      return d.toMillis() / 1000.0;
    }
  }

  /** One measured run: an implementation at one contender count. */
  static final class RunResult {
    final String impl;
    final int n;
    final int jvms;
    final Records.Analysis analysis;
    final List<Fault> faults;
    final String error;
    final String note;

    RunResult(String impl, int n, int jvms, Records.Analysis analysis, List<Fault> faults, String error, String note) {
      this.impl = impl;
      this.n = n;
      this.jvms = jvms;
      this.analysis = analysis;
      this.faults = faults;
      this.error = error;
      this.note = note;
    }

    boolean ok() {
      return error == null && analysis != null;
    }

    String label() {
      return impl + " N=" + n;
    }
  }

  /** The uncontended probe of one implementation: one thread, session already created. */
  record Probe(String impl, int cycles, long[] cycleLatency, long[] acquireLatency, double acquireCalls,
      double releaseCalls, double backgroundCalls) {}

  final Options o;
  final String runId = LocalDateTime.now().format(STAMP);
  final Path dir;
  final PrintWriter out;
  private final StringWriter transcript = new StringWriter();
  private final Random random;
  Path binary;
  String consulVersion = "?";
  String consulDescription;
  String loadStart;
  String loadEnd;
  /** Per implementation with sessions (Baton's, {@code consul lock}). */
  final Map<String, SessionSettings> sessions = new LinkedHashMap<>();
  final List<Probe> probes = new ArrayList<>();
  final List<RunResult> results = new ArrayList<>();
  String clusterNote = "";
  /** The network nemesis of the run in progress (Baton runs with network faults), else null. */
  private volatile Nemesis nemesis;

  private StressHarness(Options o) {
    this.o = o;
    this.dir = (o.out != null ? o.out : Path.of("target", "stress-runs")).resolve(runId).toAbsolutePath();
    this.out = new PrintWriter(new Tee(new PrintWriter(System.out, true, StandardCharsets.UTF_8), transcript), true);
    this.random = new Random(o.seed);
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("StressHarness: " + e.getMessage() + " (try --help)");
      System.exit(64);
      return;
    }
    if (o == null) return;
    System.exit(new StressHarness(o).run());
  }

  static final String USAGE = """
      StressHarness [options]            (stress/README.md has the details)
        --smoke                  CI preset: lock, 4 contenders in 2 JVMs, 20 s, dev agent, no baselines
        --smoke-nemesis          CI preset: lock, 4 contenders in 2 JVMs, 30 s, dev agent, Baton only, no
                                 warm-up or probe, session TTL 10 s, --faults net every 0.5 s
        --primitive P            lock | semaphore | election | rwlock (default lock)
        --permits P              semaphore permits (default 2)
        --read-ratio R           rwlock: share of acquisitions that take the read lock (default 0.9)
        --contenders N[,N...]    contenders in total, one run per count (default 4)
        --jvms M                 contender JVMs (default 2; at most N)
        --seconds T              measured time per run (default 20)
        --warmup S               warm-up before each run, on another key (default 2)
        --hold-ms H              time each holder keeps the lock (default 0)
        --consul C               dev | cluster | http://HOST:PORT of a running agent (default dev)
        --impls LIST             of baton,baton-health,raw,consul-lock (default: lock baton,raw,consul-lock;
                                 semaphore baton,consul-lock; election baton); baton-health: Baton with a
                                 health-bound session (--health-check-ttl)
        --faults LIST            faults taken in turn, one every K seconds (default none); Baton runs take all
                                 of them, consul-lock runs the kills only (the others are skipped there):
                                   kill, pause                 SIGKILL / SIGSTOP a contender JVM; consul-lock:
                                                               SIGKILL the `consul lock` process holding the
                                                               lock (and its child), the loop starts the next
                                   hold, drop-response, duplicate, duplicate-late, delay, reset, blackhole
                                                               network faults on one request of a contender
                                                               JVM, through a proxy in front of its agent
                                   net                         all seven network faults
        --fault-every K          seconds between faults (default 10; fractions allowed)
        --pause-for D            seconds a paused JVM stays stopped (default 20)
        --after-kill restart|continue   restart a killed JVM (default) or go on with fewer
        --fault-requests LIST    which writes a network fault may hit, one drawn per fault (default
                                 acquire,release,renew): acquire = /v1/txn lock|cas, PUT kv ?acquire;
                                 release = PUT kv ?release, DELETE kv, /v1/txn unlock|delete*;
                                 renew = PUT /v1/session/renew; write = any of these or any PUT kv
        --hold-for MIN-MAX       hold: seconds a request is held back before it lands; duplicate-late:
                                 seconds until the copy is sent (default 0.5-6; the client gives up at 3)
        --delay-for MIN-MAX      delay: seconds added to 1-3 requests or their answers (default 0.2-2)
        --blackhole-for MIN-MAX  blackhole: seconds all traffic of a JVM is swallowed (default 1-5)
        --until-acquisitions A   end a run of Baton or the raw recipe early once A acquisitions are counted
                                 (checked with each progress line); --seconds is then the limit
        --min-acquisitions A     a run with fewer acquisitions fails (exit 2; default 0)
        --session-ttl S          Baton's session TTL (default the library's, 15 s)
        --lock-delay S           Baton's lock-delay (default the library's)
        --health-check-ttl S     baton-health's check TTL (default 2; the lock-delay follows it unless given)
        --no-probe               skip the uncontended probe
        --seed S                 every random choice of the fault schedule (default 1)
        --out DIR                output goes to DIR/<timestamp>/ (default target/stress-runs)
      Exit code: 0 no violation, 1 a violation, 2 a run failed.""";

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "" -> { continue; }
        case "-h", "--help" -> {
          System.out.println(USAGE);
          return null;
        }
        case "--smoke" -> {
          o.preset = a;
          o.primitive = "lock";
          o.contenders = new int[] {4};
          o.jvms = 2;
          o.seconds = 20;
          o.warmup = 1;
          o.consul = "dev";
          o.impls = List.of("baton");
          continue;
        }
        case "--smoke-nemesis" -> {
          o.preset = a;
          o.primitive = "lock";
          o.contenders = new int[] {4};
          o.jvms = 2;
          o.seconds = 30;
          o.warmup = 0;
          o.consul = "dev";
          o.impls = List.of("baton");
          o.faults = Nemesis.KINDS;
          o.faultEvery = 0.5;
          o.sessionTtl = 10.0;
          o.probe = false;
          continue;
        }
        case "--no-probe" -> {
          o.probe = false;
          continue;
        }
        default -> { }
      }
      if (v == null) throw new IllegalArgumentException("unknown option or missing value: " + a);
      i++;
      switch (a) {
        case "--primitive" -> o.primitive = oneOf(a, v, "lock", "semaphore", "election", "rwlock");
        case "--permits" -> o.permits = Integer.parseInt(v);
        case "--read-ratio" -> o.readRatio = Double.parseDouble(v);
        case "--contenders" -> o.contenders = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--jvms" -> o.jvms = Integer.parseInt(v);
        case "--seconds" -> o.seconds = Double.parseDouble(v);
        case "--warmup" -> o.warmup = Double.parseDouble(v);
        case "--hold-ms" -> o.holdMs = Double.parseDouble(v);
        case "--consul" -> o.consul = v;
        case "--impls" -> o.impls = List.of(v.split(","));
        case "--faults" -> o.faults = faultList(v);
        case "--fault-requests" -> o.faultRequests = List.of(v.split(","));
        case "--hold-for" -> o.holdFor = Nemesis.Range.parse(a, v);
        case "--delay-for" -> o.delayFor = Nemesis.Range.parse(a, v);
        case "--blackhole-for" -> o.blackholeFor = Nemesis.Range.parse(a, v);
        case "--min-acquisitions" -> o.minAcquisitions = Long.parseLong(v);
        case "--until-acquisitions" -> o.untilAcquisitions = Long.parseLong(v);
        case "--fault-every" -> o.faultEvery = Double.parseDouble(v);
        case "--pause-for" -> o.pauseFor = Double.parseDouble(v);
        case "--after-kill" -> o.restartAfterKill = oneOf(a, v, "restart", "continue").equals("restart");
        case "--session-ttl" -> o.sessionTtl = Double.parseDouble(v);
        case "--lock-delay" -> o.lockDelay = Double.parseDouble(v);
        case "--health-check-ttl" -> o.healthCheckTtl = Double.parseDouble(v);
        case "--seed" -> o.seed = Long.parseLong(v);
        case "--out" -> o.out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option: " + a);
      }
    }
    if (o.impls == null) {
      o.impls = switch (o.primitive) {
        case "lock" -> List.of("baton", "raw", "consul-lock");
        case "semaphore" -> List.of("baton", "consul-lock");
        default -> List.of("baton");
      };
    }
    for (String impl : o.impls) {
      oneOf("--impls", impl, IMPLS.toArray(String[]::new));
      if (impl.equals("raw") && !o.primitive.equals("lock")) {
        throw new IllegalArgumentException("the raw recipe is a lock: --impls raw needs --primitive lock");
      }
      if (impl.equals("consul-lock") && (o.primitive.equals("election") || o.primitive.equals("rwlock"))) {
        throw new IllegalArgumentException("consul lock has no " + o.primitive + ": drop it from --impls");
      }
    }
    List<String> kinds = new ArrayList<>(List.of("kill", "pause"));
    kinds.addAll(Nemesis.KINDS);
    for (String f : o.faults) oneOf("--faults", f, kinds.toArray(String[]::new));
    for (String r : o.faultRequests) oneOf("--fault-requests", r, Nemesis.TARGETS.toArray(String[]::new));
    for (int n : o.contenders) {
      if (n < 1) throw new IllegalArgumentException("--contenders must be positive: " + n);
    }
    if (o.jvms < 1) throw new IllegalArgumentException("--jvms must be positive");
    if (o.seconds <= 0 || o.faultEvery <= 0 || o.pauseFor <= 0) {
      throw new IllegalArgumentException("--seconds, --fault-every and --pause-for must be positive");
    }
    if (o.primitive.equals("semaphore") && o.permits < 1) throw new IllegalArgumentException("--permits >= 1");
    if (o.readRatio < 0 || o.readRatio > 1) throw new IllegalArgumentException("--read-ratio must be in [0, 1]");
    if (o.healthCheckTtl < 1) throw new IllegalArgumentException("--health-check-ttl must be at least 1 (s)");
    return o;
  }

  /** {@code --faults}: names in order, {@code net} standing for every network fault, {@code none} for none. */
  static List<String> faultList(String value) {
    if (value.equals("none")) return List.of();
    List<String> out = new ArrayList<>();
    for (String f : value.split(",")) {
      if (f.equals("net")) out.addAll(Nemesis.KINDS);
      else out.add(f);
    }
    return List.copyOf(out);
  }

  private static String oneOf(String option, String value, String... allowed) {
    if (!Arrays.asList(allowed).contains(value)) {
      throw new IllegalArgumentException(option + " must be one of " + String.join(", ", allowed) + ": " + value);
    }
    return value;
  }

  // ------------------------------------------------------------------------------------------------ run

  private int run() throws Exception {
    Files.createDirectories(dir);
    long started = System.nanoTime();
    loadStart = loadAverage();
    try {
      binary = ConsulProcess.findBinary();
      consulVersion = ConsulAgents.version(binary);
    } catch (IllegalStateException e) {
      binary = null;                                 // only an external agent can do without the binary
    }
    out.printf(Locale.ROOT, "Baton stress harness, run %s: %s, contenders %s in up to %d JVMs, %s s per run%s%n",
        runId, o.primitive + (o.primitive.equals("semaphore") ? " (" + o.permits + " permits)" : ""),
        joined(o.contenders), o.jvms, Report.num(o.seconds), o.preset.isEmpty() ? "" : " [" + o.preset + "]");
    out.println("  output: " + dir);
    out.printf("  machine: %d CPUs, load average %s (other work on the machine moves absolute figures; compare "
        + "within the run)%n", Runtime.getRuntime().availableProcessors(), loadStart);
    try (ConsulAgents agents = startConsul()) {
      consulDescription = agents.describe() + ", " + consulVersion;
      out.println("  consul: " + consulDescription);
      URI address = agents.clientAddress();
      describeSessions(address);
      if (o.impls.contains("consul-lock") && o.faults.stream().anyMatch(f -> !f.equals("kill"))) {
        out.println("  consul-lock runs take the kills of --faults only; its other faults are skipped there");
      }
      String leaderBefore = agents.leader();
      if (o.probe && !o.primitive.equals("election")) probe(address);
      for (int n : o.contenders) {
        for (String impl : o.impls) {
          RunResult r = switch (impl) {
            case "consul-lock" -> runConsulLock(address, n);
            default -> runProcesses(address, impl, n);
          };
          results.add(r);
          out.println("   " + Report.oneLine(r));
        }
      }
      if (agents.kind().equals("cluster")) {
        String leaderAfter = agents.leader();
        clusterNote = agents.clientIsFollower() && leaderAfter.equals(leaderBefore)
            ? "the client agent stayed a follower; leader " + leaderAfter + " throughout"
            : "WARNING: leadership changed during the run (" + leaderBefore + " -> " + leaderAfter + ")";
      }
    }
    loadEnd = loadAverage();
    Report report = new Report(this);
    out.println();
    report.print(out);
    out.printf(Locale.ROOT, "%nTotal time %.0f s. Machine load average at end: %s%n", (System.nanoTime() - started) / 1e9,
        loadEnd);
    out.println("Output: " + dir + " (summary.txt, summary.json, chart.html, records-*.txt, logs)");
    out.flush();
    Files.writeString(dir.resolve("summary.txt"), transcript.toString());
    report.writeJson(dir.resolve("summary.json"));
    Chart.write(dir.resolve("chart.html"), this, transcript.toString());
    boolean violation = results.stream().anyMatch(r -> r.ok() && r.analysis.violationCount() > 0);
    boolean failed = results.stream().anyMatch(r -> !r.ok() || r.analysis.count() == 0
        || r.analysis.count() < o.minAcquisitions);
    return violation ? 1 : failed ? 2 : 0;
  }

  private ConsulAgents startConsul() throws IOException, InterruptedException {
    if (o.consul.startsWith("http://") || o.consul.startsWith("https://")) {
      return ConsulAgents.external(URI.create(o.consul));
    }
    if (binary == null) throw new IllegalStateException("No Consul binary: set CONSUL_BINARY");
    out.println("  starting Consul (" + o.consul + ") ...");
    return switch (o.consul) {
      case "dev" -> ConsulAgents.startDev(binary, dir.resolve("consul"));
      case "cluster" -> ConsulAgents.startCluster(binary, dir.resolve("consul"));
      default -> throw new IllegalArgumentException("--consul must be dev, cluster or an http(s):// address: "
          + o.consul);
    };
  }

  /** A Coordinator of Baton implementation {@code impl} as the contenders build it. */
  private Coordinator.Builder batonBuilder(URI address, String owner, String impl) {
    Coordinator.Builder b = Coordinator.builder().address(address).keyPrefix("baton-stress/").ownerId(owner);
    if (o.sessionTtl != null) b.sessionTtl(duration(o.sessionTtl));
    if (o.lockDelay != null) b.lockDelay(duration(o.lockDelay));
    if (impl.equals("baton-health")) b.healthCheckTtl(duration(o.healthCheckTtl));
    return b;
  }

  private static Duration duration(double seconds) {
    return Duration.ofMillis((long) (seconds * 1000));
  }

  /** Baton's session settings as the library resolves them (plain Baton always: the summary's header), consul lock's. */
  private void describeSessions(URI address) {
    for (String impl : o.impls.contains("baton-health") ? List.of("baton", "baton-health") : List.of("baton")) {
      try (Coordinator c = batonBuilder(address, "stress-describe", impl).build()) {
        sessions.put(impl, new SessionSettings(c.sessionTtl(), c.lockDelay(),
            impl.equals("baton-health") ? duration(o.healthCheckTtl) : null));
      }
    }
    if (o.impls.contains("consul-lock")) sessions.put("consul-lock", SessionSettings.CONSUL_LOCK);
    sessions.forEach((impl, s) -> out.printf("  %s: %s%n", impl, s.describe()));
    out.println("  library " + Report.libraryOrigin());
  }

  SessionSettings baton() {
    return sessions.get("baton");
  }

  // ------------------------------------------------------------------------------------------------ probe

  private interface Cycle {
    /** Acquires; answers the release. */
    AutoCloseable acquire() throws Exception;
  }

  /**
   * Uncontended acquire + release in this JVM, one thread, session created beforehand. Every implementation
   * is warmed up first (500 cycles, {@code -Dprobe.warmup=N}: compiled code, as in a running service), then
   * measured in alternating batches, so that load and drift of the shared machine hit all of them alike.
   */
  private void probe(URI address) throws Exception {
    String key = "probe-" + o.primitive + "-" + runId;
    CallCounter p = new CallCounter();
    try (Coordinator c = batonBuilder(address, "stress-probe", "baton").metrics(p).build();
         RawLockClient raw = o.impls.contains("raw") ? new RawLockClient(address, "stress-probe-raw") : null) {
      c.sessionId();
      Cycle baton = switch (o.primitive) {
        case "semaphore" -> () -> c.semaphore(key, o.permits).acquire();
        case "rwlock" -> () -> c.readWriteLock(key).writeLock().acquire();
        default -> () -> c.lock(key).acquire();
      };
      List<ProbeLoop> loops = new ArrayList<>();
      loops.add(new ProbeLoop("baton", baton, p::onThisThread, p::all));
      if (raw != null) {
        byte[] value = RawLockClient.value("stress-probe-raw");
        String rawKey = "baton-stress/" + key + "-raw";
        loops.add(new ProbeLoop("raw", () -> {
          raw.acquire(rawKey, value);
          return () -> raw.release(rawKey);
        }, raw::requests, raw::requests));
      }
      for (ProbeLoop loop : loops) loop.run(Integer.getInteger("probe.warmup", 500), false);
      for (ProbeLoop loop : loops) loop.startMeasuring();
      for (int round = 0; round < 16; round++) {
        for (ProbeLoop loop : loops) loop.run(25, true);
      }
      Thread.sleep(200);                               // let the held-key monitor's last query come back
      for (ProbeLoop loop : loops) probes.add(loop.result());
    }
    for (Probe pr : probes) {
      out.printf(Locale.ROOT, "  uncontended %-5s: cycle p50 %s ms, acquire p50 %s ms, HTTP calls per acquire %s "
          + "(acquiring thread), per release %s, background %s per cycle%n", pr.impl,
          Stats.ms(Stats.percentile(pr.cycleLatency, 50) / 1e6), Stats.ms(Stats.percentile(pr.acquireLatency, 50) / 1e6),
          Stats.num(pr.acquireCalls, 2), Stats.num(pr.releaseCalls, 2), Stats.num(pr.backgroundCalls, 2));
    }
  }

  /** The uncontended cycles of one implementation, run in batches. */
  private static final class ProbeLoop {
    final String impl;
    final Cycle cycle;
    final LongSupplier threadCalls;
    final LongSupplier allCalls;
    final Stats.LongList total = new Stats.LongList();
    final Stats.LongList acquire = new Stats.LongList();
    long acqCalls;
    long relCalls;
    long all0;
    int cycles;

    ProbeLoop(String impl, Cycle cycle, LongSupplier threadCalls, LongSupplier allCalls) {
      this.impl = impl;
      this.cycle = cycle;
      this.threadCalls = threadCalls;
      this.allCalls = allCalls;
    }

    void startMeasuring() {
      all0 = allCalls.getAsLong();
    }

    void run(int n, boolean measure) throws Exception {
      for (int i = 0; i < n; i++) {
        long c0 = threadCalls.getAsLong();
        long t0 = System.nanoTime();
        AutoCloseable release = cycle.acquire();
        long t1 = System.nanoTime();
        long c1 = threadCalls.getAsLong();
        release.close();
        long t2 = System.nanoTime();
        if (!measure) continue;
        cycles++;
        acqCalls += c1 - c0;
        relCalls += threadCalls.getAsLong() - c1;
        total.add(t2 - t0);
        acquire.add(t1 - t0);
      }
    }

    Probe result() {
      long all = allCalls.getAsLong() - all0;
      boolean known = threadCalls.getAsLong() >= 0;
      return new Probe(impl, cycles, total.sorted(), acquire.sorted(),
          known ? acqCalls / (double) cycles : Double.NaN, known ? relCalls / (double) cycles : Double.NaN,
          known ? Math.max(0, all - acqCalls - relCalls) / (double) cycles : Double.NaN);
    }
  }

  // ------------------------------------------------------------------------------------------------ child JVMs

  /** Baton (either) or the raw recipe in child JVMs, with the fault schedule for Baton. */
  private RunResult runProcesses(URI address, String impl, int n) {
    int m = Math.min(o.jvms, n);
    String tag = impl + "-n" + n;
    String name = o.primitive + "-" + tag + "-" + runId;
    List<ContenderJvm> all = new CopyOnWriteArrayList<>();
    ContenderJvm[] current = new ContenderJvm[m + 1];
    Map<String, Long> killedAt = new HashMap<>();
    List<Fault> faults = new CopyOnWriteArrayList<>();
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "harness-timer");
      t.setDaemon(true);
      return t;
    });
    Nemesis net = isBaton(impl) && o.networkFaults() ? new Nemesis(address) : null;
    nemesis = net;
    try {
      for (int jvm = 1; jvm <= m; jvm++) {
        current[jvm] = startChild(address, impl, tag, jvm, 0, threadsOf(n, m, jvm));
        all.add(current[jvm]);
      }
      for (int jvm = 1; jvm <= m; jvm++) current[jvm].await("READY", 60);
      if (o.warmup > 0) {
        long ws = System.nanoTime() + 300_000_000L;
        long we = ws + (long) (o.warmup * 1e9);
        for (int jvm = 1; jvm <= m; jvm++) current[jvm].send("RUN w-" + name + " " + ws + " " + we + " -");
        for (int jvm = 1; jvm <= m; jvm++) current[jvm].await("FINISHED", o.warmup + 120);
      }
      long start = System.nanoTime() + 300_000_000L;
      long end = start + (long) (o.seconds * 1e9);
      AtomicLong endAt = new AtomicLong(end);      // --until-acquisitions moves it earlier
      for (int jvm = 1; jvm <= m; jvm++) {
        current[jvm].send("RUN " + name + " " + start + " " + end + " " + current[jvm].records);
      }
      Thread faulter = null;
      if (net != null) {
        net.startRun(end);
        timers.scheduleAtFixedRate(net::trimLogs, 2, 2, TimeUnit.SECONDS);
      }
      if (isBaton(impl) && !o.faults.isEmpty()) {
        faulter = faultThread(start, endAt, (kind, at, due) -> processFault(address, impl, tag, n, m, name, kind, at,
            start, due, endAt, current, all, killedAt, faults, timers));
      }
      long stopped = progressUntil(impl + " N=" + n, start, end,
          () -> all.stream().mapToLong(ContenderJvm::progress).sum(), faults, o.untilAcquisitions);
      if (stopped < end) {
        endAt.set(stopped);
        for (ContenderJvm c : all) {
          if (c.alive()) c.send("STOP " + stopped);
        }
        out.printf(Locale.ROOT, "  %d acquisitions reached (--until-acquisitions): the run ends at %.1f s%n",
            o.untilAcquisitions, (stopped - start) / 1e9);
      }
      if (net != null) net.endRun();                 // held requests land now, black holes are lifted
      if (faulter != null) faulter.join(120_000);
      for (ContenderJvm c : all) {
        if (stopped < end && c.alive()) c.send("STOP " + stopped);   // also a JVM restarted meanwhile
      }
      for (ContenderJvm c : all) c.resume();
      for (int jvm = 1; jvm <= m; jvm++) {
        ContenderJvm c = current[jvm];
        if (c != null && c.alive()) c.await("FINISHED", Math.max(0, (endAt.get() - System.nanoTime()) / 1e9) + 90);
      }
      for (ContenderJvm c : all) {
        if (c.alive()) c.send("EXIT");
      }
      for (ContenderJvm c : all) {
        if (!c.awaitExit(Duration.ofSeconds(30))) c.destroy();
      }
      List<Records.Acquisition> acquisitions = new ArrayList<>();
      List<Records.Incarnation> incarnations = new ArrayList<>();
      for (ContenderJvm c : all) {
        Records.Incarnation inc = Records.read(c.records, c.jvm, c.incarnation, acquisitions);
        Long k = killedAt.get(c.jvm + "#" + c.incarnation);
        if (k != null) inc.killedAt = k;
        incarnations.add(inc);
      }
      long ttl = isBaton(impl) ? sessions.get(impl).validity().toNanos() : 0;
      Records.Analysis a = Records.analyze(acquisitions, incarnations, o.limit(), ttl, start, endAt.get(),
          faultTimes(faults, start));
      return new RunResult(impl, n, m, a, List.copyOf(faults), null, threadsNote(n, m));
    } catch (Exception e) {
      return new RunResult(impl, n, m, null, List.copyOf(faults), e.toString(), threadsNote(n, m));
    } finally {
      timers.shutdownNow();
      for (ContenderJvm c : all) c.destroy();
      if (net != null) net.close();
      nemesis = null;
    }
  }

  private static int threadsOf(int n, int m, int jvm) {
    return n / m + (jvm <= n % m ? 1 : 0);
  }

  private static String threadsNote(int n, int m) {
    return n % m == 0 ? n / m + " per JVM" : "unevenly: " + (n / m + 1) + "/" + n / m + " per JVM";
  }

  private ContenderJvm startChild(URI address, String impl, String tag, int jvm, int incarnation, int threads)
      throws IOException {
    List<String> args = new ArrayList<>(List.of(isBaton(impl) ? "baton" : impl, o.primitive, address.toString(),
        Integer.toString(threads), Integer.toString(jvm), Integer.toString(incarnation), "permits=" + o.permits,
        "holdMs=" + o.holdMs, "readRatio=" + o.readRatio));
    if (o.sessionTtl != null) args.add("ttl=" + o.sessionTtl);
    if (o.lockDelay != null) args.add("lockDelay=" + o.lockDelay);
    if (impl.equals("baton-health")) args.add("checkTtl=" + o.healthCheckTtl);
    Nemesis net = nemesis;
    if (net != null) args.set(2, net.address(jvm).toString());   // the slot's fault proxy, in front of the agent
    String base = tag + "-jvm" + jvm + "-" + incarnation;
    return ContenderJvm.start(jvm, incarnation, args, dir.resolve("contender-" + base + ".log"),
        dir.resolve("records-" + base + ".txt"));
  }

  /** What the fault schedule does at one fault: {@code at} is when it was due, {@code end} the run's end then. */
  private interface FaultAction {
    void fault(String kind, long at, long end) throws IOException, InterruptedException;
  }

  /**
   * Starts the fault schedule's thread: every {@code faultEvery} seconds the next fault of the list (in turn),
   * none later than 1 s before the end of the run.
   */
  private Thread faultThread(long start, AtomicLong endAt, FaultAction action) {
    Thread t = new Thread(() -> {
      try {
        for (int k = 1; ; k++) {
          long at = start + (long) (k * o.faultEvery * 1e9);
          if (at > endAt.get() - 1_000_000_000L) return;
          sleepUntil(at);
          long end = endAt.get();
          if (at > end - 1_000_000_000L) return;
          action.fault(o.faults.get((k - 1) % o.faults.size()), at, end);
        }
      } catch (IOException | InterruptedException | RuntimeException e) {
        out.println("    fault schedule stopped: " + e);
      }
    }, "harness-faults");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Fault {@code kind} on a Baton run: kill or pause one contender JVM, or arm a network fault ({@link #networkFault}). */
  private void processFault(URI address, String impl, String tag, int n, int m, String name, String kind, long at,
      long start, long end, AtomicLong endAt, ContenderJvm[] current, List<ContenderJvm> all, Map<String, Long> killedAt,
      List<Fault> faults, ScheduledExecutorService timers) throws IOException, InterruptedException {
    List<ContenderJvm> candidates = new ArrayList<>();
    for (int jvm = 1; jvm <= m; jvm++) {
      ContenderJvm c = current[jvm];
      if (c != null && c.alive() && !c.paused) candidates.add(c);
    }
    if (candidates.isEmpty()) return;
    if (Nemesis.KINDS.contains(kind)) {
      networkFault(impl, kind, candidates, at, start, end, faults, tag);
      return;
    }
    List<ContenderJvm> holders = candidates.stream().filter(c -> Records.holdsNow(c.records)).toList();
    List<ContenderJvm> pool = holders.isEmpty() ? candidates : holders;
    ContenderJvm target = pool.get(random.nextInt(pool.size()));
    double rel = (System.nanoTime() - start) / 1e9;
    if (kind.equals("kill")) {
      long gone = target.kill();
      killedAt.put(target.jvm + "#" + target.incarnation, gone);
      boolean holder = Records.holdsNow(target.records);   // holding when the signal landed?
      String note = holders.isEmpty() || holder ? "" : "it released before the signal landed; ";
      if (o.restartAfterKill && end - System.nanoTime() > 3_000_000_000L) {
        long t0 = System.nanoTime();
        ContenderJvm next = startChild(address, impl, tag, target.jvm, target.incarnation + 1,
            threadsOf(n, m, target.jvm));
        all.add(next);
        next.await("READY", 60);
        current[target.jvm] = next;
        if (end - System.nanoTime() > 500_000_000L) {
          next.send("RUN " + name + " " + System.nanoTime() + " " + endAt.get() + " " + next.records);
          note += String.format(Locale.ROOT, "restarted as jvm%d#%d, running %.1f s later", next.jvm,
              next.incarnation, (System.nanoTime() - t0) / 1e9);
        } else {
          note += "restarted too late to take part";
        }
      } else {
        current[target.jvm] = null;
        note += "not restarted";
      }
      logKill(tag, faults, new Fault(rel, "kill", target.jvm, target.incarnation, holder, 0, note));
    } else {
      target.pause();
      boolean holder = Records.holdsNow(target.records);
      long resumeAt = Math.min(System.nanoTime() + (long) (o.pauseFor * 1e9), end);
      double duration = (resumeAt - System.nanoTime()) / 1e9;
      timers.schedule(() -> {
        try {
          target.resume();
        } catch (IOException | InterruptedException e) {
          out.println("    could not resume jvm" + target.jvm + ": " + e);
        }
      }, Math.max(0, resumeAt - System.nanoTime()), TimeUnit.NANOSECONDS);
      String note = (holders.isEmpty() || holder ? "" : "it released before the signal landed")
          + (duration < o.pauseFor - 0.01 ? (holders.isEmpty() || holder ? "" : "; ") + "cut short by the end of the run"
          : "");
      logFault(tag, faults, new Fault(rel, "pause", target.jvm, target.incarnation, holder, duration, note),
          String.format(Locale.ROOT, "fault at %.1f s: pause jvm%d#%d%s for %.1f s%s", rel, target.jvm,
          target.incarnation, holder ? " (holder)" : "", duration, note.isEmpty() ? "" : " (" + note + ")"));
    }
  }

  /** A kill ({@link Fault#note} says what happened next): listed, printed and written to the faults file. */
  private void logKill(String tag, List<Fault> faults, Fault kill) {
    logFault(tag, faults, kill, String.format(Locale.ROOT, "fault at %.1f s: kill %s%s; %s", kill.at(), kill.target(),
        kill.holder() ? " (holder)" : "", kill.note()));
  }

  private void logFault(String tag, List<Fault> faults, Fault fault, String line) {
    faults.add(fault);
    out.println("    " + line);
    faultLog(tag, line);
  }

  /**
   * Arms network fault {@code kind} on the proxy of a random running JVM, for a random class of writes
   * ({@code --fault-requests}) with random durations (all drawn from the seeded {@link #random} here, in the
   * schedule's thread). It stays armed until it acted, at most max(K, V / 2) seconds, V the lease validity after a
   * renewal (the TTL, or a shorter lock-delay; renewals come every V / 3) and never past the end of the run; the
   * fault is listed when armed and completed when over.
   */
  private void networkFault(String impl, String kind, List<ContenderJvm> candidates, long at, long start, long end,
      List<Fault> faults, String tag) {
    Nemesis net = nemesis;
    if (net == null) return;
    ContenderJvm target = candidates.get(random.nextInt(candidates.size()));
    String requests = o.faultRequests.get(random.nextInt(o.faultRequests.size()));
    Nemesis.Plan plan = switch (kind) {
      case "hold", "duplicate-late" -> new Nemesis.Plan(kind, target.jvm, requests, o.holdFor.pick(random), 1, false);
      case "delay" -> new Nemesis.Plan(kind, target.jvm, requests, o.delayFor.pick(random), 1 + random.nextInt(3),
          random.nextBoolean());
      case "blackhole" -> new Nemesis.Plan(kind, target.jvm, "all", o.blackholeFor.pick(random), 1, false);
      default -> new Nemesis.Plan(kind, target.jvm, requests, 0, 1, false);
    };
    long window = Math.max((long) (o.faultEvery * 1e9), sessions.get(impl).validity().toNanos() / 2);
    long armedUntil = Math.min(at + window, end - 500_000_000L);
    double rel = (System.nanoTime() - start) / 1e9;
    Fault armed = new Fault(rel, kind, target.jvm, target.incarnation, false, 0, "armed: " + plan.describe());
    faults.add(armed);
    net.arm(plan, armedUntil, outcome -> {
      String note = (outcome.acted() ? plan.target() + ": " : "") + outcome.note();
      Fault done = new Fault(outcome.acted() ? (outcome.actedAt() - start) / 1e9 : rel, kind, target.jvm,
          target.incarnation, false, outcome.seconds(), (outcome.acted() ? "" : "not acted: " + plan.describe()
          + "; ") + note);
      synchronized (faults) {
        for (int i = 0; i < faults.size(); i++) {
          if (faults.get(i) == armed) faults.set(i, done);
        }
      }
      String line = String.format(Locale.ROOT, "fault armed at %.2f s: %s jvm%d#%d (%s): %s%s", rel, kind,
          target.jvm, target.incarnation, plan.describe(), outcome.acted()
          ? String.format(Locale.ROOT, "acted at %.2f s: ", done.at()) : "", note);
      faultLog(tag, line);
      if (o.seconds <= 60) out.println("    " + line);
    });
  }

  /** Appends one line to {@code faults-<tag>.txt} (every fault of the run, however many). */
  private synchronized void faultLog(String tag, String line) {
    try {
      Files.writeString(dir.resolve("faults-" + tag + ".txt"), line + System.lineSeparator(), StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the summary still lists the faults
    }
  }

  // ------------------------------------------------------------------------------------------------ consul lock

  private RunResult runConsulLock(URI address, int n) {
    if (binary == null) return new RunResult("consul-lock", n, 0, null, List.of(), "no consul binary", "");
    String tag = "consul-lock-n" + n;
    String name = o.primitive + "-" + tag + "-" + runId;
    Path file = dir.resolve("records-" + tag + ".txt");
    long start = System.nanoTime() + 300_000_000L;
    long end = start + (long) (o.seconds * 1e9);
    ConsulLockLoops loops = new ConsulLockLoops(binary, address, "baton-stress/" + name,
        o.primitive.equals("semaphore") ? o.permits : 1, o.holdMs, start, end);
    List<Fault> faults = new CopyOnWriteArrayList<>();
    try {
      Thread runner = new Thread(() -> {
        try {
          loops.run(n, file);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "consul-lock-loops");
      runner.start();
      Thread faulter = o.faults.contains("kill") ? faultThread(start, new AtomicLong(end), (kind, at, e) -> {
        if (kind.equals("kill")) killConsulLock(loops, start, tag, faults);
      }) : null;
      progressUntil("consul-lock N=" + n, start, end, loops.acquisitions::get, faults, 0);
      if (faulter != null) faulter.join();
      runner.join();
      List<Records.Acquisition> acquisitions = new ArrayList<>();
      Records.Incarnation inc = Records.read(file, 0, 0, acquisitions);
      inc.errors = (int) loops.errors.get();
      inc.firstError = loops.firstError;
      Records.Analysis a = Records.analyze(acquisitions, List.of(inc), o.limit(), 0, start, end,
          faultTimes(faults, start));
      String note = String.format(Locale.ROOT, "%d processes; wall-clock offset drift %.3f ms", n,
          (loops.offsetEnd - loops.offsetStart) / 1e6);
      return new RunResult("consul-lock", n, 0, a, List.copyOf(faults), null, note);
    } catch (Exception e) {
      return new RunResult("consul-lock", n, 0, null, List.copyOf(faults), e.toString(), "");
    }
  }

  /**
   * A kill on a {@code consul lock} run: the process holding the lock (else a random one); its loop goes on. The
   * fault's time is the kill's: a holder's critical section may have begun (first stamp) after it was chosen.
   */
  private void killConsulLock(ConsulLockLoops loops, long start, String tag, List<Fault> faults)
      throws InterruptedException {
    ConsulLockLoops.Killed k = loops.kill(random);
    if (k == null) return;
    logKill(tag, faults, new Fault((k.at() - start) / 1e9, "kill", k.contender(), k.process(), k.holder(), 0,
        "the loop starts its next process", "contender"));
  }

  /** The faults' times on the monotonic clock (for the analysis: a gap with a fault in it is a failover). */
  static long[] faultTimes(List<Fault> faults, long start) {
    return faults.stream().mapToLong(f -> start + (long) (f.at() * 1e9)).toArray();
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /**
   * Prints progress every 2 s (5 s for long runs) until {@code end}, or until {@code untilCount} (if positive)
   * is reached; answers when it stopped.
   */
  private long progressUntil(String label, long start, long end, LongSupplier count, List<Fault> faults,
      long untilCount) throws InterruptedException {
    long every = (long) ((o.seconds > 40 ? 5 : 2) * 1e9);
    long lastT = start;
    long lastN = 0;
    for (long t = start + every; ; t += every) {
      long at = Math.min(t, end);
      sleepUntil(at);
      long c = count.getAsLong();
      out.printf(Locale.ROOT, "  [%5.1f/%s s] %-16s %7d acquisitions, %6.0f/s (last %.0f s: %.0f/s)%s%n",
          (at - start) / 1e9, Report.num(o.seconds), label, c, c / ((at - start) / 1e9), (at - lastT) / 1e9,
          (c - lastN) / ((at - lastT) / 1e9), faults.isEmpty() ? "" : ", faults " + faults.size());
      lastT = at;
      lastN = c;
      if (at >= end) return end;
      if (untilCount > 0 && c >= untilCount) return at;
    }
  }

  private static void sleepUntil(long t) throws InterruptedException {
    long left;
    while ((left = t - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.sleep(left);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String joined(int[] values) {
    return String.join(",", Arrays.stream(values).mapToObj(Integer::toString).toList());
  }

  /** Writes to the console and keeps a copy for summary.txt. */
  private static final class Tee extends Writer {
    private final Writer a;
    private final Writer b;

    Tee(Writer a, Writer b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
      a.write(cbuf, off, len);
      b.write(cbuf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
