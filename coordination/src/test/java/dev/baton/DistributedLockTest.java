package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.QueryResult;
import dev.baton.testing.CallCounter;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.HoldLockMain;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The lock against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class DistributedLockTest {

  @Test
  void twoCoordinatorsTimesFourThreadsKeepACounterExact(TestConsul consul) throws Exception {
    int perThread = 250;
    int[] counter = {0};                                   // deliberately unsynchronised
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<Long> tokens = new ArrayList<>();                 // appended inside the critical section only
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        DistributedLock lock = (t % 2 == 0 ? a : b).lock("counter");
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            try (Lease lease = lock.acquire()) {
              if (inside.incrementAndGet() != 1) overlaps.incrementAndGet();
              tokens.add(lease.fencingToken());
              counter[0]++;
              inside.decrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) f.get(5, TimeUnit.MINUTES);
      pool.shutdown();
    }
    assertEquals(8 * perThread, counter[0]);
    assertEquals(0, overlaps.get(), "two holders at once");
    for (int i = 1; i < tokens.size(); i++) {
      assertTrue(tokens.get(i) > tokens.get(i - 1), "token " + tokens.get(i) + " after " + tokens.get(i - 1));
    }
  }

  /**
   * The lock transaction is tied to the key's state; the first acquisition of a key by a Coordinator reads
   * that state once, later ones know it from the answers of their own calls.
   */
  @Test
  void uncontendedAcquireAndReleaseCostTwoHttpCalls(TestConsul consul) throws Exception {
    // counted on this thread: renewals and the held-key watch run in the background
    CallCounter counter = new CallCounter();
    try (Coordinator c = consul.builder().metrics(counter).build()) {
      c.sessionId();
      DistributedLock lock = c.lock("cheap");
      long before = counter.onThisThread();
      try (Lease lease = lock.acquire()) {
        assertTrue(lease.isHeld());
      }
      assertEquals(3, counter.onThisThread() - before, "first time: read the key + acquire (txn lock) + release");
      before = counter.onThisThread();
      try (Lease lease = c.lock("cheap").acquire()) {
        assertTrue(lease.isHeld());
      }
      assertEquals(2, counter.onThisThread() - before, "acquire (txn lock) + release");
      before = counter.onThisThread();
      lock.tryAcquire().orElseThrow().close();
      assertEquals(2, counter.onThisThread() - before, "tryAcquire + release");
    }
  }

  /**
   * Threads of one Coordinator waiting at the gate get the hold handed over: one call per hand-over (the
   * successor's re-lock with its own value) instead of a release and an acquire; every holder still gets a
   * larger token and its own value in the key, and the last release frees the key in Consul.
   */
  @Test
  void localWaitersGetTheHoldHandedOverWithOneCallEach(TestConsul consul) throws Exception {
    int threads = 4;
    int perThread = 100;
    List<Long> tokens = new ArrayList<>();                 // appended inside the critical section only
    AtomicInteger wrongHolder = new AtomicInteger();
    AtomicLong calls = new AtomicLong();
    CallCounter counter = new CallCounter();
    try (Coordinator c = consul.builder().metrics(counter).build(); ConsulTransport raw = consul.transport()) {
      c.sessionId();
      DistributedLock lock = c.lock("handover");
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          long before = counter.onThisThread();
          for (int i = 0; i < perThread; i++) {
            try (Lease lease = lock.acquire()) {
              tokens.add(lease.fencingToken());
              if (i % 10 == 0 && raw.kvGet(lock.key()).orElseThrow().modifyIndex() != lease.fencingToken()) {
                wrongHolder.incrementAndGet();             // the key must carry this holder's write
              }
            }
          }
          calls.addAndGet(counter.onThisThread() - before);
          return null;
        }));
      }
      for (Future<?> f : futures) f.get(2, TimeUnit.MINUTES);
      pool.shutdown();
      assertNull(raw.kvGet(lock.key()).orElseThrow().session(), "released in Consul after the last holder");
      assertEquals(0, c.localGates());
    }
    int acquisitions = threads * perThread;
    assertEquals(acquisitions, tokens.size());
    for (int i = 1; i < tokens.size(); i++) {
      assertTrue(tokens.get(i) > tokens.get(i - 1), "token " + tokens.get(i) + " after " + tokens.get(i - 1));
    }
    assertEquals(0, wrongHolder.get(), "a holder's token differs from the key's index");
    // without hand-overs every acquisition costs an acquire and a release (2 calls) or more
    assertTrue(calls.get() < 1.5 * acquisitions, calls.get() + " calls for " + acquisitions + " acquisitions");
  }

  /**
   * Hand-overs are capped: a client whose threads keep the lock busy without pause still lets another client
   * in (default mode is not FIFO, but it must not starve other clients).
   */
  @Test
  void localHandOversDoNotStarveAnotherClient(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch busyAcquisitions = new CountDownLatch(50);
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<?>> busy = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        busy.add(pool.submit(() -> {
          while (!stop.get()) {
            try (Lease lease = a.lock("busy").acquire()) {
              busyAcquisitions.countDown();
            }
          }
          return null;
        }));
      }
      try {
        assertTrue(busyAcquisitions.await(10, TimeUnit.SECONDS), "the busy client must get going");
        long longest = 0;
        for (int i = 0; i < 5; i++) {
          long t0 = System.nanoTime();
          try (Lease lease = b.lock("busy").acquire(Duration.ofSeconds(10))) {
            assertTrue(lease.isHeld());
          }
          longest = Math.max(longest, System.nanoTime() - t0);
        }
        System.out.printf("other client under local hand-overs: longest wait %.1f ms%n", longest / 1e6);
      } finally {
        stop.set(true);
        for (Future<?> f : busy) f.get(30, TimeUnit.SECONDS);
        pool.shutdown();
      }
    }
  }

  /**
   * The holder's session is destroyed from outside while another thread of the same client waits, and the
   * holder closes before the keeper noticed: the hand-over must not pass on a hold that no longer exists.
   * The waiter gets the lock with a fresh session, after the lock-delay, with a larger token.
   */
  @Test
  void noHandOverOfAHoldWhoseSessionIsGone(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedLock lock = a.lock("gone");
      Lease first = lock.acquire();
      String firstSession = a.sessionId();
      CompletableFuture<Lease> waiter = CompletableFuture.supplyAsync(() -> {
        try {
          return lock.acquire(Duration.ofSeconds(10));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThrows(TimeoutException.class, () -> waiter.get(200, TimeUnit.MILLISECONDS), "must wait");
      long destroyedAt = System.nanoTime();
      raw.sessionDestroy(firstSession);
      first.close();                                         // likely before the keeper noticed
      try (Lease next = waiter.get(15, TimeUnit.SECONDS)) {
        long ms = (System.nanoTime() - destroyedAt) / 1_000_000;
        assertTrue(next.isHeld());
        assertTrue(next.fencingToken() > first.fencingToken());
        assertNotEquals(firstSession, a.sessionId(), "a fresh session");
        KvEntry entry = raw.kvGet(lock.key()).orElseThrow();
        assertEquals(a.sessionId(), entry.session(), "held in Consul by the fresh session");
        assertEquals(next.fencingToken(), entry.modifyIndex());
        assertTrue(ms >= a.lockDelay().toMillis() - 50, "acquired inside the lock-delay: " + ms + " ms");
      }
      assertNull(raw.kvGet(lock.key()).orElseThrow().session(), "released");
    }
  }

  @Test
  void leaseBasicsHolderReentrancyAndIdempotentClose(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().ownerId("owner-1").build();
         ConsulTransport raw = consul.transport()) {
      DistributedLock lock = c.lock("basics");
      assertTrue(lock.holder().isEmpty());
      Lease outer = lock.acquire();
      LockHolder holder = lock.holder().orElseThrow();
      assertEquals("owner-1", holder.ownerId());
      assertEquals(c.sessionId(), holder.sessionId());
      assertEquals(outer.fencingToken(), holder.fencingToken());
      assertTrue(holder.acquiredAt() != null);

      Lease inner = c.lock("basics").acquire();             // same thread, another lock object: reentrant
      assertEquals(outer.fencingToken(), inner.fencingToken());
      inner.close();
      inner.close();                                        // idempotent: must not drop the outer hold
      assertTrue(outer.isHeld());
      assertEquals(c.sessionId(), raw.kvGet(lock.key()).orElseThrow().session(), "still held in Consul");
      outer.close();
      assertFalse(outer.isHeld());
      assertThrows(LeaseLostException.class, outer::ensureHeld);
      assertNull(raw.kvGet(lock.key()).orElseThrow().session(), "released in Consul");
      assertEquals(0, c.localGates(), "no gate left behind");
      Lease again = lock.acquire();
      assertTrue(again.fencingToken() > outer.fencingToken());
      again.close();
    }
  }

  @Test
  void otherThreadOfTheSameCoordinatorWaitsAndTimesOut(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build()) {
      try (Lease held = c.lock("local").acquire()) {
        CompletableFuture<Optional<Lease>> tried = CompletableFuture.supplyAsync(() -> c.lock("local").tryAcquire());
        assertTrue(tried.get(5, TimeUnit.SECONDS).isEmpty(), "another thread must not get it");
        CompletableFuture<Long> timedOut = CompletableFuture.supplyAsync(() -> {
          long t0 = System.nanoTime();
          try {
            c.lock("local").acquire(Duration.ofMillis(200)).close();
            return -1L;
          } catch (TimeoutException e) {
            return (System.nanoTime() - t0) / 1_000_000;
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        long ms = timedOut.get(5, TimeUnit.SECONDS);
        assertTrue(ms >= 200 && ms < 1000, "timed out after " + ms + " ms");
        assertTrue(held.isHeld());
      }
    }
  }

  @Test
  void acquireTimeoutIsHonouredAgainstAnotherClient(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      try (Lease held = a.lock("timed").acquire()) {
        long t0 = System.nanoTime();
        assertThrows(TimeoutException.class, () -> b.lock("timed").acquire(Duration.ofMillis(200)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 200 && ms < 1000, "timed out after " + ms + " ms");
        assertTrue(b.lock("timed").tryAcquire().isEmpty());
        assertEquals(a.sessionId(), raw.kvGet(held.key()).orElseThrow().session());
      }
    }
  }

  @Test
  void interruptWhileWaitingLeavesNothingBehind(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      Lease held = a.lock("interrupt").acquire();
      String key = held.key();
      AtomicReference<Throwable> remote = new AtomicReference<>();
      AtomicReference<Throwable> local = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(2);
      Thread remoteWaiter = new Thread(() -> waitFor(b.lock("interrupt"), remote, done));
      Thread localWaiter = new Thread(() -> waitFor(a.lock("interrupt"), local, done));
      remoteWaiter.start();
      localWaiter.start();
      assertFalse(done.await(500, TimeUnit.MILLISECONDS), "both must wait");
      remoteWaiter.interrupt();
      localWaiter.interrupt();
      assertTrue(done.await(3, TimeUnit.SECONDS), "interrupt must end the waits promptly");
      assertTrue(remote.get() instanceof InterruptedException, "remote waiter got " + remote.get());
      assertTrue(local.get() instanceof InterruptedException, "local waiter got " + local.get());

      assertEquals(a.sessionId(), raw.kvGet(key).orElseThrow().session(), "the holder still holds");
      held.close();
      assertNull(raw.kvGet(key).orElseThrow().session(), "nothing left held in Consul");
      assertEquals(0, a.localGates());
      assertEquals(0, b.localGates());
      try (Lease next = b.lock("interrupt").tryAcquire().orElseThrow()) {
        assertTrue(next.fencingToken() > held.fencingToken());
      }
    }
  }

  private static void waitFor(DistributedLock lock, AtomicReference<Throwable> outcome, CountDownLatch done) {
    try {
      lock.acquire().close();
      outcome.set(new AssertionError("acquired although held"));
    } catch (Throwable e) {
      outcome.set(e);
    } finally {
      done.countDown();
    }
  }

  @Test
  void sessionDestroyedFromOutsideLosesTheLeaseAndFreesTheLockAfterTheLockDelay(TestConsul consul)
      throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      Lease lease = a.lock("destroyed").acquire();
      CountDownLatch lost = new CountDownLatch(1);
      AtomicInteger fired = new AtomicInteger();
      lease.onLost(() -> {
        fired.incrementAndGet();
        lost.countDown();
      });
      long destroyedAt = System.nanoTime();
      raw.sessionDestroy(a.sessionId());
      long renewPeriodMs = TestConsul.TTL.toMillis() / 3;
      assertTrue(lost.await(renewPeriodMs + 2000, TimeUnit.MILLISECONDS), "onLost did not fire");
      long lostMs = (System.nanoTime() - destroyedAt) / 1_000_000;
      assertTrue(lostMs <= renewPeriodMs + 1000, "lost after " + lostMs + " ms");
      assertFalse(lease.isHeld());
      LeaseLostException e = assertThrows(LeaseLostException.class, lease::ensureHeld);
      assertTrue(e.getMessage().contains(lease.key()), e.getMessage());
      AtomicInteger late = new AtomicInteger();
      lease.onLost(late::incrementAndGet);
      assertEquals(1, late.get(), "a listener added after the loss runs at once");
      lease.close();                                         // never throws for a lost lease
      assertEquals(1, fired.get(), "fires once");

      try (Lease next = b.lock("destroyed").acquire(Duration.ofSeconds(10))) {
        long ms = (System.nanoTime() - destroyedAt) / 1_000_000;
        assertTrue(ms >= b.lockDelay().toMillis() - 50, "acquired inside the lock-delay: " + ms + " ms");
        assertTrue(next.fencingToken() > lease.fencingToken());
      }
    }
  }

  @Test
  void holderInAnotherJvmKilledWithSigkillIsReplacedWithinTwoTtlPlusLockDelay(TestConsul consul)
      throws Exception {
    long ttlS = TestConsul.TTL.toSeconds();
    long lockDelayMs = 1000;
    try (ChildJvm child = ChildJvm.start(HoldLockMain.class, consul.address().toString(), consul.keyPrefix(),
        "killed", Long.toString(ttlS), Long.toString(lockDelayMs));
         Coordinator waiter = consul.builder().build()) {
      long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(30)).substring(5));
      CompletableFuture<Long> acquiredAt = new CompletableFuture<>();
      AtomicReference<Lease> got = new AtomicReference<>();
      Thread t = new Thread(() -> {
        try {
          got.set(waiter.lock("killed").acquire());
          acquiredAt.complete(System.nanoTime());
        } catch (Throwable e) {
          acquiredAt.completeExceptionally(e);
        }
      });
      t.start();
      assertThrows(TimeoutException.class, () -> acquiredAt.get(300, TimeUnit.MILLISECONDS));
      child.kill();
      long killedAt = System.nanoTime();
      long bound = 2 * ttlS * 1000 + lockDelayMs + 1000;
      long at = acquiredAt.get(bound + 5000, TimeUnit.MILLISECONDS);
      long ms = (at - killedAt) / 1_000_000;
      System.out.printf("holder SIGKILLed -> waiter holds after %d ms (bound %d ms)%n", ms, bound);
      assertTrue(ms <= bound, "took " + ms + " ms, bound " + bound);
      assertTrue(got.get().fencingToken() > childToken);
      got.get().close();
    }
  }

  @Test
  void fairModeGrantsInArrivalOrder(TestConsul consul) throws Exception {
    int n = 5;
    List<Coordinator> clients = new ArrayList<>();
    List<Integer> order = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    try (Coordinator holder = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      Lease held = holder.lock("fair", LockOptions.fair()).acquire();
      String queue = held.key() + "/.queue/";
      long index = 0;
      for (int i = 0; i < n; i++) {
        Coordinator c = consul.builder().build();
        clients.add(c);
        int me = i;
        Thread t = new Thread(() -> {
          try (Lease lease = c.lock("fair", LockOptions.fair()).acquire()) {
            order.add(me);
          } catch (Exception e) {
            order.add(-1);
          }
        });
        threads.add(t);
        t.start();
        // wait (blocking query, no polling) until this waiter's queue entry is visible
        while (true) {
          QueryResult<List<KvEntry>> r = raw.kvList(queue, index, Duration.ofSeconds(5));
          index = Math.max(1, r.index());
          if (r.value().size() == i + 1) break;
        }
      }
      held.close();
      for (Thread t : threads) t.join(20_000);
      assertEquals(List.of(0, 1, 2, 3, 4), order);
      assertTrue(raw.kvList(queue).isEmpty(), "every waiter left the queue");
    } finally {
      clients.forEach(Coordinator::close);
    }
  }

  @Test
  void closingTheCoordinatorReleasesWithoutLockDelay(TestConsul consul) throws Exception {
    try (Coordinator b = consul.builder().lockDelay(Duration.ofSeconds(30)).build()) {
      Coordinator a = consul.builder().lockDelay(Duration.ofSeconds(30)).build();
      Lease lease = a.lock("closed").acquire();
      a.close();
      assertFalse(lease.isHeld());
      lease.close();
      Optional<Lease> next = b.lock("closed").tryAcquire();
      assertTrue(next.isPresent(), "released before the session was destroyed: no lock-delay");
      assertNotEquals(lease.fencingToken(), next.get().fencingToken());
      next.get().close();
    }
  }

  @Test
  void anOperatorDeletingOrTakingTheKeyLosesTheLeaseAtOnce(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      Lease deleted = c.lock("operator").acquire();
      CountDownLatch lost = new CountDownLatch(1);
      deleted.onLost(lost::countDown);
      raw.kvDelete(deleted.key());                   // consul kv delete, by hand
      assertTrue(lost.await(2, TimeUnit.SECONDS), "the held-key monitor notices the deletion");
      assertThrows(LeaseLostException.class, deleted::ensureHeld);
      deleted.close();

      Lease taken = c.lock("operator").acquire();
      CountDownLatch lost2 = new CountDownLatch(1);
      taken.onLost(lost2::countDown);
      String other = raw.sessionCreate(new dev.baton.internal.consul.SessionSpec("operator", Duration.ofSeconds(10),
          Duration.ZERO, false, null));
      raw.kvPut(taken.key(), null, dev.baton.internal.consul.KvWrite.release(c.sessionId()));
      raw.kvPut(taken.key(), null, dev.baton.internal.consul.KvWrite.acquire(other));
      assertTrue(lost2.await(2, TimeUnit.SECONDS), "released and taken by another session");
      assertFalse(taken.isHeld());
      taken.close();
      raw.sessionDestroy(other);
    }
  }

  @Test
  void acquiringRightAfterTheSessionDiedUsesAFreshSession(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      String dead = c.sessionId();
      raw.sessionDestroy(dead);                         // before the keeper's next renewal notices
      try (Lease lease = c.lock("fresh").acquire(Duration.ofSeconds(5))) {
        assertTrue(lease.isHeld());
        assertNotEquals(dead, raw.kvGet(lease.key()).orElseThrow().session());
      }
      raw.sessionDestroy(c.sessionId());
      try (Lease permit = c.semaphore("fresh-sem", 2).acquire(Duration.ofSeconds(5))) {
        assertTrue(permit.isHeld());
      }
    }
  }

  @Test
  void badInputIsRejected(TestConsul consul) {
    try (Coordinator c = consul.builder().build()) {
      assertThrows(IllegalArgumentException.class, () -> c.lock("/abs"));
      assertThrows(IllegalArgumentException.class, () -> c.lock("a/../b"));
      assertThrows(IllegalArgumentException.class, () -> c.lock("x").acquire(Duration.ofMillis(-1)));
      assertThrows(IllegalArgumentException.class, () -> c.lock("x").acquire().onLost(null));
      assertSame(LockOptions.fair(), LockOptions.fair());
    }
  }
}
