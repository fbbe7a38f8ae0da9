package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.SessionClock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * Invariant: once the loss has been announced (listeners told "lost"), the session is never valid
 * afterwards, even though a renewal that would have extended the deadline races with the expiry check.
 *
 * <p>Times: TTL 100, created at 0, so the deadline is 100. The renewal was sent at 50 and answered at 90
 * (it would move the deadline to 150). {@code expireIfDue(120)} is past the old deadline but before the new
 * one. The arbiter checks validity at 130. Results: r1 = renewed(50, 90), r2 = expireIfDue(120),
 * r3 = isValid(130) after both.
 */
@JCStressTest
@Outcome(id = "true, false, true", expect = ACCEPTABLE,
    desc = "Renewal first: deadline 150, so 120 is not due, nothing announced, still valid at 130.")
@Outcome(id = "false, true, false", expect = ACCEPTABLE,
    desc = "Expiry first: lost and announced at 120; the late renewal is refused; invalid at 130.")
@Outcome(id = ".*, true, true", expect = FORBIDDEN, desc = "Loss announced, yet the session is valid later.")
@Outcome(expect = FORBIDDEN, desc = "Inconsistent: both or neither took effect.")
@State
public class RenewalRacesExpiry {
  static final long TTL = 100;

  final SessionClock clock = new SessionClock(TTL, 0); // deadline 100

  @Actor
  public void renewalAnswer(ZZZ_Result r) {
    r.r1 = clock.renewed(50, 90);
  }

  @Actor
  public void deadlineCheck(ZZZ_Result r) {
    r.r2 = clock.expireIfDue(120);
  }

  @Arbiter
  public void later(ZZZ_Result r) {
    r.r3 = clock.isValid(130);
  }
}
