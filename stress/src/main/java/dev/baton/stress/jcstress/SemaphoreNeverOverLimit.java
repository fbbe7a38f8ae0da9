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
 * Invariant: the semaphore never admits more holders than its limit. A 2-permit semaphore whose holder record
 * names a live holder ("c0") and a dead one ("ghost": its contender key is gone, so it is not live and must be
 * pruned before counting): one permit is free; c0's key is marked as holding. Two contenders race for it;
 * each reads the shared versioned prefix, decides with {@code SemaphoreDecision.acquire} and writes the record
 * with check-and-set on its version and marks its key, in one transaction, re-reading after a lost race
 * ({@link HolderRecord}). r1, r2: 1 when that contender holds a permit in the end;
 * r3: the holders in the final record when it lists exactly c0 and the winners, each once (100 + entries
 * otherwise).
 *
 * <p>Exactly one contender wins; both winning (three holders), a record with the ghost still in it, a
 * contender listed twice, or the free permit left unused are FORBIDDEN. (Two actors: jcstress cannot schedule
 * three on the 2-CPU machines here; the third holder is already in the record.)
 */
@JCStressTest
@Outcome(id = {"1, 0, 2", "0, 1, 2"}, expect = ACCEPTABLE, desc = "One of them took the free permit; c0 kept its.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Both got in: three holders, limit 2.")
@Outcome(id = ".*, .*, 1[0-9][0-9]", expect = FORBIDDEN,
    desc = "The record disagrees with the holders (a contender counted twice, the ghost kept, c0 dropped).")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "The free permit (the ghost's) was never given out.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (a livelock) is broken too.")
@State
public class SemaphoreNeverOverLimit {
  static final List<String> LIVE = List.of("c0", "c1", "c2");
  final HolderRecord record = new HolderRecord(2, List.of("ghost", "c0"), LIVE);

  @Actor
  public void contender1(III_Result r) {
    r.r1 = record.acquire("c1", 2);
  }

  @Actor
  public void contender2(III_Result r) {
    r.r2 = record.acquire("c2", 2);
  }

  @Arbiter
  public void after(III_Result r) {
    Set<String> holding = new HashSet<>(Set.of("c0"));
    if (r.r1 == 1) holding.add("c1");
    if (r.r2 == 1) holding.add("c2");
    r.r3 = record.verdict(holding);
  }
}
