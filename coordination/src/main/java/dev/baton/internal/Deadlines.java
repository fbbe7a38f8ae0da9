package dev.baton.internal;

import java.time.Duration;

/** Deadlines of waiting primitives, on the {@link System#nanoTime()} scale. */
final class Deadlines {
  /** No deadline: wait until done. */
  static final long NONE = Long.MAX_VALUE;
  /**
   * Longest single blocking query: a long poll forwarded to a dead Raft leader must not strand a waiter
   * (Consul's own lock recipe uses 15 s too).
   */
  static final Duration LONGEST_WAIT = Duration.ofSeconds(15);

  private Deadlines() {}

  /** The deadline {@code timeout} from now (capped at a year). */
  static long after(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be zero or positive: " + timeout);
    }
    long nanos = Math.min(timeout.toNanos(), Duration.ofDays(365).toNanos());
    return System.nanoTime() + nanos;
  }

  /** The {@code wait} of the next blocking query: what is left, at most {@link #LONGEST_WAIT}, at least 1 ms. */
  static Duration waitFor(long deadline) {
    if (deadline == NONE) return LONGEST_WAIT;
    long left = deadline - System.nanoTime();
    return Duration.ofNanos(Math.max(1_000_000, Math.min(left, LONGEST_WAIT.toNanos())));
  }

  static boolean passed(long deadline) {
    return deadline != NONE && deadline - System.nanoTime() <= 0;
  }
}
