package dev.baton.stress.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker's rules ({@link Records}) on hand-written record files; times in milliseconds below. */
class RecordsTest {
  static final long MS = 1_000_000;
  static final long TTL = 10_000 * MS;

  @TempDir
  Path dir;

  private final List<Records.Acquisition> acquisitions = new ArrayList<>();
  private final List<Records.Incarnation> incarnations = new ArrayList<>();

  private Records.Incarnation jvm(int jvm, String... lines) throws IOException {
    Path f = dir.resolve("jvm" + jvm + "-" + incarnations.size() + ".txt");
    List<String> scaled = new ArrayList<>();
    for (String l : lines) scaled.add(scale(l));
    Files.write(f, scaled);
    Records.Incarnation inc = Records.read(f, jvm, incarnations.size(), acquisitions);
    incarnations.add(inc);
    return inc;
  }

  /** Times in the test lines are milliseconds; records are nanoseconds. */
  private static String scale(String line) {
    String[] f = line.split(" ");
    int[] timeFields = switch (f[0]) {
      case "A", "R" -> new int[] {3, 4};
      case "Q", "L" -> new int[] {3};
      case "D" -> new int[] {2};
      case "C", "N", "K", "X", "S" -> new int[] {1};
      default -> new int[0];
    };
    for (int i : timeFields) f[i] = Long.toString(Long.parseLong(f[i]) * MS);
    return String.join(" ", f);
  }

  private Records.Analysis analyze(int limit) {
    return Records.analyze(acquisitions, incarnations, limit, TTL, 0, 60_000 * MS);
  }

  @Test
  void sequentialHoldersPassAndHandoffsAreMeasured() throws IOException {
    jvm(1, "K 0", "A 100 10 0 1 1", "Q 100 10 2", "R 100 10 2 3 1", "A 100 14 5 9 3", "Q 100 14 9", "R 100 14 9 10 1");
    jvm(2, "K 0", "A 200 12 1 4 2", "Q 200 12 4", "R 200 12 4 5 1");
    Records.Analysis a = analyze(1);
    assertEquals(3, a.count());
    assertEquals(0, a.violationCount(), a.violations.toString());
    assertEquals(2, a.handoffs.length);
    assertEquals(1 * MS, a.handoffs[0]);           // 3 -> 4
    assertEquals(4 * MS, a.handoffs[1]);           // 5 -> 9
    assertEquals(2.0, a.acquireCalls, 1e-9);
  }

  @Test
  void readersShareAndAWriterAfterThemPasses() throws IOException {
    // two readers overlap (r), then a writer alone, then a reader again
    jvm(1, "K 0", "A 100 10 0 1 1 r", "Q 100 10 5", "R 100 10 5 6 1", "A 100 16 8 9 1 r", "Q 100 16 12",
        "R 100 16 12 13 1");
    jvm(2, "K 0", "A 200 12 0 2 1 r", "Q 200 12 4", "R 200 12 4 5 1", "A 200 14 5 7 1", "Q 200 14 8",
        "R 200 14 8 9 1");
    Records.Analysis a = analyze(1);
    assertEquals(4, a.count());
    assertEquals(0, a.violationCount(), a.violations.toString());
  }

  @Test
  void aReaderNextToAWriterIsAViolation() throws IOException {
    jvm(1, "A 100 10 0 1 1", "Q 100 10 5", "R 100 10 5 6 1");
    jvm(2, "A 200 12 0 3 1 r", "Q 200 12 7", "R 200 12 7 8 1");
    Records.Analysis a = analyze(1);
    assertEquals(1, a.overlaps, a.violations.toString());
  }

  @Test
  void aWriterNextToAReaderIsAViolation() throws IOException {
    jvm(1, "A 100 10 0 1 1 r", "Q 100 10 5", "R 100 10 5 6 1");
    jvm(2, "A 200 12 0 3 1", "Q 200 12 7", "R 200 12 7 8 1");
    Records.Analysis a = analyze(1);
    assertEquals(1, a.overlaps, a.violations.toString());
  }

