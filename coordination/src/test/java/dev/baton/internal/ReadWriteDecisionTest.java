package dev.baton.internal;

import static dev.baton.internal.ReadWriteDecision.Mode.READ;
import static dev.baton.internal.ReadWriteDecision.Mode.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.internal.ReadWriteDecision.Decision;
import dev.baton.internal.ReadWriteDecision.Entry;
import dev.baton.internal.ReadWriteDecision.Kind;
import dev.baton.internal.ReadWriteDecision.Mode;
import dev.baton.internal.ReadWriteDecision.Record;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The read-write lock's admission rules, without Consul. */
class ReadWriteDecisionTest {
  private static final Set<String> ALL = Set.of("r1", "r2", "r3", "w1", "w2", "me");

  private static Entry r(String id) {
    return new Entry(id, READ);
  }

  private static Entry w(String id) {
    return new Entry(id, WRITE);
  }

  private static Decision decide(List<Entry> holders, List<Entry> queue, Entry me) {
    return decide(holders, queue, me, null, ALL, marksOf(holders));
  }

  private static Map<String, Mode> marksOf(List<Entry> holders) {
    Map<String, Mode> marks = new HashMap<>();
    holders.forEach(h -> marks.put(h.id(), h.mode()));
    return marks;
  }

  private static Decision decide(List<Entry> holders, List<Entry> queue, Entry me, String ownWriter,
      Set<String> live, Map<String, Mode> marked) {
    return ReadWriteDecision.acquire(new Record(holders, queue), live, marked, me, ownWriter);
  }

  @Test
  void anEmptyLockAdmitsAReaderOrAWriterAtOnce() {
    Decision d = decide(List.of(), List.of(), r("me"));
    assertEquals(Kind.ADMIT, d.kind());
    assertEquals(new Record(List.of(r("me")), List.of()), d.next());
    assertEquals(Kind.ADMIT, decide(List.of(), List.of(), w("me")).kind());
  }

  @Test
  void readersShare() {
    Decision d = decide(List.of(r("r1"), r("r2")), List.of(), r("me"));
    assertEquals(Kind.ADMIT, d.kind());
    assertEquals(List.of(r("r1"), r("r2"), r("me")), d.next().holders());
  }

  @Test
  void aWriterWaitsForReadersAndWriters() {
    Decision d = decide(List.of(r("r1")), List.of(), w("me"));
    assertEquals(Kind.ENQUEUE, d.kind());
    assertEquals(new Record(List.of(r("r1")), List.of(w("me"))), d.next());
    assertEquals(Kind.ENQUEUE, decide(List.of(w("w1")), List.of(), w("me")).kind());
    assertEquals(Kind.WAIT, decide(List.of(w("w1")), List.of(w("me")), w("me")).kind());
  }

  @Test
  void aReaderWaitsForAWriterHolding() {
    assertEquals(Kind.ENQUEUE, decide(List.of(w("w1")), List.of(), r("me")).kind());
    assertEquals(Kind.WAIT, decide(List.of(w("w1")), List.of(r("me")), r("me")).kind());
  }

  @Test
  void aQueuedWriterBlocksNewReaders() {
    Decision d = decide(List.of(r("r1")), List.of(w("w1")), r("me"));
    assertEquals(Kind.ENQUEUE, d.kind(), "writer preference");
    assertEquals(List.of(w("w1"), r("me")), d.next().queue());
    assertEquals(Kind.WAIT, decide(List.of(r("r1")), List.of(w("w1"), r("me")), r("me")).kind());
  }

