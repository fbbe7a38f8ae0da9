package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.Coordinator;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.TransportSettings;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Proves the locally built Consul image ({@code scripts/build-consul-image.sh}, no registry involved) runs
 * under Testcontainers and that Baton talks to it. Fails, never skips, when Docker or the image is missing.
 */
class ConsulImageTest {
  static final String IMAGE = System.getProperty("baton.consul.image", "baton/consul:1.8.7");

  @Test
  void aContainerFromTheLocalImageAnswersAndElectsItself() throws Exception {
    try (GenericContainer<?> consul = new GenericContainer<>(DockerImageName.parse(IMAGE))
        .withExposedPorts(8500)
        .withCommand("agent", "-dev", "-client", "0.0.0.0")
        .waitingFor(Wait.forHttp("/v1/status/leader").forPort(8500)
            .forResponsePredicate(body -> body.trim().length() > 2))
        .withStartupTimeout(Duration.ofSeconds(60))) {
      consul.start();
      URI address = URI.create("http://" + consul.getHost() + ":" + consul.getMappedPort(8500));
      try (ConsulTransport raw = new ConsulTransport(TransportSettings.of(address, null))) {
        String leader = raw.statusLeader();
        assertFalse(leader.isEmpty(), "the dev agent is its own leader");
        assertTrue(leader.endsWith(":8300"), leader);
      }
      try (Coordinator coordinator = Coordinator.builder().address(address).token(null).build()) {
        assertFalse(coordinator.sessionId().isEmpty());
      }
    }
  }
}
