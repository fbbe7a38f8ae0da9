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
 * Invariant: a writer holds alone. On a free read-write lock a reader and a writer race, each reading the
 * shared versioned prefix, deciding with {@code ReadWriteDecision.acquire} and committing by check-and-set
 * ({@link ReadWriteRecord}). r1: 1 when the reader holds; r2: 1 when the writer holds; r3: the invariant
 * violations the record saw at the admitting commits, plus 10 when the loser is not queued.
 *
 * <p>Exactly one enters and the other queues; both inside, neither, or any violation is FORBIDDEN.
 */
@JCStressTest
@Outcome(id = {"1, 0, 0", "0, 1, 0"}, expect = ACCEPTABLE, desc = "One holds, the other is queued.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "A writer admitted next to a reader.")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "The free lock was given to nobody.")
@Outcome(expect = FORBIDDEN, desc = "An admission broke the invariants, the loser is not queued, or a livelock.")
@State
public class ReadWriteWriterExcludesReader {
  final ReadWriteRecord lock = new ReadWriteRecord(List.of(), List.of(), List.of("r1", "w1"));

  @Actor
  public void reader(III_Result r) {
    r.r1 = lock.acquire(new Entry("r1", Mode.READ), null);
  }

  @Actor
  public void writer(III_Result r) {
    r.r2 = lock.acquire(new Entry("w1", Mode.WRITE), null);
  }

  @Arbiter
  public void after(III_Result r) {
    List<String> expected = r.r1 == 1 ? List.of("w1") : List.of("r1");
    r.r3 = lock.violations() + (lock.queued().equals(expected) ? 0 : 10);
  }
}
