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
 * Invariant: no reader enters past a queued writer (writer preference), and a writer never enters next to a
 * reader. Reader r0 holds; writer w1 and a new reader r1 race ({@link ReadWriteRecord}). r1: 1 when w1 holds;
 * r2: 1 when r1 holds; r3: the invariant violations the record saw at the admitting commits, plus 10 when the
 * final queue is not the registration order (w1 alone when r1 got in first, else w1 then r1).
 *
 * <p>Either r1 registered (entered) before w1 queued, or it queued behind w1; w1 never enters while r0 reads.
 */
@JCStressTest
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "r1 entered before w1 queued; w1 waits for both readers.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "w1 queued first; r1 queued behind it.")
@Outcome(id = "1, .*, .*", expect = FORBIDDEN, desc = "The writer entered while r0 reads.")
@Outcome(expect = FORBIDDEN, desc = "A reader passed the queued writer, a wrong queue, or a livelock.")
@State
public class ReadWriteReaderNeverPassesQueuedWriter {
  final ReadWriteRecord lock = new ReadWriteRecord(List.of(new Entry("r0", Mode.READ)), List.of(),
      List.of("w1", "r1"));

  @Actor
  public void writer(III_Result r) {
    r.r1 = lock.acquire(new Entry("w1", Mode.WRITE), null);
  }

  @Actor
  public void reader(III_Result r) {
    r.r2 = lock.acquire(new Entry("r1", Mode.READ), null);
  }

  @Arbiter
  public void after(III_Result r) {
    List<String> expected = r.r2 == 1 ? List.of("w1") : List.of("w1", "r1");
    r.r3 = lock.violations() + (lock.queued().equals(expected) ? 0 : 10);
  }
}
