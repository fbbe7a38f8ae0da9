package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LocalGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Invariant: a release racing a non-waiting acquire leaves consistent holds. The gate starts held by a
 * non-actor thread ({@link ForeignHolder}; a lease may be closed from any thread). One actor releases it
 * (r1 = holds left, must be 0); the other calls {@code tryAcquire} (r2 = 1 when it got the gate). The
 * arbiter reads the holds (r3) and the queue length (r4).
 *
 * <p>Either the newcomer came first and was refused (gate ends free: 0 holds), or came after the release and
 * got it (1 hold). A newcomer that "got" the gate while the release left it free, or a refused newcomer
 * that still left a hold or a queue entry behind, is broken.
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "tryAcquire first: refused; the release frees the gate.")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "Release first: tryAcquire takes the free gate.")
@Outcome(id = "0, 1, 0, .*", expect = FORBIDDEN, desc = "tryAcquire reported success but holds nothing.")
@Outcome(id = "0, 0, 1, .*", expect = FORBIDDEN, desc = "Refused, yet a hold is left on the gate.")
@Outcome(id = ".*, .*, .*, [1-9]", expect = FORBIDDEN, desc = "tryAcquire left an entry in the queue.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class GateReleaseRacesTryAcquire {
  final LocalGate gate = new LocalGate();

  public GateReleaseRacesTryAcquire() {
    ForeignHolder.hold(gate);
  }

  @Actor
  public void releaser(IIII_Result r) {
    r.r1 = gate.release();
  }

  @Actor
  public void newcomer(IIII_Result r) {
    r.r2 = gate.tryAcquire() ? 1 : 0;
  }

  @Arbiter
  public void after(IIII_Result r) {
    r.r3 = gate.holds();
    r.r4 = gate.queued();
  }
}
