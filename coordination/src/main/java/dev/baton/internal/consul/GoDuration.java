package dev.baton.internal.consul;

import java.time.Duration;

/** Go's duration strings as Consul writes and reads them ("15s", "1500ms", "1m30s"). */
final class GoDuration {
  private GoDuration() {}

  /** What Consul accepts: whole milliseconds, e.g. {@code "2500ms"}. */
  static String format(Duration d) {
    return d.toMillis() + "ms";
  }

  /** Parses the few forms Consul prints: "15s", "1500ms", "1m30s", "" (none). */
  static Duration parse(String s) {
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
}
