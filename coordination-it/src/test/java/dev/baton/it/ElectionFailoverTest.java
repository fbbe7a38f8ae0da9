package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 4: leader election among three client processes ({@link ElectionCandidateMain}), one per Consul
 * node, while first the Raft leader is killed (SIGKILL; the first election leader talks to it) and then,
 * once the cluster is healed, the node of the current election leader is cut off from its peers.
 *
 * <p>Safety, from the ELECTED/REVOKED lines (one clock: {@link System#nanoTime()} of this machine) and the
 * writes each leader makes to a {@link FencedResource} every 50 ms:
 * <ul>
 *   <li>each process's terms alternate ELECTED, REVOKED, ...; every write of a term lies within it;
 *   <li>ordered by start, terms carry strictly increasing tokens: a newer term always holds the highest
 *       token, so at any instant at most one leader is <em>valid</em>;
 *   <li>where an older term is still open when a newer one begins (the old leader has not yet noticed its
 *       loss), fencing must reject it: no write of the older term is accepted after the newer term's first
 *       accepted write. Such overlaps are measured and printed;
 *   <li>every old leader of a fault ends its term (REVOKED) and leadership resumes after each fault.
 * </ul>
 * The failover times are printed.
 */
class ElectionFailoverTest {
  @RegisterExtension
  static final ConsulCluster CLUSTER = ConsulCluster.builder().build();

  @BeforeEach
  void heal() {
    CLUSTER.heal();
  }

  /** One leadership term of one process. {@code end} is REVOKED, or the end of the test when still open. */
  record Term(String candidate, long token, long start, long end, boolean revoked) {}

  private static final class Candidate {
    final String id;
    final ConsulCluster.Node node;
    final ChildJvm jvm;

    Candidate(String id, ConsulCluster.Node node, ChildJvm jvm) {
      this.id = id;
      this.node = node;
      this.jvm = jvm;
    }

    /** Terms from the output; an open one ends at {@code openEnd}. */
    List<Term> terms(long openEnd) {
      List<Term> terms = new ArrayList<>();
      long token = 0;
      long start = 0;
      for (String line : jvm.lines()) {
        String[] p = line.split(" ");
        if (p[0].equals("ELECTED")) {
          if (token != 0) fail(id + " ELECTED twice without REVOKED: " + jvm.lines());
          token = Long.parseLong(p[1]);
          start = Long.parseLong(p[2]);
        } else if (p[0].equals("REVOKED")) {
          if (token == 0) fail(id + " REVOKED without a term: " + jvm.lines());
          terms.add(new Term(id, token, start, Long.parseLong(p[1]), true));
          token = 0;
        }
      }
      if (token != 0) terms.add(new Term(id, token, start, openEnd, false));
      return terms;
    }

    Optional<Term> openTerm() {
      List<Term> t = terms(Long.MAX_VALUE);
      return t.isEmpty() || t.get(t.size() - 1).revoked() ? Optional.empty() : Optional.of(t.get(t.size() - 1));
    }
  }

  private static List<Term> allTerms(List<Candidate> candidates, long openEnd) {
    List<Term> all = new ArrayList<>();
    for (Candidate c : candidates) all.addAll(c.terms(openEnd));
    all.sort(Comparator.comparingLong(Term::start));
    return all;
  }

  /** Waits for a term with a token above {@code above} and answers it. */
  private static Term awaitTermAbove(List<Candidate> candidates, long above, Duration timeout) {
    return Await.value(timeout, () -> allTerms(candidates, Long.MAX_VALUE).stream()
            .filter(t -> t.token() > above).findFirst(),
        () -> "a leader with a token above " + above + "; " + CLUSTER.describe() + "; outputs: "
            + candidates.stream().map(c -> c.id + "=" + c.jvm.lines()).toList());
  }

  private static void awaitRevoked(Candidate c, long token, Duration timeout) {
    Await.until(timeout, () -> c.terms(Long.MAX_VALUE).stream().anyMatch(t -> t.token() == token && t.revoked()),
        () -> c.id + " revoking its term " + token + "; output: " + c.jvm.lines());
  }

  private static void awaitWrites(FencedResource resource, String writer, long token, int n) {
    Await.until(Duration.ofSeconds(10), () -> resource.writes().stream()
            .filter(w -> w.accepted() && w.writer().equals(writer) && w.token() == token).count() >= n,
        () -> n + " accepted writes by " + writer + " with token " + token + ": " + resource.writes().size());
  }

  @Test
  void atMostOneValidLeaderAcrossThreeProcessesWhileTheRaftLeaderIsKilledAndANodeIsCutOff() throws Exception {
    ConsulCluster.Node raftLeader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
    List<ConsulCluster.Node> followers = CLUSTER.followers();
    String prefix = Clients.uniquePrefix("election");
    List<Candidate> candidates = new ArrayList<>();
    try (FencedResource resource = new FencedResource()) {
      URI res = resource.startHttp();
      // A talks to the Raft leader and is elected first: the kill takes its node away
      Candidate a = new Candidate("A", raftLeader, Clients.process(ElectionCandidateMain.class,
          raftLeader.httpAddress().toString(), prefix, "leader", res.toString(), "A"));
      candidates.add(a);
      Term first = awaitTermAbove(candidates, 0, Duration.ofSeconds(60));
      assertEquals("A", first.candidate());
      for (int i = 0; i < 2; i++) {
        ConsulCluster.Node n = followers.get(i);
        String id = i == 0 ? "B" : "C";
        candidates.add(new Candidate(id, n, Clients.process(ElectionCandidateMain.class,
            n.httpAddress().toString(), prefix, "leader", res.toString(), id)));
      }
      for (Candidate c : candidates) c.jvm.awaitLine("CANDIDATE", Duration.ofSeconds(30));
      awaitWrites(resource, "A", first.token(), 5);

      // ---- fault 1: kill the Raft leader (and with it the node of the election leader)
      long killAt = System.nanoTime();
      raftLeader.kill();
      ConsulCluster.Node newRaftLeader = CLUSTER.awaitNewLeader(raftLeader, Duration.ofSeconds(30));
      long raftElected1 = System.nanoTime();
      Term second = awaitTermAbove(candidates, first.token(), Duration.ofSeconds(45));
      awaitRevoked(a, first.token(), Duration.ofSeconds(30));
      long aRevokedAt = a.terms(Long.MAX_VALUE).stream().filter(t -> t.token() == first.token())
          .findFirst().orElseThrow().end();
      awaitWrites(resource, second.candidate(), second.token(), 5);

      long healAt = System.nanoTime();
      raftLeader.start();
      CLUSTER.awaitHealthy(Duration.ofSeconds(60));
      long healed = Await.millis(healAt, System.nanoTime());

      // ---- fault 2: cut off the node of the current election leader
      Candidate current = candidates.stream().filter(c -> c.openTerm().isPresent()).findFirst()
          .orElseThrow(() -> new AssertionError("no leader after healing: "
              + candidates.stream().map(c -> c.id + "=" + c.jvm.lines()).toList()));
      Term before = current.openTerm().orElseThrow();
      boolean cutRaftLeader = current.node.isLeader();
      long isolateAt = System.nanoTime();
      current.node.isolate();
      Term third = awaitTermAbove(candidates, before.token(), Duration.ofSeconds(45));
      awaitRevoked(current, before.token(), Duration.ofSeconds(30));
      long oldRevokedAt = current.terms(Long.MAX_VALUE).stream().filter(t -> t.token() == before.token())
          .findFirst().orElseThrow().end();
      awaitWrites(resource, third.candidate(), third.token(), 5);
      current.node.reconnect();

      for (Candidate c : candidates) c.jvm.close();
      long endAt = System.nanoTime(); // an open term ends with its process (close() waits until it is gone)
      List<Term> terms = allTerms(candidates, endAt);

      // ---- safety
      for (int i = 1; i < terms.size(); i++) {
        if (terms.get(i).token() <= terms.get(i - 1).token()) {
          fail("a later term has a smaller token (two valid leaders possible): " + terms.get(i - 1) + " then "
              + terms.get(i) + "; all: " + terms);
        }
      }
      List<FencedResource.Write> writes = resource.writes();
      for (FencedResource.Write w : writes) {
        if (!w.accepted()) continue;
        boolean inTerm = terms.stream().anyMatch(t -> t.candidate().equals(w.writer()) && t.token() == w.token()
            && w.atNanos() - t.start() >= 0 && t.end() - w.atNanos() >= 0);
        assertTrue(inTerm, "accepted write outside its writer's term: " + w + "; terms: " + terms);
      }
      List<String> overlaps = new ArrayList<>();
      for (int i = 0; i < terms.size(); i++) {
        for (int j = i + 1; j < terms.size(); j++) {
          Term older = terms.get(i);
          Term newer = terms.get(j);
          long overlap = Math.min(older.end(), newer.end()) - newer.start();
          if (overlap <= 0) continue;
          overlaps.add(older.candidate() + "#" + older.token() + " still leader " + overlap / 1_000_000
              + " ms into " + newer.candidate() + "#" + newer.token());
          Optional<Long> newerFirst = writes.stream().filter(w -> w.accepted() && w.writer().equals(newer.candidate())
              && w.token() == newer.token()).map(FencedResource.Write::atNanos).min(Long::compare);
          if (newerFirst.isEmpty()) continue;
          for (FencedResource.Write w : writes) {
            if (w.accepted() && w.writer().equals(older.candidate()) && w.token() == older.token()
                && w.atNanos() - newerFirst.get() > 0) {
              fail("a stale leader's write was accepted after the newer term's first write: " + w + "; older "
                  + older + ", newer " + newer);
            }
          }
        }
      }
      Map<String, Long> rejected = new LinkedHashMap<>();
      for (FencedResource.Write w : resource.rejected()) rejected.merge(w.writer() + "#" + w.token(), 1L, Long::sum);

      System.out.printf("[election, 3 processes] terms: %s%n", terms.stream().map(t -> t.candidate() + "#"
          + t.token() + "[" + Await.millis(killAt, t.start()) + ".." + Await.millis(killAt, t.end()) + " ms]")
          .toList());
      System.out.printf("[election] fault 1, Raft leader %s killed (election leader A on it): new Raft leader %s "
              + "after %d ms; A revoked itself %d ms after the kill; new election leader %s#%d %d ms after the "
              + "kill (failover)%n", raftLeader.name(), newRaftLeader.name(), Await.millis(killAt, raftElected1),
          Await.millis(killAt, aRevokedAt), second.candidate(), second.token(), Await.millis(killAt, second.start()));
      System.out.printf("[election] cluster healed in %d ms; fault 2, %s (node of election leader %s#%d, Raft "
              + "leader: %s) cut off: %s revoked itself %d ms after the cut; new election leader %s#%d %d ms after "
              + "the cut (failover)%n", healed, current.node.name(), current.id, before.token(), cutRaftLeader,
          current.id, Await.millis(isolateAt, oldRevokedAt), third.candidate(), third.token(),
          Await.millis(isolateAt, third.start()));
      System.out.printf("[election] %d writes, %d rejected by fencing %s; overlapping terms: %s%n", writes.size(),
          resource.rejected().size(), rejected, overlaps);
    } finally {
      for (Candidate c : candidates) c.jvm.close();
    }
  }
}
