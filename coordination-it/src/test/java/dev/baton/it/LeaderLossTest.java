package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 1: four independent clients take a lock in a loop while the Raft leader is stopped. Two talk to
 * the leader's HTTP port (their node goes away with it), one to each follower's. Throughout, no two holders
 * overlap and every holder's fencing token is larger than the previous one's; after the re-election the
 * clients of the followers go on, and once the old leader is back its two clients do too. The stall is
 * printed.
 */
class LeaderLossTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  /** Which node's session holds {@code key} now, read through {@code node} ("nobody" when free). */
  private static String holderNode(ConsulCluster.Node node, String key) {
    String entry = node.get("/v1/kv/" + key).orElse("");
    Matcher session = Pattern.compile("\"Session\":\"([^\"]+)\"").matcher(entry);
    if (!session.find()) return "nobody";
    String info = node.get("/v1/session/info/" + session.group(1)).orElse("");
    Matcher owner = Pattern.compile("\"Node\":\"([^\"]+)\"").matcher(info);
    Matcher name = Pattern.compile("\"Name\":\"([^\"]+)\"").matcher(info);
    return (owner.find() ? owner.group(1) : "?") + " (" + (name.find() ? name.group(1) : "?") + ")";
  }

  @Test
  void fourContendersStayExclusiveWhileTheLeaderIsStoppedAndReplaced() throws Exception {
    ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    List<ConsulCluster.Node> followers = CLUSTER.followers();
    String prefix = Clients.uniquePrefix("leader-loss");
    HoldLog log = new HoldLog();
    List<Contender> contenders = new ArrayList<>();
    try (FencedResource resource = new FencedResource()) {
      contenders.add(Contender.of("via-leader-1", leader.httpAddress(), prefix, "job", log, resource));
      contenders.add(Contender.of("via-leader-2", leader.httpAddress(), prefix, "job", log, resource));
      contenders.add(Contender.of("via-" + followers.get(0).name(), followers.get(0).httpAddress(), prefix, "job",
          log, resource));
      contenders.add(Contender.of("via-" + followers.get(1).name(), followers.get(1).httpAddress(), prefix, "job",
          log, resource));
      LeaderStop.Stopped stop = LeaderStop.startThenStopLeader(CLUSTER, leader, contenders, log);
      long stopAt = stop.stopAt();
      ConsulCluster.Node newLeader = stop.newLeader();
      String heldAtElection = holderNode(newLeader, prefix + "job");
      Await.until(Duration.ofSeconds(60), () -> log.countAfter(stopAt) >= 10,
          () -> "10 acquisitions after the leader stopped: " + contenders);
      HoldLog.Hold first = log.firstAfter(stop.stoppedAt()).orElseThrow();
      long[] stall = log.longestGap(stopAt, System.nanoTime());

      long recovered = LeaderStop.restartLeader(CLUSTER, leader, contenders, log, Duration.ofSeconds(60));
      for (Contender c : contenders) c.close();

      log.assertExclusiveWithGrowingTokens();
      assertEquals(List.of(), resource.rejected(), "no holder may ever write with a stale token");
      for (Contender c : contenders) assertEquals(0, c.staleWrites.get(), c.toString());
      System.out.printf("[leader stopped, 4 contenders, lock-delay %d ms] new Raft leader %s %d ms after "
          + "'docker stop'; stall: no client held the lock for %d ms (until %d ms after the stop); "
          + "first acquisition after the container was down: +%d ms; %d acquisitions in all, %d after the "
          + "stop; clients of the old leader acquiring again %d ms after it restarted; failed acquires per "
          + "client: %s; at the re-election the key was held by a session of %s%n", contenders.get(0).coordinator.lockDelay().toMillis(), newLeader.name(),
          Await.millis(stopAt, stop.electedAt()), stall[0], Await.millis(stopAt, stall[1]),
          Await.millis(stopAt, first.start()), log.count(), log.countAfter(stopAt), recovered,
          contenders.stream().map(c -> c.name + "=" + c.failures).toList(), heldAtElection);
    } finally {
      for (Contender c : contenders) c.close();
    }
  }
}
