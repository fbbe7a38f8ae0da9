package dev.baton.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The local deadline never comes later than another client could acquire after a forced invalidation. */
class ValidityWindowTest {
  private static Duration window(int ttlS, int lockDelayS) {
    return SessionKeeper.validityWindow(Duration.ofSeconds(ttlS), Duration.ofSeconds(lockDelayS));
  }

  @Test
  void theShorterOfTtlAndLockDelay() {
    assertEquals(Duration.ofSeconds(15), window(15, 15), "the default: lock-delay = TTL");
    assertEquals(Duration.ofSeconds(60), window(120, 60), "TTL 2 min, lock-delay capped at 60 s");
    assertEquals(Duration.ofSeconds(1), window(10, 1));
    assertEquals(Duration.ofSeconds(10), window(10, 30), "a longer lock-delay changes nothing");
  }

  @Test
  void lockDelayZeroPromisesOnlyTheTtl() {
    assertEquals(Duration.ofSeconds(10), window(10, 0));
  }
}
