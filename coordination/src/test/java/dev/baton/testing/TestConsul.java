package dev.baton.testing;

import dev.baton.Coordinator;
import dev.baton.internal.consul.CallObserver;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.TransportSettings;
import java.net.URI;
import java.time.Duration;

/** What a test gets from {@link ConsulExtension}: the shared agent and a key prefix of its own. */
public final class TestConsul {
  /** Short enough for tests, long enough to be safe: TTL 10 s (Consul's minimum). */
  public static final Duration TTL = Duration.ofSeconds(10);

  private final ConsulProcess process;
  private final String keyPrefix;

  TestConsul(ConsulProcess process, String keyPrefix) {
    this.process = process;
    this.keyPrefix = keyPrefix;
  }

  public ConsulProcess process() {
    return process;
  }

  public URI address() {
    return process.address();
  }

  /** Unique per test, ends with '/'. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** A builder pointed at this agent and this test's prefix, TTL 10 s, lock-delay 1 s, no ACL token. */
  public Coordinator.Builder builder() {
    return Coordinator.builder().address(address()).token(null).keyPrefix(keyPrefix).sessionTtl(TTL)
        .lockDelay(Duration.ofSeconds(1));
  }

  /** A raw transport to the agent, for looking at keys and sessions from outside the library. */
  public ConsulTransport transport() {
    return transport(CallObserver.NONE);
  }

  /** {@link #transport()} telling {@code observer} about every request. */
  public ConsulTransport transport(CallObserver observer) {
    return new ConsulTransport(TransportSettings.of(address(), null), observer);
  }
}
