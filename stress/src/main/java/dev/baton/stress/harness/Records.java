package dev.baton.stress.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The record files of one run ({@link EventLog}'s format), merged, checked and measured.
 *
 * <h2>When a holder's interval ends</h2>
 * An acquisition holds from the moment its acquire returned until the earliest of:
 * <ul>
 *   <li>its release was called (the holder stops using the resource before it releases);</li>
 *   <li>its lease was declared lost: the {@code onLost} listener ran;</li>
 *   <li>its process was killed (SIGKILL): the time the harness saw the process exit;</li>
 *   <li>its lease's validity ran out without any renewal of its process's sessions: a lease is valid only while
 *       its session was renewed within the last TTL (Baton's local safety deadline), so a process stopped
 *       with SIGSTOP stops holding one TTL after its last renewal, frozen or not — when it runs again,
 *       {@code isHeld()} is false and {@code ensureHeld()} throws before it can act. The renewal times are
 *       those of {@code onSessionRenewed} (after the renewal returned), which is never earlier than Baton's
 *       deadline (renewal start + TTL): the bound is on the strict side.</li>
 * </ul>
 *
 * <h2>Checks (a violation fails the run)</h2>
 * <ul>
 *   <li><b>exclusion</b>: when an acquisition returns, fewer than {@code limit} earlier intervals may still be
 *       open (1 for a lock or an election, the permits for a semaphore); a <em>shared</em> acquisition (the read
 *       lock of a read-write lock) counts only the open exclusive ones (writers), while a writer counts all;</li>
 *   <li><b>tokens</b> (Baton only; the baselines have none): fencing tokens are distinct; with limit 1 and no
 *       shared acquisitions they grow strictly in the order the acquisitions returned; with shared ones, every
 *       acquisition that returned before a writer has a smaller token than the writer; and for any limit, an
 *       acquisition that returned before another one was even called has the smaller token.</li>
 * </ul>
 * A killed or paused holder therefore does not produce a false violation: its interval ended (kill, loss,
 * expiry) before Consul could hand the key to anybody else — unless Baton let a later token in while the
 * older lease was still valid by its own rules, which is exactly what the check must catch.
 */
final class Records {
  static final long NONE = Long.MIN_VALUE;

  /** One acquisition and how its interval ended. */
  static final class Acquisition {
    final int jvm;
    final int incarnation;
    final int contender;
    final long token;
    final long called;
    final long acquired;
    final long acquireCalls;
    /** A shared hold (the read lock of a read-write lock): excludes writers only. */
    final boolean shared;
    long releaseCalled = NONE;
    long releaseReturned = NONE;
    long releaseCalls = -1;
    long lostAt = NONE;
    /** Its own process was killed ({@code D} line; a contender JVM's kill is {@link Incarnation#killedAt}). */
    long killedAt = NONE;
    long end;
    String endedBy;

    Acquisition(int jvm, int incarnation, int contender, long token, long called, long acquired, long calls) {
      this(jvm, incarnation, contender, token, called, acquired, calls, false);
    }

    Acquisition(int jvm, int incarnation, int contender, long token, long called, long acquired, long calls,
        boolean shared) {
      this.shared = shared;
      this.jvm = jvm;
      this.incarnation = incarnation;
      this.contender = contender;
      this.token = token;
      this.called = called;
      this.acquired = acquired;
      this.acquireCalls = calls;
    }

    boolean releasedNormally() {
      return "release".equals(endedBy) && releaseReturned != NONE;
    }

    /** Its JVM and incarnation, or (jvm 0: {@code consul lock} loops) its contender. */
    String who() {
      return jvm > 0 ? "jvm" + jvm + "#" + incarnation : "contender" + contender;
    }

    String describe(long origin) {
      return String.format(Locale.ROOT, "%scontender %d %stoken %d acquired at %.3f s, held until %s (%s)",
          jvm > 0 ? who() + " " : "", contender, shared ? "(read) " : "", token, (acquired - origin) / 1e9,
          end == Long.MAX_VALUE ? "never" : String.format(Locale.ROOT, "%.3f s", (end - origin) / 1e9), endedBy);
    }
  }

  /** One contender process (an incarnation of a JVM slot), as its record file shows it. */
  static final class Incarnation {
    final int jvm;
    final int incarnation;
    final Path file;
    final List<Long> validAsOf = new ArrayList<>();
    final List<Long> sessionLosses = new ArrayList<>();
    int renewals;
    int sessionsCreated;
    int errors;
    String firstError;
    long httpCalls = -1;
    long killedAt = NONE;
    private long[] valid;

    Incarnation(int jvm, int incarnation, Path file) {
      this.jvm = jvm;
      this.incarnation = incarnation;
      this.file = file;
    }

    /** The end of a lease acquired at {@code acquired} if nothing else ended it (NONE: no sessions known). */
    long validityBound(long acquired, long ttlNanos) {
      if (valid == null) valid = validAsOf.stream().mapToLong(Long::longValue).sorted().toArray();
      if (valid.length == 0 || ttlNanos <= 0) return NONE;
      int i = Arrays.binarySearch(valid, acquired);
      i = i >= 0 ? i + 1 : -i - 1;                  // first renewal after the acquisition
      long cur = i > 0 ? valid[i - 1] : acquired;  // the renewal the lease's validity rests on
      for (; i < valid.length && valid[i] - cur <= ttlNanos; i++) cur = valid[i];
      return cur + ttlNanos;
    }
  }

  private Records() {}

  /** Reads one record file; its acquisitions are added to {@code into}. A missing file reads as empty. */
  static Incarnation read(Path file, int jvm, int incarnation, List<Acquisition> into) throws IOException {
    Incarnation inc = new Incarnation(jvm, incarnation, file);
    if (!Files.exists(file)) return inc;
    Map<Integer, Acquisition> open = new HashMap<>();
    Map<String, Acquisition> byToken = new HashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      try {
        switch (f[0]) {
          case "A" -> {
            Acquisition a = new Acquisition(jvm, incarnation, Integer.parseInt(f[1]), Long.parseLong(f[2]),
                Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), f.length > 6 && f[6].equals("r"));
            open.put(a.contender, a);
            if (a.token >= 0) byToken.put(a.contender + ":" + a.token, a);
            into.add(a);
          }
          case "Q" -> {
            Acquisition a = open.get(Integer.parseInt(f[1]));
            if (a != null) a.releaseCalled = Long.parseLong(f[3]);
          }
          case "R" -> {
            Acquisition a = open.remove(Integer.parseInt(f[1]));
            if (a != null) {
              long called = Long.parseLong(f[3]);
              // an earlier Q line (election: resign() called before the revocation came) stays the end
              if (a.releaseCalled == NONE || called < a.releaseCalled) a.releaseCalled = called;
              a.releaseReturned = Long.parseLong(f[4]);
              a.releaseCalls = Long.parseLong(f[5]);
            }
          }
          case "L" -> {
            Acquisition a = byToken.get(f[1] + ":" + f[2]);
            if (a != null && a.lostAt == NONE) a.lostAt = Long.parseLong(f[3]);
          }
          case "D" -> {
            Acquisition a = open.remove(Integer.parseInt(f[1]));
            if (a != null) a.killedAt = Long.parseLong(f[2]);
          }
          case "C" -> {
            inc.sessionsCreated++;
            inc.validAsOf.add(Long.parseLong(f[1]));
          }
          case "N" -> {
            inc.renewals++;
            inc.validAsOf.add(Long.parseLong(f[1]));
          }
          case "K" -> inc.validAsOf.add(Long.parseLong(f[1]));
          case "X" -> inc.sessionLosses.add(Long.parseLong(f[1]));
          case "S" -> inc.httpCalls = Long.parseLong(f[2]);
          case "E" -> {
            inc.errors++;
            if (inc.firstError == null) inc.firstError = line.split(" ", 4)[3];
          }
          default -> { }
        }
      } catch (RuntimeException e) {
        // a line cut short by a kill: ignore it
      }
    }
    return inc;
  }

  /** True when the record file shows an acquisition whose release has not returned and that is not lost. */
  static boolean holdsNow(Path file) {
    try {
      List<Acquisition> acquisitions = new ArrayList<>();
      read(file, 0, 0, acquisitions);
      return acquisitions.stream().anyMatch(a -> a.releaseReturned == NONE && a.lostAt == NONE);
    } catch (IOException e) {
      return false;
    }
  }

  /** What one run's records show. */
  static final class Analysis {
    final int limit;
    final long start;
    final long end;
    final List<Acquisition> acquisitions;
    final boolean tokens;
    /** Some acquisitions were shared (a read-write lock's readers). */
    final boolean readWrite;
    final List<String> violations = new ArrayList<>();
    /** When violating acquisitions returned, and when sessions were lost (for the chart). */
    final List<Long> violationTimes = new ArrayList<>();
    final List<Long> sessionLossTimes = new ArrayList<>();
    int overlaps;
    int tokenDuplicates;
    int tokenDisorder;
    long[] acquireLatency = new long[0];
    long[] handoffs = new long[0];
    /**
     * Lock and election: previous holder's release called -> next holder's acquire returned, the time the
     * lock served nobody whatever the release call itself costs (a release that hands over locally does the
     * next holder's write inside the release call).
     */
    long[] idleGaps = new long[0];
    /** {time, handoff} of every handoff, for the chart. */
    final List<long[]> handoffSeries = new ArrayList<>();
    /** After a holder was killed, lost or expired: its end -> next acquisition; with a description. */
    final List<String> failovers = new ArrayList<>();
    long[] failoverTimes = new long[0];
    /**
     * {since, next acquisition, failover time} per failover, in order; since: the previous hold's acquisition (a
     * fault from then on, up to the next acquisition, is "in the gap").
     */
    final List<long[]> failoverGaps = new ArrayList<>();
    /** A failover still under way when the run ended, as in {@link #failoverGaps} up to the end; else null. */
    long[] openFailover;
    double sameContenderShare = Double.NaN;
    /** The longest time without any acquisition returning inside the window (start and end count). */
    long longestGap;
    double acquireCalls = Double.NaN;
    double releaseCalls = Double.NaN;
    double backgroundCalls = Double.NaN;
    double totalCalls = Double.NaN;
    int renewals;
    int sessionsLost;
    int errors;
    String firstError;

    Analysis(int limit, long start, long end, List<Acquisition> acquisitions) {
      this.limit = limit;
      this.start = start;
      this.end = end;
      this.acquisitions = acquisitions;
      this.tokens = !acquisitions.isEmpty() && acquisitions.stream().allMatch(a -> a.token >= 0);
      this.readWrite = acquisitions.stream().anyMatch(a -> a.shared);
    }

    int count() {
      return acquisitions.size();
    }

    double seconds() {
      return (end - start) / 1e9;
    }

    double perSecond() {
      return count() / seconds();
    }

    int violationCount() {
      return overlaps + tokenDuplicates + tokenDisorder;
    }

    /** The failover times (sorted) whose gap has one of {@code faultTimes} in it: e.g. those after a kill. */
    long[] failoversAfter(long[] faultTimes) {
      Stats.LongList l = new Stats.LongList();
      for (long[] g : failoverGaps) {
        if (inGap(faultTimes, g[0], g[1])) l.add(g[2]);
      }
      return l.sorted();
    }

    /** How long the failover still under way at the end had lasted, if it has one of {@code faultTimes}; else -1. */
    long openFailoverAfter(long[] faultTimes) {
      return openFailover != null && inGap(faultTimes, openFailover[0], openFailover[1]) ? openFailover[2] : -1;
    }

    private void violation(long at, String message) {
      violationTimes.add(at);
      if (violations.size() < 20) violations.add(message);
    }
  }

  /**
   * Checks and measures one run: {@code limit} holders at most, sessions valid for {@code ttlNanos} after a
   * renewal, measured window [{@code start}, {@code end}), faults injected at {@code faultTimes} (a handoff
   * gap with a fault in it counts as a failover, not as a handoff).
   */
  static Analysis analyze(List<Acquisition> all, List<Incarnation> incarnations, int limit, long ttlNanos,
      long start, long end, long... faultTimes) {
    Map<String, Incarnation> incs = new HashMap<>();
    for (Incarnation i : incarnations) incs.put(i.jvm + "#" + i.incarnation, i);
    List<Acquisition> list = new ArrayList<>(all);
    list.sort(Comparator.comparingLong(a -> a.acquired));
    Analysis r = new Analysis(limit, start, end, list);
    for (Acquisition a : list) closeInterval(a, incs.get(a.jvm + "#" + a.incarnation), ttlNanos);
    checkExclusion(r);
    if (r.tokens) checkTokens(r);
    measure(r, incarnations, faultTimes);
    return r;
  }

  private static void closeInterval(Acquisition a, Incarnation inc, long ttlNanos) {
    a.end = Long.MAX_VALUE;
    a.endedBy = "never released";
    if (a.releaseCalled != NONE) end(a, a.releaseCalled, "release");
    if (a.lostAt != NONE) end(a, a.lostAt, "declared lost");
    long killed = a.killedAt != NONE ? a.killedAt : inc != null && inc.killedAt > a.acquired ? inc.killedAt : NONE;
    if (killed != NONE) end(a, killed, "process killed");
    if (inc != null) {
      long bound = inc.validityBound(a.acquired, ttlNanos);
      if (bound != NONE) end(a, bound, "no renewal for a TTL");
    }
  }

  private static void end(Acquisition a, long t, String why) {
    if (t < a.end) {
      a.end = t;
      a.endedBy = why;
    }
  }

  /**
   * Sweep in acquire order: at each acquisition, fewer than {@code limit} intervals may still be open (for a
   * shared one, fewer than {@code limit} exclusive ones).
   */
  private static void checkExclusion(Analysis r) {
    PriorityQueue<Acquisition> open = new PriorityQueue<>(Comparator.comparingLong(a -> a.end));
    for (Acquisition a : r.acquisitions) {
      while (!open.isEmpty() && open.peek().end <= a.acquired) open.poll();
      List<Acquisition> excluding = open.stream().filter(x -> !a.shared || !x.shared).toList();
      if (excluding.size() >= r.limit) {
        r.overlaps++;
        Acquisition other = excluding.stream().max(Comparator.comparingLong(x -> x.acquired)).orElseThrow();
        r.violation(a.acquired, "EXCLUSION: " + a.describe(r.start) + " returned while " + excluding.size()
            + (a.shared ? " writers" : "") + " held (limit " + r.limit + "), e.g. " + other.describe(r.start));
      }
      open.add(a);
    }
  }

  private static void checkTokens(Analysis r) {
    List<Acquisition> byAcquired = r.acquisitions;
    long[] sorted = byAcquired.stream().mapToLong(a -> a.token).sorted().toArray();
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        r.tokenDuplicates++;
        r.violation(r.start, "TOKEN: token " + sorted[i] + " was handed out twice");
      }
    }
    if (r.readWrite) {
      // a writer holds alone: everything that returned before it was admitted before it
      long max = Long.MIN_VALUE;
      Acquisition maxA = null;
      for (Acquisition a : byAcquired) {
        if (!a.shared && a.end > a.acquired && maxA != null && max >= a.token) {
          r.tokenDisorder++;
          r.violation(a.acquired, "TOKEN: writer " + a.describe(r.start) + " returned after " + maxA.describe(r.start)
              + " with a token that is not larger");
        }
        if (a.token > max) {
          max = a.token;
          maxA = a;
        }
      }
    } else if (r.limit == 1) {
      for (int i = 1; i < byAcquired.size(); i++) {
        Acquisition prev = byAcquired.get(i - 1);
        Acquisition next = byAcquired.get(i);
        if (next.token <= prev.token) {
          r.tokenDisorder++;
          r.violation(next.acquired, "TOKEN: " + next.describe(r.start) + " returned after " + prev.describe(r.start)
              + " with a token that is not larger");
        }
      }
      return;
    }
    // any limit: an acquisition that returned before another was called must have the smaller token
    List<Acquisition> byCalled = new ArrayList<>(byAcquired);
    byCalled.sort(Comparator.comparingLong(a -> a.called));
    int p = 0;
    Acquisition max = null;
    for (Acquisition y : byCalled) {
      while (p < byAcquired.size() && byAcquired.get(p).acquired < y.called) {
        Acquisition x = byAcquired.get(p++);
        if (max == null || x.token > max.token) max = x;
      }
      if (max != null && max.token >= y.token) {
        r.tokenDisorder++;
        r.violation(y.acquired, "TOKEN: " + y.describe(r.start) + " was called after " + max.describe(r.start)
            + " had returned, but its token is not larger");
      }
    }
  }

  /** Whether one of {@code times} is in [{@code from}, {@code to}). */
  static boolean inGap(long[] times, long from, long to) {
    for (long t : times) {
      if (t >= from && t < to) return true;
    }
    return false;
  }

  private static void measure(Analysis r, List<Incarnation> incarnations, long[] faultTimes) {
    List<Acquisition> list = r.acquisitions;
    r.acquireLatency = list.stream().filter(a -> a.called != NONE).mapToLong(a -> a.acquired - a.called).sorted()
        .toArray();
    Stats.LongList handoffs = new Stats.LongList();
    Stats.LongList failovers = new Stats.LongList();
    Stats.LongList idle = new Stats.LongList();
    if (r.limit == 1 && !r.readWrite) {
      List<Acquisition> order = new ArrayList<>(list);
      if (r.tokens) order.sort(Comparator.comparingLong(a -> a.token));
      int same = 0;
      for (int i = 1; i < order.size(); i++) {
        Acquisition prev = order.get(i - 1);
        Acquisition next = order.get(i);
        if (prev.contender == next.contender && prev.jvm == next.jvm) same++;
        long from = Math.min(prev.releasedNormally() ? prev.releaseReturned : prev.end, next.acquired);
        long since = Math.min(prev.acquired, from);
        boolean fault = inGap(faultTimes, since, next.acquired);
        if (prev.releasedNormally() && !fault) {
          long h = next.acquired - prev.releaseReturned;
          handoffs.add(h);
          idle.add(next.acquired - prev.releaseCalled);
          r.handoffSeries.add(new long[] {next.acquired, h});
        } else {
          long f = next.acquired - from;
          failovers.add(f);
          r.failoverGaps.add(new long[] {since, next.acquired, f});
          r.failovers.add(String.format(Locale.ROOT, "%.3f s from %s's %s at %.3f s to %s's "
              + "acquisition at %.3f s%s", f / 1e9, prev.who(), prev.releasedNormally() ? "release"
              : "end (" + prev.endedBy + ")", (from - r.start) / 1e9, next.who(),
              (next.acquired - r.start) / 1e9, fault ? " (a fault in between)" : ""));
        }
      }
      if (order.size() > 1) r.sameContenderShare = same / (double) (order.size() - 1);
      if (!order.isEmpty()) {
        Acquisition last = order.get(order.size() - 1);
        long from = Math.min(last.releasedNormally() ? last.releaseReturned : last.end, r.end);
        long since = Math.min(last.acquired, from);
        if (from < r.end && (!last.releasedNormally() || inGap(faultTimes, since, r.end))) {
          r.openFailover = new long[] {since, r.end, r.end - from};
        }
      }
    } else {
      long[] releases = list.stream().filter(Acquisition::releasedNormally).mapToLong(a -> a.releaseReturned)
          .sorted().toArray();
      for (Acquisition a : list) {
        int i = Arrays.binarySearch(releases, a.acquired);
        i = i >= 0 ? i : -i - 2;                      // the latest release at or before the acquisition
        if (i >= 0 && releases[i] > a.called) {       // it waited for that release
          long h = a.acquired - releases[i];
          handoffs.add(h);
          r.handoffSeries.add(new long[] {a.acquired, h});
        }
      }
    }
    r.handoffs = handoffs.sorted();
    r.idleGaps = idle.sorted();
    long last = r.start;
    for (Acquisition a : list) {
      r.longestGap = Math.max(r.longestGap, a.acquired - last);
      last = Math.max(last, a.acquired);
    }
    r.longestGap = Math.max(r.longestGap, r.end - last);
    r.failoverTimes = failovers.sorted();

    long acqCalls = 0;
    long relCalls = 0;
    int acqKnown = 0;
    int relKnown = 0;
    for (Acquisition a : list) {
      if (a.acquireCalls >= 0) {
        acqCalls += a.acquireCalls;
        acqKnown++;
      }
      if (a.releaseCalls >= 0) {
        relCalls += a.releaseCalls;
        relKnown++;
      }
    }
    if (acqKnown > 0) r.acquireCalls = acqCalls / (double) acqKnown;
    if (relKnown > 0) r.releaseCalls = relCalls / (double) relKnown;
    long total = 0;
    boolean totalKnown = !incarnations.isEmpty();
    for (Incarnation inc : incarnations) {
      if (inc.httpCalls < 0) totalKnown = false;
      total += Math.max(0, inc.httpCalls);
      r.renewals += inc.renewals;
      r.sessionsLost += inc.sessionLosses.size();
      r.sessionLossTimes.addAll(inc.sessionLosses);
      r.errors += inc.errors;
      if (r.firstError == null) r.firstError = inc.firstError;
    }
    if (totalKnown && !list.isEmpty()) {
      r.totalCalls = total / (double) list.size();
      if (acqKnown == list.size() && relKnown > 0) {
        r.backgroundCalls = Math.max(0, total - acqCalls - relCalls) / (double) list.size();
      }
    }
  }
}
