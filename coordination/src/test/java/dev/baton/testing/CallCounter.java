package dev.baton.testing;

import dev.baton.BatonMetrics;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/** Counts HTTP requests through the public metrics SPI: in all, and per calling thread. */
public final class CallCounter implements BatonMetrics {
  private final LongAdder all = new LongAdder();
  private final ThreadLocal<long[]> onThread = ThreadLocal.withInitial(() -> new long[1]);

  @Override
  public void httpCall(String method, String endpoint, int status, Duration elapsed) {
    all.increment();
    onThread.get()[0]++;
  }

  /** Requests sent so far (every attempt counts, retries included). */
  public long all() {
    return all.sum();
  }

  /** Requests sent so far by the calling thread (background renewals and watches excluded). */
  public long onThisThread() {
    return onThread.get()[0];
  }
}
