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
 * Invariant: a contender write that lands after its holder released never holds the permit (issue 10,
 * defect 8). A 1-permit semaphore: c0 holds it. c0 releases (its key deleted, then itself removed from the
 * record), and then an earlier PUT of c0's contender key lands late and re-creates the key, held by c0's
 * still-live session but not marked (the worst case: the same name as the holder's key). c1 contends once,
 * racing; afterwards (arbiter) c2 contends. r1: c1's outcome, r2: c2's (1 admitted, 0 waiting); r3: the final
 * record's verdict.
 *
 * <p>Exactly one of c1 and c2 gets the permit. Neither getting it is FORBIDDEN: the orphan kept the permit
 * nobody holds (the leak of defect 8: release left c0 in the record, or the decision counted an unmarked key).
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "c1 got the permit once c0 released; c2 waits.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "c1 looked while c0 held; c2 got the free permit.")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Nobody got the free permit: the late write leaked it.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Both got the only permit.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (a record that disagrees with the holders) is broken too.")
@State
public class SemaphoreLateContenderNeverCounts {
  final HolderRecord record = new HolderRecord(1, List.of("c0"), List.of("c0", "c1", "c2"));

  @Actor
  public void releaseThenLatePut() {
    record.release("c0");
    record.putKey("c0");                              // the held-back contender PUT lands
  }

  @Actor
  public void contender1(III_Result r) {
    r.r1 = record.acquire("c1", 1);
  }

  @Arbiter
  public void after(III_Result r) {
    r.r2 = record.acquire("c2", 1);
    Set<String> holding = new HashSet<>();
    if (r.r1 == 1) holding.add("c1");
    if (r.r2 == 1) holding.add("c2");
    r.r3 = record.verdict(holding);
  }
}
