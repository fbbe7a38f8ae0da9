package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LocalGate;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: at most one thread holds the gate. Two threads acquire it (blocking), count the holders inside
 * (an atomic counter: r1, r2 are the holders each one saw, itself included) and do a plain read-modify-write
 * of a shared field under the gate; then release. The arbiter reads the field (r3).
 *
 * <p>A gate that lets both in is caught twice: one of them sees 2 holders, or one increment is lost (the
 * plain field ends at 1). Only "1, 1, 2" is correct.
 */
@JCStressTest
@Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "One holder at a time, both increments kept.")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "Actor 1 saw two holders inside the gate.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "Actor 2 saw two holders inside the gate.")
@Outcome(id = ".*, .*, 1", expect = FORBIDDEN, desc = "Lost update: both were inside at once.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class GateMutualExclusion {
  final LocalGate gate = new LocalGate();
  final AtomicInteger inside = new AtomicInteger();
  int counter;

  private int critical() {
    try {
      gate.acquire(-1);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    try {
      int seen = inside.incrementAndGet();
      counter = counter + 1;
      inside.decrementAndGet();
      return seen;
    } finally {
      gate.release();
    }
  }

  @Actor
  public void actor1(III_Result r) {
    r.r1 = critical();
  }

  @Actor
  public void actor2(III_Result r) {
    r.r2 = critical();
  }

  @Arbiter
  public void after(III_Result r) {
    r.r3 = counter;
  }
}
