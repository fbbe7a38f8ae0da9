package dev.baton.stress.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The acquisitions of one contended run, merged from every contender JVM, and what they show: throughput,
 * handoff latency, and the safety checks (no two holders at once, tokens strictly increasing).
 *
 * <p>A record is {@code contender token acquired releaseCalled releaseReturned}, times on the shared
 * {@link System#nanoTime()} clock. Order: by fencing token when there are tokens (Baton), else by acquire time
 * (the raw recipe has no token). Checks, independent of that order:
 * <ul>
 *   <li><b>overlap</b>: sorted by acquire time, an acquisition that returned before an earlier holder
 *       called release (two holders at once);</li>
 *   <li><b>token</b>: sorted by acquire time, a token not larger than the previous one (Baton only).</li>
 * </ul>
 * Handoff = next holder's acquire returned - previous holder's release returned, for consecutive acquisitions
 * (it can be slightly negative: the release takes effect at its Raft commit, before its answer reaches the
 * releasing client).
 */
final class Records {
  static final int CONTENDER = 0;
  static final int TOKEN = 1;
  static final int ACQUIRED = 2;
  static final int RELEASE_CALLED = 3;
  static final int RELEASE_RETURNED = 4;

  final List<long[]> rows;
  final boolean tokens;

  Records(List<long[]> rows) {
    this.tokens = !rows.isEmpty() && rows.stream().allMatch(r -> r[TOKEN] >= 0);
    this.rows = new ArrayList<>(rows);
    Comparator<long[]> order = tokens ? Comparator.comparingLong(r -> r[TOKEN])
        : Comparator.comparingLong(r -> r[ACQUIRED]);
    this.rows.sort(order);
  }

  static List<long[]> read(Path file) throws IOException {
    List<long[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      String[] f = line.trim().split(" ");
      long[] r = new long[5];
      for (int i = 0; i < 5; i++) r[i] = Long.parseLong(f[i]);
      out.add(r);
    }
    return out;
  }

  int count() {
    return rows.size();
  }

  /** Acquisitions that returned while an earlier one had not yet called release. */
  int overlaps() {
    List<long[]> byTime = byAcquireTime();
    int bad = 0;
    long maxReleaseCalled = Long.MIN_VALUE;
    boolean first = true;
    for (long[] r : byTime) {
      if (!first && r[ACQUIRED] - maxReleaseCalled < 0) bad++;
      if (first || r[RELEASE_CALLED] - maxReleaseCalled > 0) maxReleaseCalled = r[RELEASE_CALLED];
      first = false;
    }
    return bad;
  }

  /** In acquire-time order, tokens that do not grow strictly (-1 when there are no tokens). */
  int tokenViolations() {
    if (!tokens) return -1;
    List<long[]> byTime = byAcquireTime();
    int bad = 0;
    for (int i = 1; i < byTime.size(); i++) {
      if (byTime.get(i)[TOKEN] <= byTime.get(i - 1)[TOKEN]) bad++;
    }
    return bad;
  }

  /** Handoff latencies in nanoseconds (consecutive acquisitions in this record order). */
  long[] handoffs(boolean onlyToAnotherContender) {
    long[] out = new long[Math.max(0, rows.size() - 1)];
    int n = 0;
    for (int i = 1; i < rows.size(); i++) {
      long[] prev = rows.get(i - 1);
      long[] next = rows.get(i);
      if (onlyToAnotherContender && prev[CONTENDER] == next[CONTENDER]) continue;
      out[n++] = next[ACQUIRED] - prev[RELEASE_RETURNED];
    }
    long[] h = Arrays.copyOf(out, n);
    Arrays.sort(h);
    return h;
  }

  /**
   * Handoffs to another contender in the same JVM ({@code sameJvm}) or in the other JVM, sorted (contender ids
   * are {@code jvm * 100 + thread}).
   */
  long[] handoffsAcross(boolean sameJvm) {
    long[] out = new long[Math.max(0, rows.size() - 1)];
    int n = 0;
    for (int i = 1; i < rows.size(); i++) {
      long[] prev = rows.get(i - 1);
      long[] next = rows.get(i);
      if (prev[CONTENDER] == next[CONTENDER]) continue;
      if ((prev[CONTENDER] / 100 == next[CONTENDER] / 100) != sameJvm) continue;
      out[n++] = next[ACQUIRED] - prev[RELEASE_RETURNED];
    }
    long[] h = Arrays.copyOf(out, n);
    Arrays.sort(h);
    return h;
  }

  /** How long each release call took (release returned - release called), sorted. */
  long[] releaseTimes() {
    long[] out = rows.stream().mapToLong(r -> r[RELEASE_RETURNED] - r[RELEASE_CALLED]).toArray();
    Arrays.sort(out);
    return out;
  }

  /** Share of acquisitions that went to the same contender as the previous one. */
  double sameHolderShare() {
    if (rows.size() < 2) return Double.NaN;
    int same = 0;
    for (int i = 1; i < rows.size(); i++) {
      if (rows.get(i)[CONTENDER] == rows.get(i - 1)[CONTENDER]) same++;
    }
    return same / (double) (rows.size() - 1);
  }

  /** Distinct contenders that acquired at least once. */
  long contenders() {
    return rows.stream().mapToLong(r -> r[CONTENDER]).distinct().count();
  }

  private List<long[]> byAcquireTime() {
    List<long[]> byTime = new ArrayList<>(rows);
    byTime.sort(Comparator.comparingLong(r -> r[ACQUIRED]));
    return byTime;
  }

  /** Nearest-rank percentile of sorted values; NaN when empty. */
  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) return Double.NaN;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }
}