  @Test
  void readersQueuedBeforeAWriterEnterBeforeIt() {
    List<Entry> queue = List.of(r("r2"), w("w1"), r("me"));
    Decision first = decide(List.of(), queue, r("r2"));
    assertEquals(Kind.ADMIT, first.kind(), "nothing ahead of r2 but readers");
    assertEquals(List.of(w("w1"), r("me")), first.next().queue());
    assertEquals(Kind.WAIT, decide(List.of(), queue, w("w1")).kind(), "r2 is queued ahead of w1");
    assertEquals(Kind.WAIT, decide(List.of(), queue, r("me")).kind(), "w1 is queued ahead of me");
    // r2 entered: w1 waits for it to leave, then enters; me waits for w1
    assertEquals(Kind.WAIT, decide(List.of(r("r2")), List.of(w("w1"), r("me")), w("w1")).kind());
    assertEquals(Kind.ADMIT, decide(List.of(), List.of(w("w1"), r("me")), w("w1")).kind());
    assertEquals(Kind.WAIT, decide(List.of(w("w1")), List.of(r("me")), r("me")).kind());
    assertEquals(Kind.ADMIT, decide(List.of(), List.of(r("me")), r("me")).kind());
  }

  @Test
  void aWriterWaitsForEveryoneQueuedAheadOfIt() {
    assertEquals(Kind.WAIT, decide(List.of(), List.of(w("w1"), w("me")), w("me")).kind());
    assertEquals(Kind.ENQUEUE, decide(List.of(), List.of(r("r1")), w("me")).kind(),
        "a newcomer writer queues behind anyone queued");
  }

  @Test
  void deadEntriesArePrunedAndDoNotBlock() {
    Set<String> live = Set.of("me", "r1");
    Decision d = decide(List.of(w("w1"), r("r1")), List.of(w("w2")), r("me"), null, live, Map.of("r1", READ));
    assertEquals(Kind.ADMIT, d.kind(), "the dead writer holding and the dead writer queued count for nothing");
    assertEquals(new Record(List.of(r("r1"), r("me")), List.of()), d.next());
  }

  @Test
  void markedKeysCountWhenTheRecordLostThem() {
    Map<String, Mode> marks = Map.of("w1", WRITE);
    assertEquals(Kind.ENQUEUE, decide(List.of(), List.of(), r("me"), null, ALL, marks).kind(),
        "a writer the record forgot still holds through its mark");
    assertEquals(Kind.ENQUEUE, decide(List.of(), List.of(), w("me"), null, ALL, Map.of("r1", READ)).kind());
    assertEquals(Kind.ADMIT, decide(List.of(), List.of(), r("me"), null, ALL, Map.of("r1", READ)).kind());
  }

  @Test
  void aHolderFindsItselfAlreadyAdmittedOrDropped() {
    assertEquals(Kind.ALREADY_HOLDER, decide(List.of(r("me")), List.of(), r("me")).kind());
    assertEquals(Kind.DROPPED, decide(List.of(), List.of(), r("me"), null, ALL, Map.of("me", READ)).kind());
  }

  @Test
  void downgradeEntersPastTheQueue() {
    List<Entry> holders = List.of(w("w1"));
    List<Entry> queue = List.of(w("w2"), r("r1"));
    Decision d = decide(holders, queue, r("me"), "w1", ALL, marksOf(holders));
    assertEquals(Kind.ADMIT, d.kind());
    assertEquals(new Record(List.of(w("w1"), r("me")), queue), d.next());
    assertEquals(Kind.ENQUEUE, decide(holders, queue, r("me"), "w9", ALL, marksOf(holders)).kind(),
        "only the own thread's writer lets a reader in");
    assertEquals(Kind.ENQUEUE, decide(List.of(), queue, r("me"), "w1", ALL, Map.of()).kind(),
        "a writer that no longer holds is no downgrade: the queue counts again");
  }

  @Test
  void leavingRemovesHoldersAndWaiters() {
    Record rec = new Record(List.of(r("r1"), r("me")), List.of(w("w1"), r("me")));
    assertEquals(new Record(List.of(r("r1")), List.of(w("w1"))), ReadWriteDecision.leave(rec, "me"));
    assertEquals(rec, ReadWriteDecision.leave(rec, "nobody"));
  }
}
