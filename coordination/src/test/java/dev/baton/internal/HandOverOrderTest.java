package dev.baton.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.baton.internal.consul.KvEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class HandOverOrderTest {
  private static final String P = "locks/x/.wait/";
  private static final String A = "aaaaaaaa-0000-0000-0000-000000000001";
  private static final String B = "bbbbbbbb-0000-0000-0000-000000000002";
  private static final String C = "cccccccc-0000-0000-0000-000000000003";

  private static KvEntry announced(String session, int n, long createIndex) {
    return new KvEntry(P + session + "-" + n, new byte[0], 0, createIndex, createIndex, 1, session);
  }

  private static KvEntry dead(String session, int n, long createIndex) {
    return new KvEntry(P + session + "-" + n, new byte[0], 0, createIndex, createIndex + 5, 1, null);
  }

  @Test
  void theNextAnnouncerAfterTheReleasersOwnIsChosenRoundRobin() {
    List<KvEntry> all = List.of(announced(A, 1, 10), announced(B, 1, 20), announced(C, 1, 30));
    assertEquals(P + B + "-1", HandOverOrder.choose(P, all, A).next().key());
    assertEquals(P + C + "-1", HandOverOrder.choose(P, all, B).next().key());
    assertEquals(P + A + "-1", HandOverOrder.choose(P, all, C).next().key(), "wraps around");
  }

  @Test
  void aReleaserWithoutAnnouncementHandsToTheOldest() {
    List<KvEntry> all = List.of(announced(C, 1, 30), announced(B, 1, 20));
    assertEquals(P + B + "-1", HandOverOrder.choose(P, all, A).next().key());
  }

  @Test
  void onlyItsOwnAnnouncementMeansNobodyToHandTo() {
    assertNull(HandOverOrder.choose(P, List.of(announced(A, 1, 10)), A).next());
    assertNull(HandOverOrder.choose(P, List.of(), A).next());
  }

  @Test
  void endedSessionsArePrunedNotChosen() {
    HandOverOrder.Choice c = HandOverOrder.choose(P, List.of(dead(B, 1, 20), announced(C, 1, 30)), A);
    assertEquals(P + C + "-1", c.next().key());
    assertEquals(List.of(P + B + "-1"), c.dead().stream().map(KvEntry::key).toList());
  }

  @Test
  void keysOfAnotherShapeAreNeitherChosenNorPruned() {
    KvEntry userLock = new KvEntry(P + "report", new byte[0], 0, 5, 5, 1, B);          // a lock named x/.wait/report
    KvEntry freeUserLock = new KvEntry(P + "other", new byte[0], 0, 6, 6, 1, null);
    KvEntry foreignHolder = new KvEntry(P + C + "-1", new byte[0], 0, 7, 7, 1, B);  // not held by its own session
    KvEntry nested = new KvEntry(P + B + "-1/deeper", new byte[0], 0, 8, 8, 1, B);
    HandOverOrder.Choice c = HandOverOrder.choose(P, List.of(userLock, freeUserLock, foreignHolder, nested), A);
    assertNull(c.next());
    assertEquals(List.of(), c.dead());
  }
}
