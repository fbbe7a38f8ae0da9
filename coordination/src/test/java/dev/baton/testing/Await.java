package dev.baton.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded waiting for a condition that has no event to wait on (a port, a Consul state, a retry): polls every
 * 20 ms until it holds or the deadline passes. The only poll in the tests; everything else waits on latches or
 * futures.
 */
public final class Await {
  private Await() {}

  /** Waits until {@code condition} holds; fails with {@code what} after {@code timeout}. */
  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    value(timeout, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), what);
  }

  /** Waits until {@code probe} answers a value and returns it; fails with {@code what} after {@code timeout}. */
  public static <T> T value(Duration timeout, Supplier<Optional<T>> probe, Supplier<String> what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> v = probe.get();
      if (v.isPresent()) return v.get();
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout + ": " + what.get());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what.get(), e);
      }
    }
  }

  /** Milliseconds between two {@link System#nanoTime()} readings. */
  public static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }
}
