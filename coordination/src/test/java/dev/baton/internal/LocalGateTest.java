package dev.baton.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.testing.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gate's hand-over when the owner re-entered meanwhile (the concurrency proper is checked by jcstress). */
class LocalGateTest {

  /**
   * A lease closed by another thread while its owner re-enters: the gate is held twice when the closing
   * thread tries to hand it over. Nothing is handed over (the caller releases instead); no exception after
   * the hand-over's write was made.
   */
  @Test
  void handOverIsRefusedWhileTheOwnerHoldsTheGateTwice() throws Exception {
    LocalGate gate = new LocalGate();
    assertThrows(IllegalStateException.class, () -> gate.handOver("nobody owns it"));
    assertTrue(gate.acquire(-1));
    CompletableFuture<Object> waiter = CompletableFuture.supplyAsync(() -> {
      try {
        gate.acquire(-1);
        Object attachment = gate.attachment();
        gate.release();
        return attachment;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Await.until(Duration.ofSeconds(5), () -> gate.queued() == 1, () -> "the waiter queued");
    assertTrue(gate.acquire(-1), "the owner re-enters");
    assertFalse(gate.handOver("next hold"), "held twice: nothing handed over");
    assertEquals(2, gate.holds());
    assertEquals(1, gate.queued());
    assertEquals(1, gate.release());
    assertTrue(gate.handOver("next hold"), "held once: handed over");
    assertEquals("next hold", waiter.get(5, TimeUnit.SECONDS));
    assertEquals(0, gate.holds());
  }
}
