package dev.baton.stress.bench;

import dev.baton.Coordinator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Issue 3's benchmark: Baton's lock against the raw Consul HTTP lock recipe ({@link RawLockClient}), measured
 * in the same run, on (a) one local {@code consul agent -dev} and (b) a local 3-server cluster (clients talk
 * to a follower). Prints figures, not a pass/fail test; it is not part of {@code mvn verify}.
 *
 * <ul>
 *   <li><b>Uncontended</b> (this JVM, one thread, session created beforehand): acquire + release cycles per
 *       second and cycle latency. Baton: {@code coordinator.lock(name).acquire()} + {@code close()}; raw:
 *       {@code PUT ?acquire} + {@code PUT ?release}. The two alternate in slices so drift hits both.</li>
 *   <li><b>Contended</b>: N contenders (2, 4, 8) in 2 child JVMs, N/2 threads each, looping acquire/release
 *       with no hold time. Baton: one {@link Coordinator} per JVM shared by its threads. Raw: every thread
 *       has its own session and its own HTTP connection. Every acquisition is recorded (token, acquire
 *       returned, release called/returned on the shared {@code System.nanoTime()} clock); the parent merges
 *       them, checks mutual exclusion and token order, and computes throughput and handoff latency.</li>
 * </ul>
 *
 * <p>Options: {@code --quick} (short runs for a smoke test), {@code --seconds S} (per configuration, default
 * 10), {@code --targets dev,cluster}, {@code --contenders 2,4,8}, {@code --work-dir DIR} (agents' data, logs,
 * records; default {@code target/bench}). Exit code 0 when every run completed with 0 violations, 1 otherwise.
 */
public final class LockBenchmark {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private final double seconds;
  private final double warmSeconds;
  private final List<String> targets;
  private final int[] contenders;
  private final Path workDir;
  private final boolean quick;
  private final PrintWriter out;
  private final StringWriter report = new StringWriter();
  private final String runId = LocalDateTime.now().format(STAMP);
  private boolean violations;
  private boolean failures;

  record Uncontended(String impl, long cycles, double seconds, long[] latencies, double requestsPerCycle) {
    double perSecond() {
      return cycles / seconds;
    }

    double meanMicros() {
      return seconds * 1e6 / cycles;
    }
  }

  record Contended(String impl, int n, Records records, double seconds, long requests, long refused,
      String error) {
    double perSecond() {
      return records == null ? Double.NaN : records.count() / seconds;
    }
  }

  record TargetResult(String target, String agents, Uncontended raw, Uncontended baton, Uncontended rawTxn,
      Map<Integer, Contended> rawContended, Map<Integer, Contended> batonContended, String note) {}

