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
 * Invariant: a hand-over never goes to a thread that has left. The gate starts held by a non-actor thread
 * ({@link ForeignHolder}); one actor hands it over (with an attachment, as a releasing lease hands over its
 * remote hold) while the other waits for it with a very short timeout. Either the hand-over found the waiter
 * queued, and the waiter returns as the owner and sees the attachment (1, 1, 1 hold, 0 queued), or it found
 * nobody and changed nothing (0, 0: the holder keeps its hold, the waiter timed out).
 *
 * <p>FORBIDDEN: the hand-over succeeded but the waiter timed out (the hold, and the remote lock with it,
 * would belong to nobody), the waiter got the gate although the holder kept it (two owners), the attachment
 * lost, or a queue entry left behind.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE, desc = "Handed over to the queued waiter, attachment with it.")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "Nobody queued: nothing changed, the waiter timed out.")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "Handed over to a thread that had left.")
@Outcome(id = "0, 1, .*", expect = FORBIDDEN, desc = "The waiter got the gate although the holder kept it.")
@Outcome(expect = FORBIDDEN, desc = "Attachment lost, wrong hold count or a queue entry left behind.")
@State
public class GateHandOverRacesTimeout {
  static final long SHORT_WAIT_NANOS = 100_000;

  final LocalGate gate = new LocalGate();
  final Object remoteHold = new Object();

  public GateHandOverRacesTimeout() {
    ForeignHolder.hold(gate);
  }

  @Actor
  public void holder(IIII_Result r) {
    r.r1 = gate.handOver(remoteHold) ? 1 : 0;
  }

  @Actor
  public void waiter(IIII_Result r) {
    try {
      boolean got = gate.acquire(SHORT_WAIT_NANOS);
      r.r2 = got ? (gate.attachment() == remoteHold ? 1 : 2) : 0;
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
