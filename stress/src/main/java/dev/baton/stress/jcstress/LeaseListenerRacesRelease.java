package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LeaseState;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: a listener never fires after a normal release, even when it is added while the lease is being
 * released. r1 = 1 when {@code release} won (it must: nothing else ends the lease here), r2 = 1 when
 * {@code addListener} said "run it now" (never: the lease is not lost). The arbiter then loses the lease
 * (too late: it was released) and counts the listener's runs (r3 = 0).
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "Released; the listener never runs.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "addListener asked to run the listener of a released lease.")
@Outcome(id = ".*, .*, [1-9]", expect = FORBIDDEN, desc = "A loss after the release fired the listener.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class LeaseListenerRacesRelease {
  final LeaseState state = new LeaseState();
  final AtomicInteger runs = new AtomicInteger();

  @Actor
  public void ownerCloses(III_Result r) {
    r.r1 = state.release() ? 1 : 0;
  }

  @Actor
  public void addsListener(III_Result r) {
    Runnable listener = runs::incrementAndGet;
    boolean runNow = state.addListener(listener);
    if (runNow) listener.run();
    r.r2 = runNow ? 1 : 0;
  }

  @Arbiter
  public void after(III_Result r) {
    state.lose("too late").forEach(Runnable::run);
    r.r3 = runs.get();
  }
}
