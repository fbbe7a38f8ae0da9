package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LocalGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Invariant: a thread interrupted while queued stops waiting and leaves the queue, so the gate is free for the
 * next one. Termination mode: the gate is held by a non-actor thread ({@link ForeignHolder}); the actor
 * waits for it (forever) and the signal interrupts the actor. After its {@code InterruptedException} the
 * actor releases the original hold (any thread may) and spins on {@code tryAcquire}, which succeeds only once
 * the queue is empty.
 *
 * <p>A gate that ignores the interrupt, or keeps the interrupted thread queued (so a free gate still refuses
 * newcomers), never lets the actor finish: STALE is FORBIDDEN. The multi-thread variant (a second waiter
 * queued behind the interrupted one gets the gate) is the JUnit test {@code LocalGateInterruptTest}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "Interrupted waiter left; the gate was free again.")
@Outcome(id = "STALE", expect = FORBIDDEN,
    desc = "The interrupted waiter kept waiting, or stayed in the queue and blocks the free gate.")
@State
public class GateInterruptedWaiterLeaves {
  final LocalGate gate = new LocalGate();
  volatile Thread waiter;

  public GateInterruptedWaiterLeaves() {
    ForeignHolder.hold(gate);
  }

  @Actor
  public void waiter() {
    waiter = Thread.currentThread();
    try {
      gate.acquire(-1);
      throw new IllegalStateException("acquired a gate that nobody released");
    } catch (InterruptedException expected) {
      // interrupted while queued (or before queueing): nothing held, queue left
    }
    gate.release();                                  // the builder's hold
    while (!gate.tryAcquire()) {
      Thread.onSpinWait();                           // loops forever if the interrupted entry stayed queued
    }
  }

  @Signal
  public void interrupt() {
    Thread t;
    while ((t = waiter) == null) {
      Thread.onSpinWait();
    }
    t.interrupt();
  }
}
