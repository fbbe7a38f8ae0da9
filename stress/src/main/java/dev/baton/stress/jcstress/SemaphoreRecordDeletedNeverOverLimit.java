package dev.baton.stress.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: never more holders than permits, also when the holder record is deleted (issue 10, defect 7). A
 * 1-permit semaphore: c0 holds it (listed in the record, its key marked); c1's contender key exists; then an
 * operator deletes the record (in the state: the deletion itself races nothing of interest — a read before it
 * counts c0 by the record). c0's record watch finds itself missing, reports its lease lost ({@code c0Holds}
 * false) and only then deletes its key, while c1 runs the acquire protocol once ({@link HolderRecord}). r1: 1
 * when c0 still holds in the end; r2: c1's outcome — 1 admitted, 0 waiting, 2 admitted while c0's lease still
 * reported held (two holders of one permit); r3: the final record's verdict.
 *
 * <p>c1 is admitted only once c0 has given the permit up: with the record gone, c0's mark counts. Admitting
 * c1 while c0 holds is FORBIDDEN.
 */
@JCStressTest
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "c0 saw itself dropped and left; then c1 got the permit.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "c0 left after c1 looked: c1 waits for the next change.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "c1 admitted while c0 still held: two holders, limit 1.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (a record that disagrees with the holders) is broken too.")
@State
public class SemaphoreRecordDeletedNeverOverLimit {
  final HolderRecord record = new HolderRecord(1, List.of("c0"), List.of("c0", "c1"));
  /** c0's lease: isHeld(). */
  final AtomicBoolean c0Holds = new AtomicBoolean(true);

  public SemaphoreRecordDeletedNeverOverLimit() {
    record.deleteRecord();
  }

  @Actor
  public void holderWatch(III_Result r) {
    if (!record.stillHolder("c0")) {
      long key = record.keyVersion("c0");
      c0Holds.set(false);                             // reported lost first ...
      record.deleteKey("c0", key);                    // ... then the permit given back
    }
    r.r1 = c0Holds.get() ? 1 : 0;
  }

  @Actor
  public void newcomer(III_Result r) {
    int got = record.acquire("c1", 1);
    r.r2 = got == 1 && c0Holds.get() ? 2 : got;
  }

  @Arbiter
  public void after(III_Result r) {
    r.r3 = record.verdict(r.r2 == 1 ? Set.of("c1") : Set.of());
  }
}
