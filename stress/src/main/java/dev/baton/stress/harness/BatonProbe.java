package dev.baton.stress.harness;

import dev.baton.BatonMetrics;
import dev.baton.Coordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the HTTP requests a {@link Coordinator} sends, through the public metrics SPI ({@link BatonMetrics},
 * set with {@code Coordinator.builder().metrics(probe)}): all of them ({@link #requests()}: retries, renewals
 * and the held-key monitor included) or those of the calling thread ({@link #requestsOnThisThread()}: what an
 * acquire or release cost on the acquiring thread).
 */
final class BatonProbe implements BatonMetrics {
  private final LongAdder requests = new LongAdder();
  private final ThreadLocal<long[]> onThread = ThreadLocal.withInitial(() -> new long[1]);

  @Override
  public void httpCall(String method, String endpoint, int status, Duration elapsed) {
    requests.increment();
    onThread.get()[0]++;
  }

  long requests() {
    return requests.sum();
  }

  long requestsOnThisThread() {
    return onThread.get()[0];
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
}