  private LockBenchmark(double seconds, double warmSeconds, List<String> targets, int[] contenders,
      Path workDir, boolean quick) {
    this.seconds = seconds;
    this.warmSeconds = warmSeconds;
    this.targets = targets;
    this.contenders = contenders;
    this.workDir = workDir;
    this.quick = quick;
    this.out = new PrintWriter(new TeeWriter(new PrintWriter(System.out, true, StandardCharsets.UTF_8), report),
        true);
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Double seconds = null;
    List<String> targets = List.of("dev", "cluster");
    int[] contenders = {2, 4, 8};
    Path workDir = Path.of("target", "bench");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "" -> { }
        case "--quick" -> quick = true;
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--targets" -> targets = List.of(args[++i].split(","));
        case "--contenders" -> contenders = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--work-dir" -> workDir = Path.of(args[++i]);
        case "-h", "--help" -> {
          System.out.println("LockBenchmark [--quick] [--seconds S] [--targets dev,cluster] [--contenders 2,4,8]"
              + " [--work-dir DIR]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown option: " + a + " (try --help)");
      }
    }
    for (int n : contenders) {
      if (n < 2 || n % 2 != 0) throw new IllegalArgumentException("contenders must be even and >= 2: " + n);
    }
    double s = seconds != null ? seconds : quick ? 2 : 10;
    double warm = quick ? 0.5 : 1.5;
    int code = new LockBenchmark(s, warm, targets, contenders, workDir.toAbsolutePath(), quick).run();
    System.exit(code);
  }

  private int run() throws Exception {
    Files.createDirectories(workDir);
    Path binary = ConsulAgents.findBinary();
    long started = System.nanoTime();
    out.printf(Locale.ROOT,
        "Baton lock benchmark %s: %s; %d CPUs; Java %s; %s s per configuration (warm-up %s s)%s%n", runId,
        ConsulAgents.version(binary), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        fmt(seconds), fmt(warmSeconds), quick ? " [--quick]" : "");
    out.println("Raw recipe: hand-written PUT ?acquire / blocking GET ?index / PUT ?release, OkHttp synchronous "
        + "calls,\n  one session and one persistent HTTP connection per contender; contenders are threads in 2 "
        + "JVMs (N/2 each), as for Baton.");
    out.println("Baton: Coordinator.lock(name).acquire() + Lease.close(); one Coordinator (one session) per JVM;\n  "
        + "library " + BatonProbe.libraryOrigin());
    out.println("Machine load average at start: " + loadAverage()
        + " (other work on the machine skews absolute figures; compare within the run)");
    List<TargetResult> results = new ArrayList<>();
    for (String target : targets) {
      Path dir = workDir.resolve(runId).resolve(target);
      out.printf("%n== %s: starting Consul ...%n", target);
      long t0 = System.nanoTime();
      try (ConsulAgents agents = switch (target) {
        case "dev" -> ConsulAgents.startDev(binary, dir);
        case "cluster" -> ConsulAgents.startCluster(binary, dir);
        default -> throw new IllegalArgumentException("unknown target: " + target);
      }) {
        out.printf(Locale.ROOT, "   %s, ready in %.1f s%n", agents.describe(), (System.nanoTime() - t0) / 1e9);
        results.add(measure(target, agents, dir));
      }
    }
    printSummary(results);
    out.println("Machine load average at end: " + loadAverage());
    out.printf(Locale.ROOT, "%nTotal time %.0f s. Agents' logs and the raw records: %s%n",
        (System.nanoTime() - started) / 1e9, workDir.resolve(runId));
    out.flush();
    Files.writeString(workDir.resolve(runId).resolve("report.txt"), report.toString());
    return violations || failures ? 1 : 0;
  }

  private TargetResult measure(String target, ConsulAgents agents, Path dir) throws Exception {
    URI address = agents.clientAddress();
    String leaderBefore = agents.leader();
    Uncontended[] u = uncontended(address, target);
    out.printf(Locale.ROOT,
        "   uncontended: raw %.0f/s (p50 %s ms), Baton %.0f/s (p50 %s ms, %.2f HTTP calls/cycle)%n",
        u[0].perSecond(), ms(Records.percentile(u[0].latencies, 50)), u[1].perSecond(),
        ms(Records.percentile(u[1].latencies, 50)), u[1].requestsPerCycle);
    Map<Integer, Contended> raw = new LinkedHashMap<>();
    Map<Integer, Contended> baton = new LinkedHashMap<>();
    for (int n : contenders) {
      for (String impl : List.of("raw", "baton")) {
        Contended c = contended(address, target, impl, n, dir);
        (impl.equals("raw") ? raw : baton).put(n, c);
        if (c.error != null) {
          failures = true;
          out.printf("   %-5s %d contenders: FAILED %s%n", impl, n, c.error);
          continue;
        }
        int overlaps = c.records.overlaps();
        int tokenBad = c.records.tokenViolations();
        if (overlaps > 0 || tokenBad > 0) violations = true;
        long[] h = c.records.handoffs(false);
        out.printf(Locale.ROOT,
            "   %-5s %d contenders: %6.0f acq/s, handoff p50 %s p99 %s ms, violations: overlap %d, token %s%n", impl, n,
            c.perSecond(), ms(Records.percentile(h, 50)), ms(Records.percentile(h, 99)), overlaps,
            tokenBad < 0 ? "n/a" : Integer.toString(tokenBad));
      }
    }
    String note = "";
    if (target.equals("cluster")) {
      String leaderAfter = agents.leader();
      note = agents.clientIsFollower() && leaderAfter.equals(leaderBefore)
          ? "the client agent stayed a follower; leader " + leaderAfter + " throughout"
          : "WARNING: leadership changed during the run (" + leaderBefore + " -> " + leaderAfter + ")";
    }
    return new TargetResult(target, agents.describe(), u[0], u[1], u[2], raw, baton, note);
  }

  // ------------------------------------------------------------------------------------------ uncontended

  private interface Cycle {
    void run() throws Exception;
  }

  /**
   * Raw recipe, Baton, and (diagnostic) the raw recipe acquiring with {@code /v1/txn} like Baton does,
   * alternating in 4 slices each after a warm-up, in this JVM. Answers {raw, baton, rawTxn}.
   */
  private Uncontended[] uncontended(URI address, String target) throws Exception {
    String suffix = target + "-" + runId;
    try (RawLockClient raw = new RawLockClient(address, "bench-uncontended-raw");
        Coordinator coordinator = Coordinator.builder().address(address).keyPrefix("baton-bench/")
            .ownerId("bench-uncontended-baton").build()) {
      coordinator.sessionId();
      String rawKey = "baton-bench/u-raw-" + suffix;
      String txnKey = "baton-bench/u-rawtxn-" + suffix;
      byte[] value = RawLockClient.value("bench-uncontended-raw");
      // about the size of Baton's holder value (JSON: owner, host, time, session)
      byte[] txnValue = RawLockClient.value("{\"ownerId\":\"bench-uncontended-raw\",\"host\":\"localhost\","
          + "\"acquiredAt\":1764000000000,\"session\":\"00000000-0000-0000-0000-000000000000\"}");
      String batonName = "u-baton-" + suffix;
      Cycle rawCycle = () -> {
        raw.acquire(rawKey, value);
        raw.release(rawKey);
      };
      Cycle txnCycle = () -> {
        raw.acquireTxn(txnKey, txnValue);
        raw.release(txnKey);
      };
      Cycle batonCycle = () -> coordinator.lock(batonName).acquire().close();
      loop(rawCycle, warmSeconds / 3, null);
      loop(batonCycle, warmSeconds / 3, null);
      loop(txnCycle, warmSeconds / 3, null);

      int slices = 4;
      LongList rawLat = new LongList();
      LongList batonLat = new LongList();
      LongList txnLat = new LongList();
      double rawTime = 0;
      double batonTime = 0;
      double txnTime = 0;
      long rawReq = 0;
      long batonReq = 0;
      for (int i = 0; i < slices; i++) {
        long r0 = raw.requests();
        rawTime += loop(rawCycle, seconds / slices, rawLat);
        rawReq += raw.requests() - r0;
        long b0 = BatonProbe.requests(coordinator);
        batonTime += loop(batonCycle, seconds / slices, batonLat);
        batonReq += BatonProbe.requests(coordinator) - b0;
        // the diagnostic variant gets half the time: it only explains the gap
        txnTime += loop(txnCycle, seconds / slices / 2, txnLat);
      }
      boolean probe = BatonProbe.requests(coordinator) >= 0;
      return new Uncontended[] {
          new Uncontended("raw", rawLat.size(), rawTime, rawLat.sorted(), rawReq / (double) rawLat.size()),
          new Uncontended("baton", batonLat.size(), batonTime, batonLat.sorted(),
              probe ? batonReq / (double) batonLat.size() : Double.NaN),
          new Uncontended("raw-txn", txnLat.size(), txnTime, txnLat.sorted(), 2.0)};
    }
  }

  /** Runs cycles for about {@code secs}; records each cycle's latency; answers the time spent. */
  private static double loop(Cycle cycle, double secs, LongList latencies) throws Exception {
    long start = System.nanoTime();
    long end = start + (long) (secs * 1e9);
    long now = start;
    while (now - end < 0) {
      long t0 = System.nanoTime();
      cycle.run();
      now = System.nanoTime();
      if (latencies != null) latencies.add(now - t0);
    }
    return (now - start) / 1e9;
  }

  // ------------------------------------------------------------------------------------------ contended

  /** A child JVM and the lines it prints. */
  private static final class Child {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final PrintWriter stdin;
    final Path log;

    Child(Process process, Path log) {
      this.process = process;
      this.log = log;
      this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) lines.add(line);
        } catch (IOException e) {
          // the child is gone
        }
        lines.add("EOF");
      }, "child-reader-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    /** Waits for a line starting with {@code word}; fails on FAILED, EOF or timeout. */
    String await(String word, double timeoutSeconds) throws InterruptedException, IOException {
      long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
        if (line == null) throw new IOException("no " + word + " from contender JVM within " + timeoutSeconds + " s");
        if (line.startsWith(word)) return line;
        if (line.startsWith("FAILED") || line.equals("EOF")) {
          throw new IOException("contender JVM: " + line + " (log " + log + ": " + tail(log) + ")");
        }
      }
    }
  }

  private Contended contended(URI address, String target, String impl, int n, Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    List<Child> children = new ArrayList<>();
    String name = impl + "-" + n + "-" + target + "-" + runId;
    try {
      for (int jvm = 1; jvm <= 2; jvm++) {
        Path log = dir.resolve("contender-" + impl + "-" + n + "-jvm" + jvm + ".log");
        List<String> cmd = List.of(java, "-XX:+UseSerialGC", "-Xmx256m",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp, Contender.class.getName(), impl,
            address.toString(), Integer.toString(n / 2), Integer.toString(jvm));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        children.add(new Child(p, log));
      }
      for (Child c : children) c.await("READY", 60);

      // warm-up on its own key (JIT of the waiting paths), then the measured run
      runPhase(children, "w-" + name, warmSeconds, null);
      Path[] files = {dir.resolve("records-" + impl + "-" + n + "-jvm1.txt"),
          dir.resolve("records-" + impl + "-" + n + "-jvm2.txt")};
      long[] totals = runPhase(children, "c-" + name, seconds, files);
      for (Child c : children) c.stdin.println("EXIT");
      for (Child c : children) {
        if (!c.process.waitFor(30, TimeUnit.SECONDS)) c.process.destroyForcibly();
      }
      List<long[]> rows = new ArrayList<>();
      for (Path f : files) rows.addAll(Records.read(f));
      return new Contended(impl, n, new Records(rows), seconds, totals[1], totals[2], null);
    } catch (IOException | RuntimeException e) {
      return new Contended(impl, n, null, seconds, 0, 0, e.getMessage());
    } finally {
      for (Child c : children) {
        if (c.process.isAlive()) c.process.destroyForcibly();
      }
    }
  }

  /** Sends RUN to every child with a common start 300 ms ahead; answers summed {acquisitions, requests, refused}. */
  private long[] runPhase(List<Child> children, String key, double secs, Path[] files)
      throws InterruptedException, IOException {
    long start = System.nanoTime() + 300_000_000L;
    long end = start + (long) (secs * 1e9);
    for (int i = 0; i < children.size(); i++) {
      children.get(i).stdin.println("RUN " + key + " " + start + " " + end + " " + (files == null ? "-" : files[i]));
    }
    long[] totals = new long[3];
    for (Child c : children) {
      String[] f = c.await("FINISHED", secs + 120).split(" ");
      for (int i = 0; i < 3; i++) totals[i] += Long.parseLong(f[i + 1]);
    }
    return totals;
  }

  // ------------------------------------------------------------------------------------------ report

  private void printSummary(List<TargetResult> results) {
    for (TargetResult r : results) {
      out.printf("%n=== %s: %s%n", r.target, r.agents);
      if (!r.note.isEmpty()) out.println("    " + r.note);
      out.println("Uncontended acquire+release (one thread, session already created)");
      out.printf("  %-28s %12s %12s %12s%n", "", "raw recipe", "Baton", "Baton/raw");
      out.printf(Locale.ROOT, "  %-28s %12.0f %12.0f %11.2fx%n", "cycles/s", r.raw.perSecond(), r.baton.perSecond(),
          r.baton.perSecond() / r.raw.perSecond());
      out.printf(Locale.ROOT, "  %-28s %12s %12s %11.2fx%n", "mean cycle ms", ms(r.raw.meanMicros() * 1000),
          ms(r.baton.meanMicros() * 1000), r.baton.meanMicros() / r.raw.meanMicros());
      double rp50 = Records.percentile(r.raw.latencies, 50);
      double bp50 = Records.percentile(r.baton.latencies, 50);
      out.printf(Locale.ROOT, "  %-28s %12s %12s %11.2fx%n", "cycle p50 ms", ms(rp50), ms(bp50), bp50 / rp50);
      double rp99 = Records.percentile(r.raw.latencies, 99);
      double bp99 = Records.percentile(r.baton.latencies, 99);
      out.printf(Locale.ROOT, "  %-28s %12s %12s %11.2fx%n", "cycle p99 ms", ms(rp99), ms(bp99), bp99 / rp99);
      out.printf(Locale.ROOT, "  %-28s %12.2f %12.2f%n", "HTTP calls per cycle", r.raw.requestsPerCycle,
          r.baton.requestsPerCycle);
      out.printf(Locale.ROOT, "  diagnostic: the raw client acquiring with PUT /v1/txn (Baton's request) + "
          + "PUT ?release: %.0f cycles/s, mean %s ms, p50 %s ms (%.2fx raw p50)%n", r.rawTxn.perSecond(),
          ms(r.rawTxn.meanMicros() * 1000), ms(Records.percentile(r.rawTxn.latencies, 50)),
          Records.percentile(r.rawTxn.latencies, 50) / rp50);

      out.println("Contended (N contenders in 2 JVMs, no hold time; handoff = release returned -> next acquire "
          + "returned)");
      out.printf("  %-3s %-6s %7s %9s %9s %10s %10s %7s %8s %9s %8s %10s%n", "N", "impl", "acq/s", "hand p50",
          "hand p99", "sameJVM50", "otherJVM50", "same %", "rel p50", "HTTP/acq", "refused", "violations");
      for (int n : contenders) {
        for (Contended c : List.of(r.rawContended.get(n), r.batonContended.get(n))) {
          if (c.error != null) {
            out.printf("  %-3d %-6s FAILED: %s%n", n, c.impl, c.error);
            continue;
          }
          long[] h = c.records.handoffs(false);
          long[] local = c.records.handoffsAcross(true);
          long[] remote = c.records.handoffsAcross(false);
          int tokenBad = c.records.tokenViolations();
          out.printf(Locale.ROOT, "  %-3d %-6s %7.0f %9s %9s %10s %10s %6.0f%% %8s %9.2f %8s %10s%n", n, c.impl,
              c.perSecond(), ms(Records.percentile(h, 50)), ms(Records.percentile(h, 99)),
              ms(Records.percentile(local, 50)), ms(Records.percentile(remote, 50)),
              100 * c.records.sameHolderShare(), ms(Records.percentile(c.records.releaseTimes(), 50)),
              c.requests / (double) Math.max(1, c.records.count()),
              c.refused < 0 ? "n/a"
                  : String.format(Locale.ROOT, "%.2f", c.refused / (double) Math.max(1, c.records.count())),
              c.records.overlaps() + (tokenBad < 0 ? "" : "+" + tokenBad));
        }
      }
      out.println("  Baton as ratio to the raw recipe (throughput: Baton/raw, higher is better; "
          + "handoff: Baton/raw, lower is better)");
      out.printf("  %-3s %12s %14s %14s%n", "N", "acq/s ratio", "hand p50 ratio", "hand p99 ratio");
      for (int n : contenders) {
        Contended rc = r.rawContended.get(n);
        Contended bc = r.batonContended.get(n);
        if (rc.error != null || bc.error != null) continue;
        long[] rh = rc.records.handoffs(false);
        long[] bh = bc.records.handoffs(false);
        out.printf(Locale.ROOT, "  %-3d %11.2fx %13.2fx %13.2fx%n", n, bc.perSecond() / rc.perSecond(),
            Records.percentile(bh, 50) / Records.percentile(rh, 50),
            Records.percentile(bh, 99) / Records.percentile(rh, 99));
      }
      out.println("  hand p50/p99: all consecutive acquisitions; sameJVM50 / otherJVM50: p50 of handoffs to another "
          + "contender in the same / the other JVM;\n"
          + "  same %: next acquisition by the same contender; rel p50: duration of the release call;\n"
          + "  HTTP/acq: HTTP requests per acquisition (all calls, incl. blocking queries and renewals); "
          + "refused: refused PUT ?acquire per acquisition (raw only);\n"
          + "  violations: overlapping holders + non-increasing tokens (Baton; the raw recipe has no token).");
    }
    targets(results);
  }

  private void targets(List<TargetResult> results) {
    TargetResult c = results.stream().filter(r -> r.target.equals("cluster")).findFirst().orElse(null);
    out.println();
    out.println("Targets (3-server cluster, clients on a follower)");
    if (c == null) {
      out.println("  (the cluster was not measured in this run)");
      return;
    }
    String row = "  %-46s %-16s %-22s %s%n";
    out.printf(row, "", "target", "measured", "");
    double cycle = c.baton.meanMicros() / c.raw.meanMicros();
    double cycleP50 = Records.percentile(c.baton.latencies, 50) / Records.percentile(c.raw.latencies, 50);
    out.printf(Locale.ROOT, row, "uncontended cycle, Baton / raw two-commit", "<= 1.20x",
        String.format(Locale.ROOT, "%.2fx (p50 %.2fx)", cycle, cycleP50), verdict(cycle <= 1.2));
    Contended raw2 = c.rawContended.get(2);
    double raw2p50 = raw2 == null || raw2.error != null ? Double.NaN
        : Records.percentile(raw2.records.handoffs(false), 50);
    for (int n : new int[] {4, 8}) {
      Contended b = c.batonContended.get(n);
      Contended r = c.rawContended.get(n);
      if (b == null || r == null || b.error != null || r.error != null) {
        out.printf("  N=%d: not measured%n", n);
        continue;
      }
      double bp50 = Records.percentile(b.records.handoffs(false), 50);
      out.printf(Locale.ROOT, row, "N=" + n + " Baton handoff p50 vs raw p50 at N=2", "<= " + ms(raw2p50) + " ms",
          String.format(Locale.ROOT, "%s ms (%.2fx)", ms(bp50), bp50 / raw2p50), verdict(bp50 <= raw2p50));
      out.printf(Locale.ROOT, row, "N=" + n + " Baton throughput vs raw at N=" + n,
          String.format(Locale.ROOT, ">= %.0f acq/s", r.perSecond()),
          String.format(Locale.ROOT, "%.0f acq/s (%.2fx)", b.perSecond(), b.perSecond() / r.perSecond()),
          verdict(b.perSecond() >= r.perSecond()));
    }
    out.printf(row, "mutual exclusion + token order (all runs)", "0 violations",
        violations ? "VIOLATIONS" : "0 violations", verdict(!violations));
  }

  private static String verdict(boolean met) {
    return met ? "met" : "NOT met";
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static String ms(double nanos) {
    if (Double.isNaN(nanos)) return "n/a";
    return String.format(Locale.ROOT, nanos < 10_000_000 ? "%.2f" : "%.1f", nanos / 1e6);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "unreadable";
    }
  }

  /** A growable long array. */
  private static final class LongList {
    private long[] a = new long[1024];
    private int n;

    void add(long v) {
      if (n == a.length) a = Arrays.copyOf(a, n * 2);
      a[n++] = v;
    }

    int size() {
      return n;
    }

    long[] sorted() {
      long[] s = Arrays.copyOf(a, n);
      Arrays.sort(s);
      return s;
    }
  }

  /** Writes to the console and keeps a copy for report.txt. */
  private static final class TeeWriter extends Writer {
    private final Writer a;
    private final Writer b;

    TeeWriter(Writer a, Writer b) {
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
