package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input fails fast with a message naming the parameter and the value. No Consul needed. */
class CoordinatorBuilderTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "/abs", "a/../b", "..", "a/./b", "a//b", "bell\u0007", "tab\tname", "end/"})
  void invalidNamesAreRejected(String name) {
    try (Coordinator c = Coordinator.builder().address("http://127.0.0.1:1").build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.key(name));
      assertTrue(e.getMessage().startsWith("name "), e.getMessage());
    }
  }

  @Test
  void nullNameIsRejected() {
    try (Coordinator c = Coordinator.builder().address("http://127.0.0.1:1").build()) {
      assertThrows(IllegalArgumentException.class, () -> c.key(null));
      assertEquals("baton/jobs/report", c.key("jobs/report"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/root/", "a/../", "ctl\u0001/"})
  void invalidPrefixesAreRejected(String prefix) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Coordinator.builder().keyPrefix(prefix));
    assertTrue(e.getMessage().contains("keyPrefix"), e.getMessage());
  }

  @Test
  void prefixGetsATrailingSlash() {
    try (Coordinator c = Coordinator.builder().address("http://127.0.0.1:1").keyPrefix("app").build()) {
      assertEquals("app/", c.keyPrefix());
    }
  }

  @Test
  void ttlOutsideConsulsLimitsIsRejected() {
    IllegalArgumentException low = assertThrows(IllegalArgumentException.class,
        () -> Coordinator.builder().sessionTtl(Duration.ofSeconds(9)));
    assertTrue(low.getMessage().contains("sessionTtl") && low.getMessage().contains("PT9S"), low.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Coordinator.builder().sessionTtl(Duration.ofHours(25)));
    Coordinator.builder().sessionTtl(Duration.ofSeconds(10)).sessionTtl(Duration.ofHours(24));
  }

  @Test
  void lockDelayOutsideConsulsLimitsIsRejected() {
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
        () -> Coordinator.builder().lockDelay(Duration.ofMillis(-1)));
    assertTrue(neg.getMessage().contains("lockDelay"), neg.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Coordinator.builder().lockDelay(Duration.ofSeconds(61)));
    Coordinator.builder().lockDelay(Duration.ZERO).lockDelay(Duration.ofSeconds(60));
  }

  @Test
  void defaultLockDelayIsTheSessionTtl() {
    try (Coordinator c = Coordinator.builder().address("http://127.0.0.1:1").build()) {
      assertEquals(Duration.ofSeconds(15), c.sessionTtl());
      assertEquals(Duration.ofSeconds(15), c.lockDelay(), "covers the local deadline: one TTL");
    }
    try (Coordinator c = Coordinator.builder().address("http://127.0.0.1:1").sessionTtl(Duration.ofMinutes(5))
        .build()) {
      assertEquals(Duration.ofSeconds(60), c.lockDelay(), "capped at Consul's 60 s");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://127.0.0.1:8500", "127.0.0.1:8500", "unix:///tmp/consul.sock", "http://"})
  void nonHttpAddressesAreRejected(String address) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Coordinator.builder().address(address));
    assertTrue(e.getMessage().contains("address"), e.getMessage());
  }

  @Test
  void theTokenNeverShowsInToString() {
    String secret = "b1946ac9-2f3e-secret";
    Coordinator.Builder b = Coordinator.builder().address(URI.create("https://consul.example:8501")).token(secret);
    assertFalse(b.toString().contains(secret));
    try (Coordinator c = b.build()) {
      assertFalse(c.toString().contains(secret), c.toString());
      assertTrue(c.toString().contains("<hidden>"));
    }
  }
}
