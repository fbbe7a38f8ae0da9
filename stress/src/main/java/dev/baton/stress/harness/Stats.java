package dev.baton.stress.harness;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles and formatting shared by the harness's reports. */
final class Stats {
  private Stats() {}

  /** Nearest-rank percentile of sorted values; NaN when empty. */
  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) return Double.NaN;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }

  /** p50, p90, p99 and max of sorted nanosecond values, in milliseconds (NaN when empty). */
  static double[] summaryMillis(long[] sorted) {
    return new double[] {percentile(sorted, 50) / 1e6, percentile(sorted, 90) / 1e6, percentile(sorted, 99) / 1e6,
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6};
  }

  /** Milliseconds with sensible precision; "n/a" for NaN. */
  static String ms(double millis) {
    if (Double.isNaN(millis)) return "n/a";
    if (millis >= 100) return String.format(Locale.ROOT, "%.0f", millis);
    if (millis >= 10) return String.format(Locale.ROOT, "%.1f", millis);
    return String.format(Locale.ROOT, "%.2f", millis);
  }

  static String num(double v, int decimals) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A growable long array. */
  static final class LongList {
    private long[] a = new long[256];
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
}
