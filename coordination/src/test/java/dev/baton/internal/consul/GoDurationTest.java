package dev.baton.internal.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Go duration strings as Consul prints and reads them. */
class GoDurationTest {

  @Test
  void parsesWhatConsulPrints() {
    assertEquals(Duration.ofSeconds(15), GoDuration.parse("15s"));
    assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
    assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
    assertEquals(Duration.ZERO, GoDuration.parse(""));
  }

  @Test
  void formatsWholeMilliseconds() {
    assertEquals("2500ms", GoDuration.format(Duration.ofMillis(2500)));
  }
}
