package dev.baton.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.LeadershipState.Callback;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure leadership state: what each listener must hear (the races are jcstress tests in the stress module). */
class LeadershipStateTest {

  @Test
  void aListenerAddedWhileLeadingHearsTheRunningTermThenItsEnd() {
    LeadershipState<String> s = new LeadershipState<>();
    s.add("a");
    assertTrue(s.elected(5));
    assertFalse(s.announced(), "not announced before the listeners heard it");
    assertEquals(List.of(new Callback<>("a", 5)), s.pending());
    assertFalse(s.announced(), "not announced while being delivered");
    s.delivered();
    assertTrue(s.announced());

    s.add("b");
    assertTrue(s.outdated());
    assertFalse(s.announced(), "a listener added while leading has not heard onElected yet");
    assertEquals(List.of(new Callback<>("b", 5)), s.pending(), "only the new listener catches up");
    s.delivered();
    assertTrue(s.announced());

    assertTrue(s.revoked());
    assertEquals(List.of(new Callback<>("a", 0), new Callback<>("b", 0)), s.pending());
    s.delivered();
    assertEquals(List.of(), s.pending(), "nothing twice");
    assertFalse(s.outdated());
  }

  @Test
  void aListenerAddedWhileFollowerOrAfterTheRevocationHearsNothingOfThatTerm() {
    LeadershipState<String> s = new LeadershipState<>();
    s.add("early");
    assertEquals(List.of(), s.pending(), "a follower's listener is up to date");
    assertTrue(s.elected(3));
    assertTrue(s.revoked());                       // the term ended before the election thread delivered it
    s.add("late");
    assertEquals(List.of(), s.pending(), "a term nobody heard of is neither announced nor revoked");
    assertTrue(s.elected(4));
    assertEquals(List.of(new Callback<>("early", 4), new Callback<>("late", 4)), s.pending());
  }

  @Test
  void aListenerThatMissedARevocationHearsItBeforeTheNextTerm() {
    LeadershipState<String> s = new LeadershipState<>();
    s.add("a");
    assertTrue(s.elected(3));
    s.pending();
    s.delivered();
    assertTrue(s.revoked());
    assertTrue(s.elected(4));                      // revoked and elected again before the next round
    assertEquals(List.of(new Callback<>("a", 0), new Callback<>("a", 4)), s.pending(), "still alternating");
  }

  @Test
  void aListenerAddedTwiceHearsEverythingTwice() {
    LeadershipState<String> s = new LeadershipState<>();
    s.add("a");
    s.add("a");
    assertTrue(s.elected(2));
    assertEquals(List.of(new Callback<>("a", 2), new Callback<>("a", 2)), s.pending());
  }
}
