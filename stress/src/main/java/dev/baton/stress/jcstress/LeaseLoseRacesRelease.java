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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Invariant: a lease ends once. {@code lose} (the session keeper) races {@code release} (the owner closing
 * it). Exactly one wins; the loss listener, registered while held, fires exactly once when the loss won and
 * never when the release won. r1 = 1 when {@code lose} won (returned the listener, which the actor runs as
 * Baton's callers do), r2 = 1 when {@code release} won; the arbiter reads how often the listener fired (r3),
 * then tries a second loss (r4 = listeners it returned: must be 0, a listener never fires twice or after a
 * release).
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "Loss won; the listener fired once.")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "Release won; the listener never fired.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Both won: released in Consul and announced lost.")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Neither won.")
@Outcome(id = "0, 1, [1-9], .*", expect = FORBIDDEN, desc = "Listener fired after a release.")
@Outcome(id = ".*, .*, .*, [1-9]", expect = FORBIDDEN, desc = "A later loss returned listeners again.")
@Outcome(expect = FORBIDDEN, desc = "Anything else is broken too.")
@State
public class LeaseLoseRacesRelease {
  final LeaseState state = new LeaseState();
  final AtomicInteger fired = new AtomicInteger();

  public LeaseLoseRacesRelease() {
    if (state.addListener(fired::incrementAndGet)) throw new IllegalStateException("a fresh lease is held");
  }

  @Actor
  public void sessionLost(IIII_Result r) {
    List<Runnable> fire = state.lose("session lost");
    fire.forEach(Runnable::run);
    r.r1 = fire.isEmpty() ? 0 : 1;
  }

  @Actor
  public void ownerCloses(IIII_Result r) {
    r.r2 = state.release() ? 1 : 0;
  }

  @Arbiter
  public void after(IIII_Result r) {
    r.r3 = fired.get();
    r.r4 = state.lose("again").size();
  }
}
