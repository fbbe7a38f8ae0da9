package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.SessionClock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * Invariant: the loss of a session is announced exactly once. A deadline check past the deadline
 * ({@code expireIfDue}) races an explicit {@code markLost}; exactly one of them must return true, so the
 * listeners are told once, never twice and never not at all.
 */
@JCStressTest
@Outcome(id = "true, false", expect = ACCEPTABLE, desc = "expireIfDue announced the loss, markLost did not.")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "markLost announced the loss, expireIfDue did not.")
@Outcome(id = "true, true", expect = FORBIDDEN, desc = "Loss announced twice.")
@Outcome(id = "false, false", expect = FORBIDDEN, desc = "Loss never announced.")
@State
public class LossAnnouncedOnce {
  static final long TTL = 100;

  final SessionClock clock = new SessionClock(TTL, 0); // deadline 100

  @Actor
  public void deadlineCheck(ZZ_Result r) {
    r.r1 = clock.expireIfDue(150); // past the deadline
  }

  @Actor
  public void consulSaysGone(ZZ_Result r) {
    r.r2 = clock.markLost();
  }
}
