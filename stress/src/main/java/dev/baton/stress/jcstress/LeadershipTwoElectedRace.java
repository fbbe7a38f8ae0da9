package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LeadershipState;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Invariant: never two onElected without an onRevoked between them, and never an old term again. The
 * candidate was leader of term 3 and has been revoked (a follower). Two elections race: {@code elected(5)}
 * and {@code elected(6)}. Exactly one is accepted (the other finds a leader already), and the state is that
 * one's term. r1, r2: the two answers; r3: the term after both; r4: {@code elected(3)} tried by the arbiter
 * after a {@code revoked()} (a term that already ended must never be announced again: 0).
 */
@JCStressTest
@Outcome(id = "1, 0, 5, 0", expect = ACCEPTABLE, desc = "Term 5 won; term 6 found a leader.")
@Outcome(id = "0, 1, 6, 0", expect = ACCEPTABLE, desc = "Term 6 won; term 5 found a leader (and is older).")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Two onElected without an onRevoked between them.")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "A follower refused a new term.")
@Outcome(id = ".*, .*, .*, 1", expect = FORBIDDEN, desc = "An ended term was announced again.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (a state that disagrees with the answers) is broken too.")
@State
public class LeadershipTwoElectedRace {
  final LeadershipState<Object> state = new LeadershipState<>();

  public LeadershipTwoElectedRace() {
    if (!state.elected(3) || !state.revoked()) throw new IllegalStateException("term 3 must start and end");
  }

  @Actor
  public void electedFive(IIII_Result r) {
    r.r1 = state.elected(5) ? 1 : 0;
  }

  @Actor
  public void electedSix(IIII_Result r) {
    r.r2 = state.elected(6) ? 1 : 0;
  }

  @Arbiter
  public void after(IIII_Result r) {
    r.r3 = (int) state.term();
    state.revoked();
    r.r4 = state.elected(3) ? 1 : 0;
  }
}
