package dev.baton.it;

import dev.baton.Coordinator;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;

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

  /** A key prefix no other test run uses. */
  static String uniquePrefix(String test) {
    return "it/" + test + "-" + UUID.randomUUID().toString().substring(0, 8) + "/";
  }
}
