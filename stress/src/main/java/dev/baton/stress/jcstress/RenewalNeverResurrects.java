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
 * Invariant: lost is final. Once a validity check has seen the session invalid, a renewal answer that is
 * applied afterwards (sent before the old deadline, so it would extend it) must not make the session valid
 * again.
 *
 * <p>Times: TTL 100, created at 0, so the deadline is 100. The renewal was sent at 50 and answered at 90
 * (before the old deadline; it would move the deadline to 150). The validity check runs at 120 (past the
 * old deadline, before the renewed one); the arbiter checks at 130 (also before the renewed deadline).
 * Results: r1 = isValid(120), r2 = renewed(50, 90), r3 = isValid(130) after both.
 */
@JCStressTest
@Outcome(id = "true, true, true", expect = ACCEPTABLE,
    desc = "Renewal applied first: deadline 150, so the check at 120 and the arbiter at 130 see it valid.")
@Outcome(id = "false, false, false", expect = ACCEPTABLE,
    desc = "Check first: 120 >= 100 makes it lost; the late renewal is refused and it stays invalid.")
@Outcome(id = "false, true, .*", expect = FORBIDDEN,
    desc = "Renewal accepted after the session was observed lost.")
@Outcome(id = "false, false, true", expect = FORBIDDEN,
    desc = "Observed invalid, yet valid again later (resurrected).")
@Outcome(expect = FORBIDDEN, desc = "Inconsistent: the check saw the renewal but the renewal was refused, "
    + "or valid at 120 but not at 130.")
@State
public class RenewalNeverResurrects {
  static final long TTL = 100;

  final SessionClock clock = new SessionClock(TTL, 0); // deadline 100

  @Actor
  public void validityCheck(ZZZ_Result r) {
    r.r1 = clock.isValid(120);
  }

  @Actor
  public void renewalAnswer(ZZZ_Result r) {
    r.r2 = clock.renewed(50, 90);
  }

  @Arbiter
  public void later(ZZZ_Result r) {
    r.r3 = clock.isValid(130);
  }
}
