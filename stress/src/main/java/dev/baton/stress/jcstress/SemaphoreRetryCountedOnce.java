package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: a contender is never counted twice, and a holder stays a holder when it decides again. A 1-permit
 * semaphore whose record does not exist yet (no limit stored: the first write sets it). Contender 1 runs the
 * acquire protocol twice in a row, as after a check-and-set whose answer was lost (it cannot tell whether its
 * write applied, so it reads and decides again): the second decision must find itself among the holders — not
 * add itself again, and not wait for the permit it holds. Contender 2 acquires once. r1, r2: 1 when holding in
 * the end (r1 = 10 + the second answer when contender 1's two answers differ); r3: the holders in the final
 * record when it lists exactly the winners, each once (100 + entries otherwise).
 */
@JCStressTest
@Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "One holds the permit, listed once.")
@Outcome(id = "1[0-9], .*", expect = FORBIDDEN,
    desc = "Contender 1 changed its mind on the retry (a holder that waits for its own permit, or the reverse).")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Both hold the only permit.")
@Outcome(id = ".*, .*, 1[0-9][0-9]", expect = FORBIDDEN,
    desc = "The record disagrees with the holders: contender 1 counted twice, or a winner missing.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (the permit never given out, a livelock) is broken too.")
@State
public class SemaphoreRetryCountedOnce {
  static final List<String> LIVE = List.of("c1", "c2");
  final HolderRecord record = new HolderRecord(0, List.of(), LIVE);

  @Actor
  public void retryingContender(III_Result r) {
    int first = record.acquire("c1", 1);
    int again = record.acquire("c1", 1);    // the answer was lost: read and decide again
    r.r1 = first == again ? again : 10 + again;
  }

  @Actor
  public void contender2(III_Result r) {
    r.r2 = record.acquire("c2", 1);
  }

  @Arbiter
  public void after(III_Result r) {
    Set<String> holding = new HashSet<>();
    if (r.r1 == 1) holding.add("c1");
    if (r.r2 == 1) holding.add("c2");
    r.r3 = record.verdict(holding);
  }
}
