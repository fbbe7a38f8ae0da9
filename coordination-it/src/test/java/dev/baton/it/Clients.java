package dev.baton.it;

import dev.baton.ConsulException;
import dev.baton.Coordinator;
import dev.baton.Lease;
import dev.baton.testing.ChildJvm;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The client settings of the scenarios, chosen so that every fault surfaces within seconds: session TTL
 * 10 s (Consul's minimum; renewed every 3.3 s, local deadline 10 s after the last renewal started),
 * requests time out after 2 s, an operation gives up after 5 s of retries. The lock-delay is Baton's
 * default for these settings (TTL/3 + request timeout + 2 s = 7.3 s) unless a scenario says otherwise.
 */
final class Clients {
  static final Duration TTL = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(5);

  private Clients() {}

  static Coordinator.Builder builder(URI address, String keyPrefix, String owner) {
    return Coordinator.builder().address(address).token(null).keyPrefix(keyPrefix).ownerId(owner)
        .sessionTtl(TTL).requestTimeout(REQUEST_TIMEOUT).operationTimeout(OPERATION_TIMEOUT);
  }

  static Coordinator coordinator(URI address, String keyPrefix, String owner) {
    return builder(address, keyPrefix, owner).build();
  }

  /**
   * Acquires lock {@code lockName}, trying again while Consul is unreachable or refuses (a node that is coming
   * back); gives up after {@code timeout}. No pause between tries: a try that fails has already spent the
   * client's operation timeout in the transport's own retries with backoff.
   */
  static Lease acquireRetrying(Coordinator c, String lockName, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return c.lock(lockName).acquire(timeout);
      } catch (ConsulException e) {
        if (System.nanoTime() - deadline > 0) throw e;
      }
    }
  }

  /** A client process running {@code mainClass}: a small heap, and only Baton's warnings in its output. */
  static ChildJvm process(Class<?> mainClass, String... args) throws IOException {
    return ChildJvm.start(List.of("-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"), mainClass, args);
  }

  /** A key prefix no other test run uses. */
  static String uniquePrefix(String test) {
    return "it/" + test + "-" + UUID.randomUUID().toString().substring(0, 8) + "/";
  }
}
