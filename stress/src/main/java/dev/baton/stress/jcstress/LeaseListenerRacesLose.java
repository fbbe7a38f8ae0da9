package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.LeaseState;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: a loss listener added while the lease is being lost runs exactly once: either {@code lose}
 * returns it (the listener was registered first), or {@code addListener} answers true and the caller runs it
 * at once (the loss came first). r1 = listeners {@code lose} returned, r2 = 1 when {@code addListener} said
 * "run it now"; both actors run what they were told to, and the arbiter counts the runs (r3).
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "Listener registered first; lose() returned it.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Loss first; addListener() said run it now.")
@Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "The listener never ran (lost notification).")
@Outcome(id = ".*, .*, [2-9]", expect = FORBIDDEN, desc = "The listener ran twice.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class LeaseListenerRacesLose {
  final LeaseState state = new LeaseState();
  final AtomicInteger runs = new AtomicInteger();

  @Actor
  public void sessionLost(III_Result r) {
    List<Runnable> fire = state.lose("session lost");
    fire.forEach(Runnable::run);
    r.r1 = fire.size();
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
    r.r3 = runs.get();
  }
}
