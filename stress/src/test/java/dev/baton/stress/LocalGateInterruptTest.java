package dev.baton.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.baton.internal.LocalGate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thread interrupted while queued on a {@link LocalGate} leaves the gate to the next one. Written as a plain
 * test because it needs three threads in a fixed queue order (holder, interrupted waiter, next waiter), which
 * jcstress actors cannot set up; the single-waiter case is the jcstress test
 * {@code GateInterruptedWaiterLeaves}. Every wait here is bounded: a broken gate fails, it does not hang.
 */
class LocalGateInterruptTest {
  private static final long BOUND_MS = 10_000;

  /** A thread that acquires the gate (waiting forever) and reports what happened, then holds until told. */
  private static final class Waiter extends Thread {
    final LocalGate gate;
    final CompletableFuture<Object> outcome = new CompletableFuture<>();   // Boolean.TRUE or the exception
    final CountDownLatch releaseIt = new CountDownLatch(1);

    Waiter(LocalGate gate, String name) {
      super(name);
      this.gate = gate;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        gate.acquire(-1);
      } catch (Throwable t) {
        outcome.complete(t);
        return;
      }
      outcome.complete(Boolean.TRUE);
      while (true) {                                 // hold until told, whatever interrupts arrive late
        try {
          releaseIt.await();
          break;
        } catch (InterruptedException late) {
          // the interrupt lost the race against the release: keep holding
        }
      }
      gate.release();
    }
  }

  /** Waits (bounded) until {@code n} threads are queued; the gate has no event for that, so it yields. */
  private static void awaitQueued(LocalGate gate, int n) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
    while (gate.queued() != n) {
      if (System.nanoTime() - deadline > 0) fail("expected " + n + " queued, have " + gate.queued());
      Thread.yield();
    }
  }

  @Test
  @Timeout(30)
  void interruptedHeadOfQueueLetsTheNextWaiterIn() throws Exception {
    LocalGate gate = new LocalGate();
    assertTrue(gate.tryAcquire());

    Waiter first = new Waiter(gate, "first");
    first.start();
    awaitQueued(gate, 1);
    Waiter second = new Waiter(gate, "second");
    second.start();
    awaitQueued(gate, 2);

    first.interrupt();
    Object firstOutcome = first.outcome.get(BOUND_MS, TimeUnit.MILLISECONDS);
    assertInstanceOf(InterruptedException.class, firstOutcome, "the interrupted waiter must throw");
    awaitQueued(gate, 1);                            // it left the queue; the second one is still waiting
    assertFalse(second.outcome.isDone(), "the gate is still held by the test thread");

    assertEquals(0, gate.release());
    assertEquals(Boolean.TRUE, second.outcome.get(BOUND_MS, TimeUnit.MILLISECONDS),
        "the next waiter must get the gate once it is released");
    assertEquals(1, gate.holds());
    assertEquals(0, gate.queued());
    second.releaseIt.countDown();
    second.join(BOUND_MS);
    assertEquals(0, gate.holds());
    assertTrue(gate.tryAcquire(), "the gate must be free at the end");
  }

  @Test
  @Timeout(30)
  void interruptedLastWaiterLeavesAFreeGateFree() throws Exception {
    LocalGate gate = new LocalGate();
    assertTrue(gate.tryAcquire());
    Waiter w = new Waiter(gate, "waiter");
    w.start();
    awaitQueued(gate, 1);
    w.interrupt();
    assertInstanceOf(InterruptedException.class, w.outcome.get(BOUND_MS, TimeUnit.MILLISECONDS));
    assertEquals(0, gate.queued());
    assertEquals(0, gate.release());
    // A newcomer from another thread takes the free gate without waiting: nothing stale is queued.
    CompletableFuture<Boolean> newcomer = CompletableFuture.supplyAsync(gate::tryAcquire);
    assertTrue(newcomer.get(BOUND_MS, TimeUnit.MILLISECONDS));
  }

  /**
   * The interrupt races the release many times. Whatever wins, the state is consistent: either the waiter got
   * the gate (and holds it once) or it threw and the next waiter got it; the gate is never stuck, never held
   * by a thread that threw, and the queue is empty at the end.
   */
  @Test
  @Timeout(120)
  void interruptRacingReleaseNeverStrandsTheGate() throws Exception {
    int rounds = 2_000;
    int interruptedWins = 0;
    int acquiredWins = 0;
    for (int i = 0; i < rounds; i++) {
      LocalGate gate = new LocalGate();
      assertTrue(gate.tryAcquire());
      Waiter first = new Waiter(gate, "first-" + i);
      first.start();
      awaitQueued(gate, 1);
      Waiter second = new Waiter(gate, "second-" + i);
      second.start();
      awaitQueued(gate, 2);

      CountDownLatch go = new CountDownLatch(1);
      AtomicReference<Throwable> releaseError = new AtomicReference<>();
      Thread releaser = new Thread(() -> {
        try {
          go.await();
          gate.release();
        } catch (Throwable t) {
          releaseError.set(t);
        }
      });
      releaser.start();
      go.countDown();
      first.interrupt();
      releaser.join(BOUND_MS);
      assertNull(releaseError.get());

      Object firstOutcome = first.outcome.get(BOUND_MS, TimeUnit.MILLISECONDS);
      if (firstOutcome instanceof InterruptedException) {
        interruptedWins++;
        // The first waiter gave up: the second must get the gate.
        assertEquals(Boolean.TRUE, second.outcome.get(BOUND_MS, TimeUnit.MILLISECONDS), "round " + i);
        second.releaseIt.countDown();
      } else {
        assertEquals(Boolean.TRUE, firstOutcome, "round " + i);
        acquiredWins++;
        assertFalse(second.outcome.isDone(), "round " + i + ": both waiters got the gate");
        first.releaseIt.countDown();
        assertEquals(Boolean.TRUE, second.outcome.get(BOUND_MS, TimeUnit.MILLISECONDS), "round " + i);
        second.releaseIt.countDown();
      }
      first.join(BOUND_MS);
      second.join(BOUND_MS);
      assertEquals(0, gate.holds(), "round " + i);
      assertEquals(0, gate.queued(), "round " + i);
    }
    assertEquals(rounds, interruptedWins + acquiredWins);
    System.out.printf("interrupt vs release: waiter interrupted %d times, acquired %d times%n",
        interruptedWins, acquiredWins);
  }
}
