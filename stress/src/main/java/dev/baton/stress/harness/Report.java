package dev.baton.stress.harness;

import com.google.gson.GsonBuilder;
import dev.baton.Coordinator;
import dev.baton.stress.harness.StressHarness.Fault;
import dev.baton.stress.harness.StressHarness.Probe;
import dev.baton.stress.harness.StressHarness.RunResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The harness's summary: the terminal text and {@code summary.json} (the same figures). */
final class Report {
  /** A target of issue 6 and how this run measured against it ({@code met} null: not measured). */
  record Target(String what, String target, String measured, Boolean met) {}

  private final StressHarness h;

  Report(StressHarness h) {
    this.h = h;
  }

  /** Where the library under test was loaded from, and when that jar (or directory) was last written. */
  static String libraryOrigin() {
    try {
      Path p = Path.of(Coordinator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return p + " (" + Instant.ofEpochMilli(Files.getLastModifiedTime(p).toMillis()) + ")";
    } catch (Exception e) {
      return "unknown";
    }
  }

  static String num(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** One line per run, printed as soon as it is done. */
  static String oneLine(RunResult r) {
    if (!r.ok()) return String.format("%-16s FAILED: %s", r.label(), r.error);
    Records.Analysis a = r.analysis;
    return String.format(Locale.ROOT, "%-16s %d acquisitions, %.1f/s, acquire p50 %s ms, handoff p50 %s ms, "
        + "longest gap %.2f s, violations %d", r.label(), a.count(), a.perSecond(),
        Stats.ms(Stats.percentile(a.acquireLatency, 50) / 1e6), Stats.ms(Stats.percentile(a.handoffs, 50) / 1e6),
        a.longestGap / 1e9, a.violationCount());
  }

  void print(PrintWriter out) {
    StressHarness.Options o = h.o;
    out.printf("=== Summary of run %s: %s%s on %s%n", h.runId, o.primitive,
        o.primitive.equals("semaphore") ? " (" + o.permits + " permits)"
            : o.primitive.equals("rwlock") ? " (read ratio " + o.readRatio + ")" : "", h.consulDescription);
    if (!h.clusterNote.isEmpty()) out.println("    " + h.clusterNote);
    out.printf(Locale.ROOT, "    %s s per run after %s s of warm-up (child JVMs; none for consul lock), hold %s ms%n",
        num(o.seconds), num(o.warmup), num(o.holdMs));
    out.println("    baton: one Coordinator (one session) per JVM shared by its threads (election: one per candidate);"
        + (o.impls.contains("baton-health") ? "\n    baton-health: the same with health-bound sessions (a TTL check of "
        + "the client's own, heartbeated every third of it)" : "")
        + "\n    raw: PUT ?acquire / blocking GET / PUT ?release by hand, one session and connection per contender;"
        + "\n    consul-lock: `consul lock -n 1 -shell=false` processes in N loops (child prints two timestamps)");
    h.sessions.forEach((impl, session) -> out.printf("    %s: %s%n", impl, session.describe()));

    if (!h.probes.isEmpty()) {
      out.println();
      out.println("Uncontended (one thread in the harness JVM, session already created, 200 cycles)");
      out.printf("  %-6s %10s %12s %14s %14s %16s%n", "impl", "cycle p50", "acquire p50", "HTTP/acquire",
          "HTTP/release", "background/cycle");
      for (Probe p : h.probes) {
        out.printf("  %-6s %10s %12s %14s %14s %16s%n", p.impl(), Stats.ms(Stats.percentile(p.cycleLatency(), 50) / 1e6),
            Stats.ms(Stats.percentile(p.acquireLatency(), 50) / 1e6), Stats.num(p.acquireCalls(), 2),
            Stats.num(p.releaseCalls(), 2), Stats.num(p.backgroundCalls(), 2));
      }
      out.println("  (ms; HTTP calls counted on the acquiring thread; background = every other call of the client "
          + "during the cycles: held-key monitor, renewals)");
    }

    out.println();
    out.println("Contended runs (latencies in ms; acquire = acquire called -> returned; handoff = previous holder's "
        + "release returned -> next acquire returned)");
    out.printf("  %-12s %3s %4s %8s | %7s %7s %7s %7s | %7s %7s %7s %7s | %5s %5s %5s | %5s %4s %4s %4s%n", "impl",
        "N", "JVMs", "acq/s", "acq p50", "p90", "p99", "max", "hnd p50", "p90", "p99", "max", "c/acq", "c/rel",
        "c/bg", "renew", "lost", "err", "viol");
    for (RunResult r : h.results) {
      if (!r.ok()) {
        out.printf("  %-12s %3d %4d FAILED: %s%n", r.impl, r.n, r.jvms, r.error);
        continue;
      }
      Records.Analysis a = r.analysis;
      double[] acq = Stats.summaryMillis(a.acquireLatency);
      double[] hnd = Stats.summaryMillis(a.handoffs);
      out.printf(Locale.ROOT, "  %-12s %3d %4s %8.1f | %7s %7s %7s %7s | %7s %7s %7s %7s | %5s %5s %5s | %5d %4d %4d %4d%n",
          r.impl, r.n, r.jvms == 0 ? "-" : Integer.toString(r.jvms), a.perSecond(), Stats.ms(acq[0]), Stats.ms(acq[1]),
          Stats.ms(acq[2]), Stats.ms(acq[3]), Stats.ms(hnd[0]), Stats.ms(hnd[1]), Stats.ms(hnd[2]), Stats.ms(hnd[3]),
          Stats.num(a.acquireCalls, 2), Stats.num(a.releaseCalls, 2), Stats.num(a.backgroundCalls, 2), a.renewals,
          a.sessionsLost, a.errors, a.violationCount());
    }
    out.println("  c/acq, c/rel: HTTP calls per acquisition on the acquiring thread during acquire (blocking waits "
        + "included) and release;\n  c/bg: all other calls of the clients per acquisition (held-key monitor, "
        + "renewals); renew: session renewals; lost: sessions lost;\n  err: failed acquire/release calls; viol: "
        + "exclusion + token violations (see below). consul-lock: HTTP calls not observable.");
    if (h.o.primitive.equals("semaphore")) {
      out.println("  semaphore handoff: from the latest release before the acquisition that it waited for");
    }
    for (RunResult r : h.results) {
      if (r.ok() && r.analysis.longestGap > Math.max(2e9, r.analysis.seconds() * 1e9 / 5) && r.faults.isEmpty()) {
        out.printf(Locale.ROOT, "  %s: STALLED: no acquisition for %.1f s (longest gap) without any fault%n", r.label(),
            r.analysis.longestGap / 1e9);
      }
      if (r.ok() && !r.faults.isEmpty() && r.analysis.longestGap > stallBound(r.impl) * 1e9) {
        out.printf(Locale.ROOT, "  %s: STALLED under faults: no acquisition for %.1f s, longer than any fault explains "
            + "(2 x TTL + lock-delay + the longest fault + 5 s = %.1f s): a liveness problem%n", r.label(),
            r.analysis.longestGap / 1e9, stallBound(r.impl));
      }
      if (r.ok() && r.analysis.count() < h.o.minAcquisitions) {
        out.printf("  %s: TOO FEW: %d acquisitions, --min-acquisitions %d%n", r.label(), r.analysis.count(),
            h.o.minAcquisitions);
      }
      if (r.ok() && r.analysis.errors > 0) {
        out.printf("  %s: %d errors, first: %s%n", r.label(), r.analysis.errors, r.analysis.firstError);
      }
    }

    printRatios(out);
    printFaults(out);
    printFailoverAfterKill(out);
    printTargets(out);
    printChecker(out);
  }

  /**
   * Seconds without any acquisition that no fault of the schedule explains: a session lost to a fault is
   * expired by Consul within 2 x TTL of its last renewal that landed, then the lock-delay passes; the longest
   * single fault (pause, hold, delay, black hole) comes on top; 5 s of slack. The session settings are those of
   * {@code impl} (the raw recipe's: Baton's).
   */
  double stallBound(String impl) {
    StressHarness.Options o = h.o;
    double longest = Math.max(o.faults.contains("pause") ? o.pauseFor : 0,
        Math.max(o.holdFor.max(), Math.max(o.delayFor.max(), o.blackholeFor.max())));
    StressHarness.SessionSettings s = h.sessions.getOrDefault(impl, h.baton());
    return 2 * seconds(s.ttl()) + seconds(s.lockDelay()) + longest + 5;
  }

  private static double seconds(java.time.Duration d) {
    return StressHarness.SessionSettings.seconds(d);
  }

  private void printRatios(PrintWriter out) {
    List<String[]> rows = ratios();
    if (rows.isEmpty()) return;
    out.println();
    out.println("Baton as a ratio to the baselines (same Consul, same run; throughput: higher is better; latency: "
        + "lower is better)");
    out.printf("  %-3s %-12s %11s %12s %12s %12s %12s%n", "N", "vs", "throughput", "acquire p50", "handoff p50",
        "handoff p99", "idle p50");
    for (String[] row : rows) out.printf("  %-3s %-12s %11s %12s %12s %12s %12s%n", (Object[]) row);
    if (h.o.limit() == 1) {
      out.println("  idle = previous holder's release called -> next acquire returned (the lock served nobody; "
          + "p50 in ms:" + idleFigures() + ")");
    }
  }

  private String idleFigures() {
    StringBuilder b = new StringBuilder();
    for (RunResult r : h.results) {
      if (r.ok() && r.analysis.idleGaps.length > 0) {
        b.append(' ').append(r.impl).append(" N=").append(r.n).append(' ')
            .append(Stats.ms(p(r.analysis.idleGaps, 50) / 1e6)).append(';');
      }
    }
    return b.length() == 0 ? " none" : b.substring(0, b.length() - 1);
  }

  /** {N, baseline, throughput ratio, acquire p50 ratio, handoff p50 ratio, handoff p99 ratio, idle p50 ratio}. */
  List<String[]> ratios() {
    List<String[]> rows = new ArrayList<>();
    for (int n : h.o.contenders) {
      Optional<RunResult> b = find("baton", n);
      if (b.isEmpty()) continue;
      for (String base : List.of("raw", "consul-lock")) {
        Optional<RunResult> r = find(base, n);
        if (r.isEmpty()) continue;
        Records.Analysis x = b.get().analysis;
        Records.Analysis y = r.get().analysis;
        rows.add(new String[] {Integer.toString(n), base, ratio(x.perSecond(), y.perSecond()),
            ratio(p(x.acquireLatency, 50), p(y.acquireLatency, 50)), ratio(p(x.handoffs, 50), p(y.handoffs, 50)),
            ratio(p(x.handoffs, 99), p(y.handoffs, 99)), ratio(p(x.idleGaps, 50), p(y.idleGaps, 50))});
      }
    }
    return rows;
  }

  private static double p(long[] sorted, double q) {
    return Stats.percentile(sorted, q);
  }

  private static String ratio(double a, double b) {
    double r = a / b;
    return Double.isNaN(r) || Double.isInfinite(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
  }

  private Optional<RunResult> find(String impl, int n) {
    return h.results.stream().filter(r -> r.impl.equals(impl) && r.n == n && r.ok()).findFirst();
  }

  private void printFaults(PrintWriter out) {
    for (RunResult r : h.results) {
      if (r.faults.isEmpty()) continue;
      out.println();
      boolean loops = r.impl.equals("consul-lock");
      out.printf("Faults in %s (%s every %s s; %s)%n", r.label(), String.join(" then ", h.o.faults),
          num(h.o.faultEvery), loops ? "consul lock: the kills only, each loop starts its next process"
          : "pause " + num(h.o.pauseFor) + " s; after a kill: " + (h.o.restartAfterKill ? "restart"
          : "continue with fewer") + (h.o.networkFaults() ? "; network faults on "
          + String.join("|", h.o.faultRequests) + " writes, hold " + h.o.holdFor + " s, delay " + h.o.delayFor
          + " s, black hole " + h.o.blackholeFor + " s" : ""));
      Map<String, int[]> byKind = new LinkedHashMap<>();
      for (Fault f : r.faults) {
        int[] c = byKind.computeIfAbsent(f.kind(), k -> new int[2]);
        c[0]++;
        if (f.note().startsWith("not acted") || f.note().startsWith("armed")) c[1]++;
      }
      StringBuilder counts = new StringBuilder();
      byKind.forEach((k, c) -> counts.append(counts.length() == 0 ? "" : ", ").append(k).append(' ').append(c[0])
          .append(c[1] == 0 ? "" : " (" + c[1] + " found no matching request)"));
      out.println("  " + r.faults.size() + " faults: " + counts);
      int shown = 0;
      for (Fault f : r.faults) {
        if (++shown > 40) {
          out.printf("  ... %d more (all of them in faults-*.txt and summary.json)%n", r.faults.size() - 40);
          break;
        }
        boolean process = f.kind().equals("kill") || f.kind().equals("pause");
        out.printf(Locale.ROOT, "  at %6.1f s  %-5s %s%s%s%s%n", f.at(), f.kind(), f.target(),
            process ? f.holder() ? " (holder)" : " (not holding)" : "",
            f.kind().equals("pause") ? String.format(Locale.ROOT, " for %.1f s", f.duration()) : "",
            f.note().isEmpty() ? "" : "; " + f.note());
      }
      if (!r.ok()) continue;
      Records.Analysis a = r.analysis;
      if (h.o.limit() != 1) {
        out.println("  failovers: not measured for a semaphore (a permit's next holder is not defined by the records)");
      } else {
        out.printf("  failovers (hold ended by kill, loss or expiry, or a fault in the gap -> next acquisition): %d, "
            + "p50 %s s, max %s s%n", a.failovers.size(), seconds(a.failoverTimes, 50), seconds(a.failoverTimes, 100));
      }
      if (a.openFailover != null) {
        out.printf(Locale.ROOT, "  and one still under way at the end of the run: no acquisition for the last %.3f s%n",
            a.openFailover[2] / 1e9);
      }
      for (String f : a.failovers) out.println("    " + f);
      out.printf("  sessions lost %d, errors %d%s%n", a.sessionsLost, a.errors,
          a.firstError == null ? "" : " (first: " + a.firstError + ")");
    }
  }

  /** Percentile {@code q} (100: the max) of sorted nanoseconds, in seconds with 3 decimals. */
  private static String seconds(long[] sorted, double q) {
    return Stats.num(p(sorted, q) / 1e9, 3);
  }

  /**
   * One run with kill faults (issue 11): its session settings, kills (of them on the holder), and the failovers
   * that followed a kill of the holder (one in their gap), and the one still under way at the end (-1: none).
   */
  record KillFailover(RunResult run, String session, long kills, long holders, long[] failovers, long open) {}

  /** The runs (lock and election) in which kill faults ran. */
  List<KillFailover> killFailovers() {
    List<KillFailover> rows = new ArrayList<>();
    if (h.o.limit() != 1) return rows;               // a semaphore's failovers are not measured
    for (RunResult r : h.results) {
      List<Fault> kills = r.faults.stream().filter(f -> f.kind().equals("kill")).toList();
      if (!r.ok() || kills.isEmpty()) continue;
      StressHarness.SessionSettings s = h.sessions.get(r.impl);
      List<Fault> holders = kills.stream().filter(Fault::holder).toList();
      long[] times = StressHarness.faultTimes(holders, r.analysis.start);
      rows.add(new KillFailover(r, s == null ? "" : s.describe(), kills.size(), holders.size(),
          r.analysis.failoversAfter(times), r.analysis.openFailoverAfter(times)));
    }
    return rows;
  }

  /** The failover figures side by side, when kills ran on more than one implementation. */
  private void printFailoverAfterKill(PrintWriter out) {
    List<KillFailover> rows = killFailovers();
    if (rows.stream().map(k -> k.run().impl).distinct().count() < 2) return;
    out.println();
    out.println("Failover after kill (the holder SIGKILLed -> next acquisition; seconds)");
    out.printf("  %-13s %3s  %-50s %5s %7s %9s %7s %7s  %s%n", "impl", "N", "session", "kills", "holder",
        "failovers", "p50", "max", "at the end");
    for (KillFailover k : rows) {
      out.printf("  %-13s %3d  %-50s %5d %7d %9d %7s %7s  %s%n", k.run().impl, k.run().n, k.session(), k.kills(),
          k.holders(), k.failovers().length, seconds(k.failovers(), 50), seconds(k.failovers(), 100),
          k.open() < 0 ? "-" : "still none after " + Stats.num(k.open() / 1e9, 1) + " s");
    }
    out.println("  holder: kills that hit the holder (the failovers are theirs); at the end: a failover still under way "
        + "when the run ended");
  }

  /**
   * Issues 3 and 6's targets for the lock on a 3-server cluster (stated beforehand; nothing is tuned to
   * them): uncontended cycle, handoff at 4 and 8 contenders against the raw recipe at 2, throughput against
   * the raw recipe at equal contenders and against {@code consul lock}.
   */
  List<Target> targets() {
    List<Target> t = new ArrayList<>();
    if (!h.o.primitive.equals("lock")) return t;
    Optional<Probe> batonProbe = h.probes.stream().filter(p -> p.impl().equals("baton")).findFirst();
    Optional<Probe> rawProbe = h.probes.stream().filter(p -> p.impl().equals("raw")).findFirst();
    if (batonProbe.isPresent() && rawProbe.isPresent()) {
      double b = Stats.percentile(batonProbe.get().cycleLatency(), 50) / 1e6;
      double r = Stats.percentile(rawProbe.get().cycleLatency(), 50) / 1e6;
      t.add(new Target("uncontended cycle p50, Baton <= 1.2x raw recipe", "<= " + Stats.ms(1.2 * r) + " ms",
          Stats.ms(b) + " ms (" + ratio(b, r) + ")", b <= 1.2 * r));
    } else {
      t.add(new Target("uncontended cycle p50, Baton <= 1.2x raw recipe", "", "not measured", null));
    }
    Optional<RunResult> raw2 = find("raw", 2);
    for (int n : new int[] {4, 8}) {
      Optional<RunResult> baton = find("baton", n);
      if (baton.isEmpty()) continue;
      if (raw2.isPresent()) {
        double b = p(baton.get().analysis.handoffs, 50) / 1e6;
        double r = p(raw2.get().analysis.handoffs, 50) / 1e6;
        t.add(new Target("handoff p50, Baton N=" + n + " <= raw recipe N=2", "<= " + Stats.ms(r) + " ms",
            Stats.ms(b) + " ms (" + ratio(b, r) + ")", b <= r));
      } else {
        t.add(new Target("handoff p50, Baton N=" + n + " <= raw recipe N=2", "", "not measured (needs raw N=2)",
            null));
      }
      Optional<RunResult> raw = find("raw", n);
      if (raw.isPresent()) {
        double b = baton.get().analysis.perSecond();
        double r = raw.get().analysis.perSecond();
        t.add(new Target("throughput, Baton >= raw recipe (N=" + n + ")", String.format(Locale.ROOT, ">= %.1f/s", r),
            String.format(Locale.ROOT, "%.1f/s (%s)", b, ratio(b, r)), b >= r));
      }
    }
    int nMax = java.util.Arrays.stream(h.o.contenders).max().orElse(0);
    Optional<RunResult> baton = find("baton", nMax);
    Optional<RunResult> cl = find("consul-lock", nMax);
    if (baton.isPresent() && cl.isPresent()) {
      double b = baton.get().analysis.perSecond();
      double c = cl.get().analysis.perSecond();
      t.add(new Target("throughput, Baton >= 4x consul lock (N=" + nMax + ")",
          String.format(Locale.ROOT, ">= %.1f/s", 4 * c), String.format(Locale.ROOT, "%.1f/s (%s)", b, ratio(b, c)),
          b >= 4 * c));
    } else {
      t.add(new Target("throughput, Baton >= 4x consul lock", "", "not measured", null));
    }
    Optional<Probe> probe = h.probes.stream().filter(p -> p.impl().equals("baton")).findFirst();
    t.add(probe.map(p -> new Target("HTTP calls per uncontended acquisition (session exists)", "1",
            Stats.num(p.acquireCalls(), 2), Math.abs(p.acquireCalls() - 1) < 1e-9))
        .orElse(new Target("HTTP calls per uncontended acquisition", "1", "not measured", null)));
    int violations = h.results.stream().filter(RunResult::ok).mapToInt(r -> r.analysis.violationCount()).sum();
    t.add(new Target("invariant violations (all runs)", "0", Integer.toString(violations), violations == 0));
    return t;
  }

  private void printTargets(PrintWriter out) {
    List<Target> targets = targets();
    if (targets.isEmpty()) return;
    out.println();
    out.println("Targets (issues 3 and 6: the lock on a 3-server cluster; stated beforehand, nothing is tuned to them)"
        + (h.o.consul.equals("cluster") ? "" : "\n  NOTE: this run is not on a 3-server cluster; the verdicts are "
        + "indicative only"));
    for (Target t : targets) {
      out.printf("  %-58s %-16s %-24s %s%n", t.what(), t.target(), t.measured(),
          t.met() == null ? "-" : t.met() ? "met" : "NOT met");
    }
  }

  private void printChecker(PrintWriter out) {
    out.println();
    int total = 0;
    int acquisitions = 0;
    for (RunResult r : h.results) {
      if (!r.ok()) continue;
      total += r.analysis.violationCount();
      acquisitions += r.analysis.count();
    }
    out.printf("Checker: exclusion (at most %d holder%s) over %d acquisitions in %d runs; tokens (Baton): distinct, "
        + "%s: %s%n", h.o.limit(), h.o.limit() == 1 ? "" : "s", acquisitions, h.results.size(),
        h.o.primitive.equals("rwlock") ? "readers share, a writer holds alone; a writer's token above all returned before it"
            : h.o.limit() == 1 ? "strictly growing in acquisition order" : "ordered by real time",
        total == 0 ? "0 violations" : total + " VIOLATIONS");
    for (RunResult r : h.results) {
      if (!r.ok() || r.analysis.violationCount() == 0) continue;
      Records.Analysis a = r.analysis;
      out.printf("  %s: %d overlaps, %d duplicate tokens, %d tokens out of order%n", r.label(), a.overlaps,
          a.tokenDuplicates, a.tokenDisorder);
      for (int i = 0; i < a.violations.size(); i++) {
        out.println("    " + a.violations.get(i));
        if (i < a.violationTimes.size() && !r.faults.isEmpty()) {
          double t = (a.violationTimes.get(i) - a.start) / 1e9;
          for (Fault f : r.faults) {
            if (f.at() <= t && f.at() + f.duration() >= t - 10) {
              out.printf(Locale.ROOT, "      fault %.1f s before: %s %s; %s%n", t - f.at(), f.kind(), f.target(),
                  f.note());
            }
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ JSON

  void writeJson(Path file) throws IOException {
    StressHarness.Options o = h.o;
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("run", h.runId);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("primitive", o.primitive);
    config.put("permits", o.limit());
    config.put("contenders", o.contenders);
    config.put("jvms", o.jvms);
    config.put("seconds", o.seconds);
    config.put("warmupSeconds", o.warmup);
    config.put("holdMs", o.holdMs);
    config.put("consul", o.consul);
    config.put("impls", o.impls);
    config.put("faults", o.faults);
    config.put("faultEverySeconds", o.faultEvery);
    config.put("pauseForSeconds", o.pauseFor);
    config.put("afterKill", o.restartAfterKill ? "restart" : "continue");
    config.put("faultRequests", o.faultRequests);
    config.put("holdForSeconds", o.holdFor.toString());
    config.put("delayForSeconds", o.delayFor.toString());
    config.put("blackholeForSeconds", o.blackholeFor.toString());
    config.put("minAcquisitions", o.minAcquisitions);
    config.put("seed", o.seed);
    config.put("sessionTtlSeconds", seconds(h.baton().ttl()));
    config.put("lockDelaySeconds", seconds(h.baton().lockDelay()));
    config.put("healthCheckTtlSeconds", o.healthCheckTtl);
    Map<String, Object> sessions = new LinkedHashMap<>();
    h.sessions.forEach((impl, s) -> sessions.put(impl, s.describe()));
    config.put("sessions", sessions);
    root.put("config", config);
    root.put("consulAgents", h.consulDescription);
    root.put("clusterNote", h.clusterNote);
    root.put("cpus", Runtime.getRuntime().availableProcessors());
    root.put("loadAverage", Map.of("start", h.loadStart, "end", String.valueOf(h.loadEnd)));
    root.put("library", libraryOrigin());
    List<Object> probes = new ArrayList<>();
    for (Probe p : h.probes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("impl", p.impl());
      m.put("cycles", p.cycles());
      m.put("cycleMs", percentiles(p.cycleLatency()));
      m.put("acquireMs", percentiles(p.acquireLatency()));
      m.put("httpCallsPerAcquire", clean(p.acquireCalls()));
      m.put("httpCallsPerRelease", clean(p.releaseCalls()));
      m.put("backgroundCallsPerCycle", clean(p.backgroundCalls()));
      probes.add(m);
    }
    root.put("uncontended", probes);
    List<Object> runs = new ArrayList<>();
    for (RunResult r : h.results) runs.add(run(r));
    root.put("runs", runs);
    List<Object> ratios = new ArrayList<>();
    for (String[] row : ratios()) {
      ratios.add(Map.of("contenders", Integer.parseInt(row[0]), "baseline", row[1], "throughput", row[2],
          "acquireP50", row[3], "handoffP50", row[4], "handoffP99", row[5], "idleP50", row[6]));
    }
    root.put("batonRatios", ratios);
    List<Object> targets = new ArrayList<>();
    for (Target t : targets()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", t.what());
      m.put("target", t.target());
      m.put("measured", t.measured());
      m.put("met", t.met());
      targets.add(m);
    }
    root.put("targets", targets);
    List<Object> kills = new ArrayList<>();
    for (KillFailover k : killFailovers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("impl", k.run().impl);
      m.put("contenders", k.run().n);
      m.put("session", k.session());
      m.put("kills", k.kills());
      m.put("killsOfHolders", k.holders());
      m.put("failoverSeconds", percentiles(k.failovers(), 1e9));
      m.put("underWayAtEndSeconds", k.open() < 0 ? null : clean(k.open() / 1e9));
      kills.add(m);
    }
    root.put("failoverAfterKill", kills);
    root.put("violations", h.results.stream().filter(RunResult::ok).mapToInt(r -> r.analysis.violationCount()).sum());
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root));
  }

  private Map<String, Object> run(RunResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("impl", r.impl);
    m.put("contenders", r.n);
    m.put("jvms", r.jvms);
    m.put("note", r.note);
    m.put("error", r.error);
    List<Object> faults = new ArrayList<>();
    for (Fault f : r.faults) {
      Map<String, Object> fm = new LinkedHashMap<>();
      fm.put("atSeconds", f.at());
      fm.put("kind", f.kind());
      fm.put("jvm", f.jvm());
      fm.put("incarnation", f.incarnation());
      fm.put("holder", f.holder());
      fm.put("durationSeconds", f.duration());
      fm.put("note", f.note());
      faults.add(fm);
    }
    m.put("faults", faults);
    if (!r.faults.isEmpty() && r.ok()) m.put("stalledUnderFaults", r.analysis.longestGap > stallBound(r.impl) * 1e9);
    if (!r.ok()) return m;
    Records.Analysis a = r.analysis;
    m.put("seconds", a.seconds());
    m.put("acquisitions", a.count());
    m.put("throughputPerSecond", clean(a.perSecond()));
    m.put("acquireMs", percentiles(a.acquireLatency));
    m.put("handoffMs", percentiles(a.handoffs));
    m.put("handoffs", a.handoffs.length);
    m.put("idleMs", percentiles(a.idleGaps));
    m.put("sameContenderShare", clean(a.sameContenderShare));
    m.put("longestGapSeconds", clean(a.longestGap / 1e9));
    Map<String, Object> calls = new LinkedHashMap<>();
    calls.put("acquiringThreadPerAcquire", clean(a.acquireCalls));
    calls.put("acquiringThreadPerRelease", clean(a.releaseCalls));
    calls.put("backgroundPerAcquisition", clean(a.backgroundCalls));
    calls.put("totalPerAcquisition", clean(a.totalCalls));
    m.put("httpCalls", calls);
    m.put("sessionRenewals", a.renewals);
    m.put("sessionsLost", a.sessionsLost);
    m.put("errors", a.errors);
    m.put("firstError", a.firstError);
    Map<String, Object> failover = new LinkedHashMap<>();
    failover.put("count", a.failovers.size());
    failover.put("seconds", percentiles(a.failoverTimes, 1e9));
    failover.put("details", a.failovers);
    m.put("failovers", failover);
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("total", a.violationCount());
    v.put("overlaps", a.overlaps);
    v.put("tokenDuplicates", a.tokenDuplicates);
    v.put("tokenDisorder", a.tokenDisorder);
    v.put("tokensChecked", a.tokens);
    v.put("examples", a.violations);
    m.put("violations", v);
    return m;
  }

  private static Map<String, Object> percentiles(long[] sorted) {
    return percentiles(sorted, 1e6);
  }

  /** p50, p90, p99, max in units of {@code unitNanos} (1e6: milliseconds), and the count. */
  private static Map<String, Object> percentiles(long[] sorted, double unitNanos) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", clean(p(sorted, 50) / unitNanos));
    m.put("p90", clean(p(sorted, 90) / unitNanos));
    m.put("p99", clean(p(sorted, 99) / unitNanos));
    m.put("max", clean(sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / unitNanos));
    m.put("count", sorted.length);
    return m;
  }

  private static Double clean(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : Math.round(d * 1000) / 1000.0;
  }
}
