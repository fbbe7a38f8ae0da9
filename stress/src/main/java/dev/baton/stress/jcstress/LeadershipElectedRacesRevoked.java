package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LeadershipState;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: onElected and onRevoked strictly alternate. The candidate is leader of term 5; the end of that
 * term ({@code revoked()}) races the next term's election ({@code elected(7)}). Each transition that answers
 * true is announced once. r1 = revoked() answered true, r2 = elected(7) answered true, r3 = the term after
 * both (0: follower).
 *
 * <p>Revoke first: both announce, leader of term 7 (revoked, elected: alternating). Elect first: refused
 * (still leader of 5: announcing it would be two onElected in a row), then revoked: follower. Two
 * elections without a revoke between them, a revoke that is not announced, or a state that disagrees with the
 * announcements are FORBIDDEN.
 */
@JCStressTest
@Outcome(id = "1, 1, 7", expect = ACCEPTABLE, desc = "Revoked, then elected for term 7.")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "Election refused while still leader; then revoked.")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "The end of term 5 was never announced.")
@Outcome(id = "1, 1, 0", expect = FORBIDDEN, desc = "Elected was announced but the state is follower.")
@Outcome(id = "1, 0, [1-9]+", expect = FORBIDDEN, desc = "Leader without an onElected announcement.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class LeadershipElectedRacesRevoked {
  final LeadershipState<Object> state = new LeadershipState<>();

  public LeadershipElectedRacesRevoked() {
    if (!state.elected(5)) throw new IllegalStateException("a follower must accept its first term");
  }

  @Actor
  public void termEnds(III_Result r) {
    r.r1 = state.revoked() ? 1 : 0;
  }

  @Actor
  public void nextTerm(III_Result r) {
    r.r2 = state.elected(7) ? 1 : 0;
  }

  @Arbiter
  public void after(III_Result r) {
    r.r3 = (int) state.term();
  }
}
