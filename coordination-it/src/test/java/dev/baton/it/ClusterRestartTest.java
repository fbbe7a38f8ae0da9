package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.Coordinator;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import dev.baton.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 5: the whole cluster goes down and comes back <b>with its data</b> (the containers are stopped
 * and started again, {@code /consul/data} persists: the Raft log, the KV store and the sessions survive).
 *
 * <p>Three clients, one per node, take a lock in a loop. The cluster is stopped and kept down until every
 * client has reported its session lost (by its local deadline: nothing can answer), and from that moment no
 * lease reports itself held: neither the loop's nor that of a fourth client that holds another lock across
 * the outage. Then the cluster starts again: the clients create new sessions and go on; the
 * fencing tokens keep growing across the restart (Raft indexes persist); no two holders ever overlap.
 */
class ClusterRestartTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  @Test
  void clientsNoticeTheOutageThenContinueWithNewSessionsAndGrowingTokens() throws Exception {
    String prefix = Clients.uniquePrefix("restart");
    HoldLog log = new HoldLog();
    List<Contender> contenders = new ArrayList<>();
    List<AutoCloseable> closeables = new ArrayList<>();
    try (FencedResource resource = new FencedResource()) {
      for (ConsulCluster.Node n : CLUSTER.nodes()) {
        contenders.add(Contender.of("via-" + n.name(), n.httpAddress(), prefix, "job", log, resource));
      }
      closeables.addAll(contenders);
      // one more client holds another lock across the whole outage
      Coordinator keeper = Clients.coordinator(CLUSTER.node(1).httpAddress(), prefix, "keeper");
      closeables.add(keeper);
      Lease kept = keeper.lock("kept").acquire(Duration.ofSeconds(30));
      String keptSession = keeper.sessionId();
      AtomicLong keptLostAt = new AtomicLong();
      kept.onLost(() -> keptLostAt.set(System.nanoTime()));

      long startedAt = System.nanoTime();
      contenders.forEach(Contender::start);
      Await.until(Duration.ofSeconds(60), () -> log.count() >= 15
              && contenders.stream().allMatch(c -> log.countAfter(c.name, startedAt) >= 2),
          () -> "15 acquisitions, 2 by each client, before the restart: " + contenders);
      Map<String, List<String>> sessionsBefore = new HashMap<>();
      for (Contender c : contenders) sessionsBefore.put(c.name, c.sessionsCreated());

      long stopAt = System.nanoTime();
      CLUSTER.stopAll();
      long downAt = System.nanoTime();
      Map<String, Long> detection = new HashMap<>();
      for (Contender c : contenders) {
        Contender.SessionEvent lost = Await.value(Clients.TTL.plusSeconds(10), () -> c.sessionEvents.stream()
                .filter(e -> e.kind().equals("lost") && e.atNanos() - stopAt > 0).findFirst(),
            () -> c.name + " reporting its session lost");
        detection.put(c.name, Await.millis(stopAt, lost.atNanos()));
        assertTrue(detection.get(c.name) <= Clients.TTL.toMillis() + 1000,
            c.name + " must report the loss by its local deadline: " + detection);
      }
      long maxTokenBefore = log.holds().stream().mapToLong(HoldLog.Hold::token).max().orElseThrow();
      // nothing is held now, and no lease says otherwise
      Await.until(Duration.ofSeconds(5), () -> keptLostAt.get() != 0, () -> "the kept lease reported lost");
      assertTrue(Await.millis(stopAt, keptLostAt.get()) <= Clients.TTL.toMillis() + 1000, "lost by the deadline");
      assertFalse(kept.isHeld(), "the kept lease must not report itself held while the cluster is down");
      assertThrows(LeaseLostException.class, kept::ensureHeld);
      for (Contender c : contenders) {
        Lease current = c.current;
        assertFalse(current != null && current.isHeld(), c.name + " reports a lease held while the cluster is down");
      }
      assertEquals(0, log.countAfter(downAt), "no acquisition while the cluster is down");

      long startAt = System.nanoTime();
      CLUSTER.startAll();
      long upAt = System.nanoTime();
      for (Contender c : contenders) {
        Await.until(Duration.ofSeconds(90), () -> log.countAfter(c.name, startAt) >= 2,
            () -> c.name + " acquiring again after the restart: " + c);
      }
      HoldLog.Hold first = log.firstAfter(startAt).orElseThrow();
      long recovered = Await.millis(startAt, System.nanoTime());
      for (Contender c : contenders) c.close();

      // the keeper takes its lock again, with a new session and a larger token
      kept.close();
      Lease keptAgain = keeper.lock("kept").acquire(Duration.ofSeconds(60));
      long keptAgainAt = Await.millis(startAt, System.nanoTime());
      assertNotEquals(keptSession, keeper.sessionId(), "a new session after the loss");
      assertTrue(keptAgain.fencingToken() > kept.fencingToken(), "a larger token after the restart");
      keptAgain.close();

      for (Contender c : contenders) {
        List<String> now = c.sessionsCreated();
        assertTrue(now.size() > sessionsBefore.get(c.name).size(), c.name + " created a new session");
        assertFalse(sessionsBefore.get(c.name).contains(now.get(now.size() - 1)));
      }
      assertTrue(first.token() > maxTokenBefore,
          "tokens keep growing across a restart that keeps the data: " + first + " after " + maxTokenBefore);
      log.assertExclusiveWithGrowingTokens();
      assertEquals(List.of(), resource.rejected(), "no holder may ever write with a stale token");
      System.out.printf("[whole cluster restarted, data persisted, lock-delay %d ms] down after %d ms; clients "
          + "reported their sessions lost after %s ms; cluster healthy again %d ms after 'docker start'; first "
          + "acquisition %d ms after the start (by %s, token %d > %d before); every client acquiring again "
          + "after %d ms; the client that held a lock across the outage reported it lost %d ms after the stop "
          + "and held it again (new session, token %d > %d) %d ms after the start%n",
          contenders.get(0).coordinator.lockDelay().toMillis(), Await.millis(stopAt, downAt),
          detection, Await.millis(startAt, upAt), Await.millis(startAt, first.start()), first.client(),
          first.token(), maxTokenBefore, recovered, Await.millis(stopAt, keptLostAt.get()),
          keptAgain.fencingToken(), kept.fencingToken(), keptAgainAt);
    } finally {
      for (AutoCloseable c : closeables) c.close();
    }
  }
}