  @Test
  void aWriterWithATokenBelowAnEarlierReadersIsAViolation() throws IOException {
    jvm(1, "A 100 12 0 1 1 r", "Q 100 12 2", "R 100 12 2 3 1");
    jvm(2, "A 200 10 0 4 1", "Q 200 10 7", "R 200 10 7 8 1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.overlaps, a.violations.toString());
    assertTrue(a.tokenDisorder >= 1, a.violations.toString());
  }

  @Test
  void twoHoldersAtOnceAreAViolation() throws IOException {
    jvm(1, "A 100 10 0 1 1", "Q 100 10 5", "R 100 10 5 6 1");
    jvm(2, "A 200 12 0 3 1", "Q 200 12 7", "R 200 12 7 8 1");
    Records.Analysis a = analyze(1);
    assertEquals(1, a.overlaps);
  }

  @Test
  void tokensMustGrowWithAcquisitionOrderAndBeDistinct() throws IOException {
    jvm(1, "A 100 12 0 1 1", "Q 100 12 2", "R 100 12 2 3 1", "A 100 12 4 5 1", "Q 100 12 6", "R 100 12 6 7 1");
    jvm(2, "A 200 11 0 8 1", "Q 200 11 9", "R 200 11 9 10 1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.overlaps);
    assertEquals(1, a.tokenDuplicates);
    assertEquals(2, a.tokenDisorder);              // 12 -> 12, 12 -> 11
  }

  @Test
  void aKilledHolderStopsHoldingWhenKilled() throws IOException {
    Records.Incarnation killed = jvm(1, "K 0", "A 100 10 0 1 1");
    killed.killedAt = 20 * MS;
    jvm(2, "K 0", "A 200 12 0 25 1", "Q 200 12 26", "R 200 12 26 27 1");
    Records.Analysis ok = analyze(1);
    assertEquals(0, ok.violationCount(), ok.violations.toString());
    assertEquals(1, ok.failovers.size());
    assertEquals(5 * MS, ok.failoverTimes[0]);

    acquisitions.clear();
    incarnations.clear();
    Records.Incarnation killedLate = jvm(1, "K 0", "A 100 10 0 1 1");
    killedLate.killedAt = 30 * MS;
    jvm(2, "K 0", "A 200 12 0 25 1", "Q 200 12 26", "R 200 12 26 27 1");
    assertEquals(1, analyze(1).overlaps);
  }

  @Test
  void aHolderKilledDuringItsReleaseStoppedHoldingWhenItCalledRelease() throws IOException {
    Records.Incarnation killed = jvm(1, "K 0", "A 100 10 0 1 1", "Q 100 10 2");
    killed.killedAt = 20 * MS;
    jvm(2, "K 0", "A 200 12 0 3 1", "Q 200 12 4", "R 200 12 4 5 1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.violationCount(), a.violations.toString());
    assertTrue(Records.holdsNow(killed.file));               // its release never returned
  }

  @Test
  void aKilledConsulLockProcessStopsHoldingWhenKilledAndItsFailoverFollowsTheKill() throws IOException {
    // consul lock loops (one record file, jvm 0, no tokens): 900's process killed at 20 while its child held;
    // 901 gets the lock at 25; later 901's process is killed at 60 while holding, and nobody acquires until the
    // end of the run
    jvm(0, "A 900 -1 0 1 -1", "D 900 20", "A 901 -1 2 25 -1", "R 901 -1 26 26 -1", "A 901 -1 27 50 -1",
        "D 901 60");
    Records.Analysis a = Records.analyze(acquisitions, incarnations, 1, 0, 0, 1000 * MS, 19 * MS, 65 * MS);
    assertEquals(0, a.violationCount(), a.violations.toString());
    assertEquals("process killed", a.acquisitions.get(0).endedBy);
    assertEquals(List.of(5 * MS), List.of(a.failoversAfter(new long[] {19 * MS})[0]));
    assertEquals(0, a.failoversAfter(new long[] {30 * MS}).length);
    assertEquals(940 * MS, a.openFailoverAfter(new long[] {65 * MS}));   // still under way at the end (1000)
    assertEquals(-1, a.openFailoverAfter(new long[] {19 * MS}));
    assertTrue(a.failovers.get(0).startsWith("0.005 s from contender900's end (process killed)"), a.failovers.get(0));

    // killed at 30: 901's acquisition at 25 overlaps
    acquisitions.clear();
    incarnations.clear();
    jvm(0, "A 900 -1 0 1 -1", "D 900 30", "A 901 -1 2 25 -1", "R 901 -1 26 26 -1");
    assertEquals(1, analyze(1).overlaps);
  }

  @Test
  void aPausedHolderStopsHoldingOneTtlAfterItsLastRenewal() throws IOException {
    // jvm1 renews at 0, 3000, acquires at 4000, is stopped at 5000 for 40 s: no renewals; on resume (45000)
    // the lease is declared lost and released. Its validity ended at 3000 + TTL = 13000 (no renewal after 3000).
    jvm(1, "C 0 s1", "N 3000 s1", "A 100 10 3999 4000 1", "L 100 10 45000", "Q 100 10 45001",
        "R 100 10 45001 45002 1");
    jvm(2, "K 0", "N 3000 s2", "N 6000 s2", "N 9000 s2", "N 12000 s2", "N 15000 s2", "A 200 20 5000 15000 3",
        "Q 200 20 15001", "R 200 20 15001 15002 1");
    Records.Analysis ok = analyze(1);
    assertEquals(0, ok.violationCount(), ok.violations.toString());
    assertEquals("no renewal for a TTL", ok.acquisitions.get(0).endedBy);

    // the same, but the other one acquired while the paused holder's lease was still valid by Baton's rules
    acquisitions.clear();
    incarnations.clear();
    jvm(1, "C 0 s1", "N 3000 s1", "A 100 10 3999 4000 1", "L 100 10 45000", "Q 100 10 45001",
        "R 100 10 45001 45002 1");
    jvm(2, "K 0", "A 200 20 5000 12500 3", "Q 200 20 12501", "R 200 20 12501 12502 1");
    assertEquals(1, analyze(1).overlaps);
  }

  @Test
  void renewalsWhileRunningKeepALongHoldValid() throws IOException {
    jvm(1, "K 0", "A 100 10 0 1 1", "N 5000 s1", "N 10000 s1", "N 15000 s1", "Q 100 10 20000",
        "R 100 10 20000 20001 1");
    jvm(2, "K 0", "A 200 12 0 18000 1", "Q 200 12 18001", "R 200 12 18001 18002 1");
    assertEquals(1, analyze(1).overlaps);
  }

  @Test
  void aLostLeaseEndsWhenDeclaredLost() throws IOException {
    jvm(1, "K 0", "A 100 10 0 1 1", "L 100 10 50", "Q 100 10 70", "R 100 10 70 71 1");
    jvm(2, "K 0", "A 200 12 0 60 1", "Q 200 12 61", "R 200 12 61 62 1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.violationCount(), a.violations.toString());
    assertEquals(1, a.failovers.size());
  }

  @Test
  void semaphoreAdmitsUpToTheLimitAndOrdersTokensByRealTime() throws IOException {
    jvm(1, "A 100 10 0 1 1", "Q 100 10 10", "R 100 10 10 11 1", "A 101 11 0 2 1", "Q 101 11 10",
        "R 101 11 10 11 1");
    jvm(2, "A 200 12 0 12 1", "Q 200 12 13", "R 200 12 13 14 1");
    Records.Analysis a = analyze(2);
    assertEquals(0, a.violationCount(), a.violations.toString());
    assertEquals(1, analyze(1).overlaps);

    acquisitions.clear();
    incarnations.clear();
    jvm(1, "A 100 10 0 1 1", "Q 100 10 10", "R 100 10 10 11 1", "A 101 11 0 2 1", "Q 101 11 10",
        "R 101 11 10 11 1");
    jvm(2, "A 200 12 0 3 1", "Q 200 12 13", "R 200 12 13 14 1");   // a third holder at 3
    assertEquals(1, analyze(2).overlaps);

    acquisitions.clear();
    incarnations.clear();
    jvm(1, "A 100 20 0 1 1", "Q 100 20 2", "R 100 20 2 3 1");
    jvm(2, "A 200 15 5 6 1", "Q 200 15 7", "R 200 15 7 8 1");      // called after token 20 returned
    assertEquals(1, analyze(2).tokenDisorder);
  }

  // ---------------------------------------------------------------------- overlap across JVMs (issue 10)

  @Test
  void intervalsOfTwoJvmsThatOverlapAreFlaggedWhateverTheTokens() throws IOException {
    // jvm1 holds [100, 300] (acquire returned -> release called); jvm2's acquire returns at 200 with a larger
    // token, as after a late release freed the key: the tokens are in order, the overlap is the violation
    jvm(1, "K 0", "A 100 10 90 100 1", "Q 100 10 300", "R 100 10 300 301 1");
    jvm(2, "K 0", "A 200 11 150 200 1", "Q 200 11 250", "R 200 11 250 251 1");
    Records.Analysis a = analyze(1);
    assertEquals(1, a.overlaps);
    assertEquals(0, a.tokenDisorder + a.tokenDuplicates);
    assertEquals(1, a.violations.size());
    String v = a.violations.get(0);
    assertTrue(v.startsWith("EXCLUSION: jvm2#1 contender 200 token 11 acquired at 0.200 s"), v);
    assertTrue(v.contains("jvm1#0 contender 100 token 10 acquired at 0.100 s, held until 0.300 s (release)"), v);
    assertEquals(200 * MS, a.violationTimes.get(0));
  }

  @Test
  void anOverlapOfOneNanosecondIsFlaggedTouchingIntervalsAreNot() throws IOException {
    jvm(1, "K 0", "A 100 10 0 100 1", "Q 100 10 200", "R 100 10 200 210 1");
    Path f = dir.resolve("jvm2-ns.txt");
    Files.write(f, List.of("K 0", "A 200 11 0 " + (200 * MS - 1) + " 1", "Q 200 11 " + 300 * MS,
        "R 200 11 " + 300 * MS + " " + 301 * MS + " 1"));
    incarnations.add(Records.read(f, 2, 0, acquisitions));
    assertEquals(1, analyze(1).overlaps);

    acquisitions.clear();
    incarnations.clear();
    // release called at 200, the other's acquire returned at 200 (its answer still on the way back to jvm1)
    jvm(1, "K 0", "A 100 10 0 100 1", "Q 100 10 200", "R 100 10 200 260 1");
    jvm(2, "K 0", "A 200 11 150 200 1", "Q 200 11 300", "R 200 11 300 301 1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.violationCount(), a.violations.toString());
  }

  @Test
  void aReleaseWhoseAnswerComesLateEndsWhenItWasCalled() throws IOException {
    // the release was called at 200 and its answer was held back until 2000 (a delayed or dropped response):
    // jvm2 acquiring at 500 is a handoff, not an overlap
    jvm(1, "K 0", "A 100 10 0 100 1", "Q 100 10 200", "R 100 10 200 2000 1");
    jvm(2, "K 0", "A 200 11 150 500 1", "Q 200 11 600", "R 200 11 600 601 1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.violationCount(), a.violations.toString());
  }

  @Test
  void anElectionIntervalEndsWhenResignWasCalledNotWhenTheRevocationCame() throws IOException {
    // election records: Q when resign() is called, R when onRevoked ran (R's own release-called time is later)
    jvm(1, "K 0", "A 100 10 0 100 -1", "Q 100 10 200", "R 100 10 900 900 -1");
    jvm(2, "K 0", "A 200 11 0 500 -1", "Q 200 11 600", "R 200 11 650 650 -1");
    Records.Analysis a = analyze(1);
    assertEquals(0, a.violationCount(), a.violations.toString());
    assertEquals(200 * MS, a.acquisitions.get(0).releaseCalled);

    // without the Q line the revocation at 900 is the end: jvm2's election at 500 overlaps
    acquisitions.clear();
    incarnations.clear();
    jvm(1, "K 0", "A 100 10 0 100 -1", "R 100 10 900 900 -1");
    jvm(2, "K 0", "A 200 11 0 500 -1", "Q 200 11 600", "R 200 11 650 650 -1");
    assertEquals(1, analyze(1).overlaps);
  }

  @Test
  void aLeaseDeclaredLostEndsItsIntervalAcrossJvmsButNotLaterThanThat() throws IOException {
    // jvm1's lease is declared lost at 150; jvm2 acquires at 160 while jvm1 still calls release only at 400
    jvm(1, "K 0", "A 100 10 0 100 1", "L 100 10 150", "Q 100 10 400", "R 100 10 400 401 1");
    jvm(2, "K 0", "A 200 11 0 160 1", "Q 200 11 170", "R 200 11 170 171 1");
    Records.Analysis ok = analyze(1);
    assertEquals(0, ok.violationCount(), ok.violations.toString());
    assertEquals("declared lost", ok.acquisitions.get(0).endedBy);

    // onLost ran only after jvm2 had acquired: an overlap
    acquisitions.clear();
    incarnations.clear();
    jvm(1, "K 0", "A 100 10 0 100 1", "L 100 10 170", "Q 100 10 400", "R 100 10 400 401 1");
    jvm(2, "K 0", "A 200 11 0 160 1", "Q 200 11 180", "R 200 11 180 181 1");
    assertEquals(1, analyze(1).overlaps);
  }

  @Test
  void aSemaphoreOverItsLimitAcrossThreeJvmsIsFlagged() throws IOException {
    // 2 permits; jvm1 and jvm2 hold [100, 500]; jvm3 acquires at 300
    jvm(1, "K 0", "A 100 10 0 100 1", "Q 100 10 500", "R 100 10 500 501 1");
    jvm(2, "K 0", "A 200 11 0 110 1", "Q 200 11 500", "R 200 11 500 501 1");
    jvm(3, "K 0", "A 300 12 0 300 1", "Q 300 12 310", "R 300 12 310 311 1");
    Records.Analysis a = analyze(2);
    assertEquals(1, a.overlaps);
    assertTrue(a.violations.get(0).contains("returned while 2 held (limit 2)"), a.violations.get(0));
  }
}
