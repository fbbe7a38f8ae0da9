package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cluster fixture itself: it forms, and each fault does what its javadoc says. */
class ConsulClusterTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  @Test
  void threeServersAgreeOnOneLeaderAndAnswerOnDistinctPorts() {
    ConsulCluster.Node leader = CLUSTER.awaitHealthy(Duration.ofSeconds(30));
    assertEquals(3, CLUSTER.nodes().size());
    assertEquals(leader, CLUSTER.leader().orElseThrow());
    assertTrue(leader.isLeader());
    assertEquals(2, CLUSTER.followers().size());
    assertEquals(3, CLUSTER.nodes().stream().map(ConsulCluster.Node::httpAddress).distinct().count());
    for (ConsulCluster.Node n : CLUSTER.nodes()) {
      assertEquals(Optional.of("\"" + leader.ipAddress() + ":8300\""), n.get("/v1/status/leader"), n.name());
    }
    assertTrue(CLUSTER.image().contains("consul"), CLUSTER.image());
  }

  @Test
  void aKilledLeaderIsReplacedAndComesBackOnTheSameAddress() {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    URI address = leader.httpAddress();
    long killedAt = System.nanoTime();
    leader.kill();
    assertEquals(ConsulCluster.State.STOPPED, leader.state());
    ConsulCluster.Node next = CLUSTER.awaitNewLeader(leader, Duration.ofSeconds(30));
    long failover = Await.millis(killedAt, System.nanoTime());
    assertNotEquals(leader, next);
    assertTrue(put(address, "fixture/killed").isEmpty(), "a killed node does not answer");
    leader.start();
    assertEquals(address, leader.httpAddress());
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    assertEquals(Optional.of(200), put(address, "fixture/killed"), "the restarted node serves writes again");
    System.out.printf("[fixture] new leader %d ms after SIGKILL of the leader%n", failover);
  }

  @Test
  void aPausedFollowerHangsWhileTheOthersGoOn() {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    follower.pause();
    assertEquals(ConsulCluster.State.PAUSED, follower.state());
    assertTrue(put(follower.httpAddress(), "fixture/paused").isEmpty(), "a paused node does not answer");
    assertEquals(Optional.of(200), put(leader.httpAddress(), "fixture/paused"), "the majority still writes");
    follower.unpause();
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    assertEquals(Optional.of(200), put(follower.httpAddress(), "fixture/paused"));
  }

  @Test
  void anIsolatedNodeAnswersButCannotWriteUntilReconnected() {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    ConsulCluster.Node follower = CLUSTER.followers().get(0);
    follower.isolate();
    assertEquals(ConsulCluster.State.ISOLATED, follower.state());
    // its HTTP port still answers (the client meets a node without a cluster), writes fail
    // (Consul holds a request up to 7 s waiting for a leader, then answers 500 "No cluster leader")
    Await.until(Duration.ofSeconds(30), () -> put(follower.httpAddress(), "fixture/isolated", Duration.ofSeconds(10))
        .filter(code -> code >= 500).isPresent(), () -> "a write through the isolated node failing");
    // (a status endpoint: agent endpoints may wait for the local state, locked by an anti-entropy sync that
    // waits for a leader)
    Await.until(Duration.ofSeconds(10), () -> follower.get("/v1/status/peers").isPresent(),
        () -> "the isolated node's HTTP API answering");
    assertEquals(Optional.of(200), put(leader.httpAddress(), "fixture/isolated"), "the majority still writes");
    assertEquals(leader, CLUSTER.leader().orElseThrow(), "isolating a follower keeps the leader");
    follower.reconnect();
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    assertEquals(Optional.of(200), put(follower.httpAddress(), "fixture/isolated"));
  }

  @Test
  void theLeaderCanBeIsolatedAndTheOthersElectANewOne() {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    long cutAt = System.nanoTime();
    leader.isolate();
    ConsulCluster.Node next = CLUSTER.awaitNewLeader(leader, Duration.ofSeconds(30));
    long failover = Await.millis(cutAt, System.nanoTime());
    assertTrue(List.of(CLUSTER.nodes().toArray()).contains(next));
    leader.reconnect();
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    System.out.printf("[fixture] new leader %d ms after the leader was cut off%n", failover);
  }

  /** PUT of a small KV value through {@code node}: the HTTP status, empty when no answer within 3 s. */
  private static Optional<Integer> put(URI node, String key) {
    return put(node, key, Duration.ofSeconds(3));
  }

  private static Optional<Integer> put(URI node, String key, Duration timeout) {
    try {
      HttpRequest r = HttpRequest.newBuilder(node.resolve("/v1/kv/" + key)).timeout(timeout)
          .PUT(HttpRequest.BodyPublishers.ofString("x")).build();
      return Optional.of(HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode());
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
