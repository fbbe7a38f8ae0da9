package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LeadershipState;
import dev.baton.internal.LeadershipState.Callback;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Invariant: a listener added to a leading candidate hears strictly alternating callbacks, and its last one
 * matches the term. The candidate leads term 5; listener A has heard {@code onElected(5)}. A user thread adds
 * listener B while the election's thread runs a delivery round ({@code pending()}), ends the term
 * ({@code revoked()}) and runs another round; the arbiter runs a last round (the election thread's next
 * wake-up). Only the election's thread delivers, in the order {@code pending()} answers.
 *
 * <p>r1, r2 = B's onElected and onRevoked; r3 = 1 when B's callbacks alternate starting with onElected and the
 * last one matches the follower it ends as; r4 = A's onRevoked (exactly 1). B either joined in time for the
 * catch-up (elected, revoked) or after it (nothing): both are consistent. B hearing onElected without
 * onRevoked (it believes it leads), onRevoked without onElected, or A missing its revocation is FORBIDDEN.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "B caught up with term 5, then heard its revocation.")
@Outcome(id = "0, 0, 1, 1", expect = ACCEPTABLE, desc = "B joined after the catch-up: it heard nothing of term 5.")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "B believes it leads: onElected without onRevoked.")
@Outcome(id = "0, 1, .*", expect = FORBIDDEN, desc = "B heard onRevoked without onElected.")
@Outcome(id = ".*, .*, .*, [02-9]", expect = FORBIDDEN, desc = "A did not hear its revocation exactly once.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (out of order, twice) is broken too.")
@State
public class LeadershipListenerAddedRacesRevoked {
  final LeadershipState<String> state = new LeadershipState<>();
  final List<Callback<String>> heard = new ArrayList<>();       // the election thread's deliveries, in order

  public LeadershipListenerAddedRacesRevoked() {
    state.add("A");
    if (!state.elected(5) || state.pending().size() != 1) throw new IllegalStateException("A hears term 5");
    state.delivered();
  }

  @Actor
  public void userAddsListener() {
    state.add("B");
  }

  @Actor
  public void electionThread() {
    deliver();
    state.revoked();
    deliver();
  }

  private void deliver() {
    heard.addAll(state.pending());
    state.delivered();
  }

  @Arbiter
  public void after(IIII_Result r) {
    deliver();
    StringBuilder b = new StringBuilder();
    int revokedA = 0;
    for (Callback<String> c : heard) {
      if (c.listener().equals("B")) {
        b.append(c.elected() ? 'E' : 'R');
      } else if (!c.elected()) {
        revokedA++;
      }
    }
    String seq = b.toString();
    r.r1 = (int) seq.chars().filter(ch -> ch == 'E').count();
    r.r2 = (int) seq.chars().filter(ch -> ch == 'R').count();
    r.r3 = (seq.isEmpty() || seq.equals("ER")) && state.term() == 0 && !state.outdated() ? 1 : 0;
    r.r4 = revokedA;
  }
}
