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
 * Invariant: reentrancy counts holds per owner, and another thread never shares them. The owner acquires
 * twice and releases once: it must still hold the gate with one hold left (r1 = holds left after its release,
 * r2 = 1 when it still is the owner). Meanwhile another thread tries to take the gate without waiting
 * (r3 = 1 when it got it; it then releases its own hold at once).
 *
 * <p>If the other thread got in first, the owner waited for it, so the owner's counts are unaffected. The
 * arbiter reads the holds left (r4): exactly the owner's last hold. A gate that treats the other thread as
 * reentrant, or counts holds across threads, ends with 0 or 2 holds, or the owner not owning.
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "The other thread found the gate held (or queued).")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "The other thread was first; the owner waited for it.")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "One release dropped both reentrant holds.")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "The owner lost ownership while it still had a hold.")
@Outcome(id = ".*, .*, .*, 0", expect = FORBIDDEN, desc = "The owner's last hold was released by someone else.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class GateReentrancy {
  final LocalGate gate = new LocalGate();

  @Actor
  public void owner(IIII_Result r) {
    try {
      gate.acquire(-1);
      gate.acquire(-1);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    r.r1 = gate.release();
    r.r2 = gate.isHeldByCurrentThread() ? 1 : 0;
  }

  @Actor
  public void other(IIII_Result r) {
    if (gate.tryAcquire()) {
      r.r3 = 1;
      gate.release();
    }
  }

  @Arbiter
  public void after(IIII_Result r) {
    r.r4 = gate.holds();
  }
}
