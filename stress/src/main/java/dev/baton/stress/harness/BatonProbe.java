package dev.baton.stress.harness;

import dev.baton.Coordinator;
import dev.baton.internal.ConsulTransport;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Reads how many HTTP requests a {@link Coordinator} has sent, from its {@code ConsulTransport}: all of them
 * ({@code requestCount()}: retries, renewals and the held-key monitor included) or those of the calling
 * thread ({@code requestCountOnThisThread()}: what an acquire or release cost on the acquiring thread). The
 * transport is not public API, so it is found by reflection (the package-private {@code consul()} accessor,
 * else the {@code consul} field); when the library's internals changed the counts read -1.
 */
final class BatonProbe {
  private final ConsulTransport transport;

  private BatonProbe(ConsulTransport transport) {
    this.transport = transport;
  }

  /** The probe of {@code coordinator} (look the transport up once; counting is then a plain call). */
  static BatonProbe of(Coordinator coordinator) {
    return new BatonProbe(transport(coordinator));
  }

  long requests() {
    return transport == null ? -1 : transport.requestCount();
  }

  long requestsOnThisThread() {
    return transport == null ? -1 : transport.requestCountOnThisThread();
  }

  private static ConsulTransport transport(Coordinator coordinator) {
    try {
      Method m = Coordinator.class.getDeclaredMethod("consul");
      m.setAccessible(true);
      return (ConsulTransport) m.invoke(coordinator);
    } catch (ReflectiveOperationException | RuntimeException e) {
      try {
        Field f = Coordinator.class.getDeclaredField("consul");
        f.setAccessible(true);
        return (ConsulTransport) f.get(coordinator);
      } catch (ReflectiveOperationException | RuntimeException e2) {
        return null;
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
