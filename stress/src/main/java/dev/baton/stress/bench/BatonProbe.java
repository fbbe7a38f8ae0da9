package dev.baton.stress.bench;

import dev.baton.Coordinator;
import dev.baton.internal.ConsulTransport;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Reads how many HTTP requests a {@link Coordinator} has sent (its {@code ConsulTransport.requestCount()},
 * retries and background calls such as renewals included), for the "HTTP calls per acquisition" figures. The
 * transport is not public API, so this uses reflection (the package-private {@code consul()} accessor, else
 * the {@code consul} field) and answers -1 when the library's internals changed.
 */
final class BatonProbe {
  private BatonProbe() {}

  static long requests(Coordinator coordinator) {
    try {
      Method m = Coordinator.class.getDeclaredMethod("consul");
      m.setAccessible(true);
      return ((ConsulTransport) m.invoke(coordinator)).requestCount();
    } catch (ReflectiveOperationException | RuntimeException e) {
      try {
        Field f = Coordinator.class.getDeclaredField("consul");
        f.setAccessible(true);
        return ((ConsulTransport) f.get(coordinator)).requestCount();
      } catch (ReflectiveOperationException | RuntimeException e2) {
        return -1;
      }
    }
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
