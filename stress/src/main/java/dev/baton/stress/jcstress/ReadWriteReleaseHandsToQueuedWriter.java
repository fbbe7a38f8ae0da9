package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.baton.internal.ReadWriteDecision.Entry;
import dev.baton.internal.ReadWriteDecision.Mode;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: the last reader leaving lets the queued writer in, never a newer reader. Reader r0 holds and
 * writer w1 is queued; r0 releases while a new reader r2 tries to enter; then w1 tries again
 * ({@link ReadWriteRecord}). r1: 1 when r2 holds; r2: 1 when w1 holds in the end; r3: the invariant violations
 * the record saw at the admitting commits.
 */
@JCStressTest
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "r2 queued behind w1, which enters once r0 left.")
@Outcome(id = "1, .*, .*", expect = FORBIDDEN, desc = "A new reader passed the queued writer.")
@Outcome(expect = FORBIDDEN, desc = "The writer did not get its turn, an invariant broke, or a livelock.")
@State
public class ReadWriteReleaseHandsToQueuedWriter {
  final ReadWriteRecord lock = new ReadWriteRecord(List.of(new Entry("r0", Mode.READ)),
      List.of(new Entry("w1", Mode.WRITE)), List.of("r2"));

  @Actor
  public void leaving(III_Result r) {
    lock.release("r0");
  }

  @Actor
  public void newReader(III_Result r) {
    r.r1 = lock.acquire(new Entry("r2", Mode.READ), null);
  }

  @Arbiter
  public void after(III_Result r) {
    r.r2 = lock.acquire(new Entry("w1", Mode.WRITE), null);
    r.r3 = lock.violations();
  }
}
