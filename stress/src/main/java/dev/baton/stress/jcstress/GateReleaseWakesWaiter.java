package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LocalGate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Invariant: no lost wake-up. The gate starts held by a non-actor thread
 * ({@link ForeignHolder}); one actor releases it while the other acquires it with a
 * waiting acquire (bounded at 10 s, so that a lost wake-up shows as a FORBIDDEN outcome instead of a hang).
 * Whether the waiter queued before the release or arrived after it, it must get the gate: r2 = 1. The
 * arbiter checks it then owns exactly one hold (r3) and nobody is left queued (r4).
 */
@JCStressTest
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "The waiter got the gate (queued or not).")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "Lost wake-up: the waiter timed out on a free gate.")
@Outcome(id = ".*, .*, .*, [1-9]", expect = FORBIDDEN, desc = "A queue entry was left behind.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class GateReleaseWakesWaiter {
  static final long BOUND = TimeUnit.SECONDS.toNanos(10);

  final LocalGate gate = new LocalGate();

  public GateReleaseWakesWaiter() {
    ForeignHolder.hold(gate);
  }

  @Actor
  public void releaser(IIII_Result r) {
    r.r1 = gate.release();
  }

  @Actor
  public void waiter(IIII_Result r) {
    try {
      r.r2 = gate.acquire(BOUND) ? 1 : 0;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Arbiter
  public void after(IIII_Result r) {
    r.r3 = gate.holds();
    r.r4 = gate.queued();
  }
}
