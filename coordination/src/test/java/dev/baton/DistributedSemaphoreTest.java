package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.baton.testing.Unchecked.call;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Hold;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.HoldLockMain;
import dev.baton.testing.TestConsul;
import dev.baton.testing.Work;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The semaphore against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class DistributedSemaphoreTest {

  @Test
  void threePermitsThreeClientsFourThreadsNeverMoreThanThreeHolders(TestConsul consul) throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    AtomicInteger acquisitions = new AtomicInteger();
    Set<Long> tokens = ConcurrentHashMap.newKeySet();
    List<Coordinator> clients = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      for (int c = 0; c < 3; c++) clients.add(consul.builder().build());
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 12; t++) {
        DistributedSemaphore sem = clients.get(t % 3).semaphore("three", 3);
        futures.add(pool.submit(() -> {
          while (System.nanoTime() < end) {
            try (Lease lease = sem.acquire(Duration.ofSeconds(30))) {
              int now = inside.incrementAndGet();
              maxInside.accumulateAndGet(now, Math::max);
              assertTrue(tokens.add(lease.fencingToken()), "token reused: " + lease.fencingToken());
              acquisitions.incrementAndGet();
              Work.take(5);                            // hold the permit a little
              inside.decrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) f.get(2, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
      clients.forEach(Coordinator::close);
    }
    System.out.printf("semaphore: %d acquisitions, max %d holders at once%n", acquisitions.get(), maxInside.get());
    assertTrue(maxInside.get() <= 3, "more than 3 holders: " + maxInside.get());
    assertEquals(3, maxInside.get(), "the limit is reached under contention");
    assertTrue(acquisitions.get() > 30, "progress: " + acquisitions.get());
  }

  @Test
  void oneClientMayHoldSeveralPermits(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedSemaphore sem = c.semaphore("several", 3);
      Lease a = sem.acquire();
      Lease b = sem.acquire();
      Lease d = sem.tryAcquire().orElseThrow();
      assertTrue(a.fencingToken() < b.fencingToken() && b.fencingToken() < d.fencingToken());
      assertTrue(sem.tryAcquire().isEmpty(), "the fourth permit does not exist");
      assertThrows(TimeoutException.class, () -> sem.acquire(Duration.ofMillis(200)));
      b.close();
      b.close();                                     // idempotent
      Lease e = sem.tryAcquire().orElseThrow();
      assertTrue(e.isHeld());
      for (Lease l : List.of(a, d, e)) l.close();
      List<KvEntry> left = raw.kvList(sem.prefix());
      assertEquals(List.of(sem.prefix() + ".lock"), left.stream().map(KvEntry::key).toList(),
          "no contender key left behind");
    }
  }

  @Test
  void permitLimitMismatchIsRejectedAndLeavesNothingBehind(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      try (Lease held = a.semaphore("limit", 3).acquire()) {
        CoordinationException e = assertThrows(CoordinationException.class,
            () -> b.semaphore("limit", 2).acquire(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("2"), e.getMessage());
        assertEquals(2, raw.kvList(a.semaphore("limit", 3).prefix()).size(), ".lock and one contender only");
        assertTrue(held.isHeld());
      }
    }
  }

  @Test
  void badPermitsAreRejected(TestConsul consul) {
    try (Coordinator c = consul.builder().build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.semaphore("bad", 0));
      assertTrue(e.getMessage().contains("permits"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> c.semaphore("bad", -3));
      assertThrows(IllegalArgumentException.class, () -> c.semaphore("", 2));
    }
  }

  @Test
  void interruptWhileWaitingLeavesNoContender(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedSemaphore sem = c.semaphore("interrupt", 1);
      try (Lease held = sem.acquire()) {
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
          try {
            sem.acquire().close();
          } catch (Throwable e) {
            outcome.set(e);
          } finally {
            done.countDown();
          }
        });
        waiter.start();
        assertFalse(done.await(400, TimeUnit.MILLISECONDS));
        waiter.interrupt();
        assertTrue(done.await(3, TimeUnit.SECONDS));
        assertTrue(outcome.get() instanceof InterruptedException, "got " + outcome.get());
        assertEquals(2, raw.kvList(sem.prefix()).size(), ".lock and the holder's contender only");
      }
    }
  }

  @Test
  void aKilledHolderFreesItsPermitWhenItsSessionExpires(TestConsul consul) throws Exception {
    long ttlS = TestConsul.TTL.toSeconds();
    try (ChildJvm child = ChildJvm.start(HoldLockMain.class, consul.address().toString(), consul.keyPrefix(),
        "killed", Long.toString(ttlS), "1000", "1");
         Coordinator waiter = consul.builder().build()) {
      long childToken = Long.parseLong(child.awaitLine("HELD ", Duration.ofSeconds(30)).substring(5));
      DistributedSemaphore sem = waiter.semaphore("killed", 1);
      assertTrue(sem.tryAcquire().isEmpty(), "the child holds the only permit");
      CompletableFuture<Lease> got = CompletableFuture.supplyAsync(() -> {
        try {
          return sem.acquire();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      child.kill();
      long killedAt = System.nanoTime();
      long bound = 2 * ttlS * 1000 + 2000;
      Lease lease = got.get(bound + 5000, TimeUnit.MILLISECONDS);
      long ms = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.printf("semaphore holder SIGKILLed -> permit free after %d ms (bound %d ms)%n", ms, bound);
      assertTrue(ms <= bound, "took " + ms + " ms");
      assertTrue(lease.fencingToken() > childToken);
      lease.close();
    }
  }

  /**
   * The session is lost after the acquiring transaction applied but before its answer arrives (the answer is
   * held back; an operator destroys the session; the client notices the loss on its next renewal): the
   * acquire must not hand out a lease of the dead session that no loss report will ever reach — it gives the
   * permit back and acquires again with a fresh session.
   */
  @Test
  void aSessionLostBeforeTheAcquireAnsweredNeverYieldsADeadLease(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(30))
             .build()) {
      String first = client.sessionId();
      CountDownLatch lost = new CountDownLatch(1);
      client.addSessionListener(new SessionListener() {
        @Override
        public void onSessionLost(String sessionId, String reason) {
          if (sessionId.equals(first)) lost.countDown();
        }
      });
      DistributedSemaphore sem = client.semaphore("answer-late", 1);
      Hold answer = proxy.when(Match.put().path("/v1/txn")).once().holdResponse();
      CompletableFuture<Lease> acquiring = CompletableFuture.supplyAsync(() -> {
        try {
          return sem.acquire(Duration.ofSeconds(60));
        } catch (InterruptedException | TimeoutException e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(answer.awaitArrived(Duration.ofSeconds(10)), "the acquiring transaction never came");
      assertTrue(raw.sessionDestroy(first));
      assertTrue(lost.await(30, TimeUnit.SECONDS), "the client never noticed that its session was destroyed");
      answer.release();
      try (Lease lease = acquiring.get(60, TimeUnit.SECONDS)) {
        assertTrue(lease.isHeld(), "a lease of the lost session " + first + " was handed out");
        assertTrue(!client.sessionId().equals(first));
      }
    }
  }

  /**
   * A holder the record no longer lists (an operator deleted {@code .lock}) loses its lease — reported through
   * onLost — and gives its permit back, which lets the next client in; closing the lost lease does not throw.
   */
  @Test
  void aHolderDroppedFromTheRecordLosesItsLeaseThenItsPermitGoes(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedSemaphore sem = a.semaphore("dropped", 1);
      Lease held = sem.acquire(Duration.ofSeconds(10));
      CountDownLatch lost = new CountDownLatch(1);
      held.onLost(lost::countDown);
      assertTrue(raw.kvDelete(sem.prefix() + ".lock"));
      assertTrue(lost.await(10, TimeUnit.SECONDS), "the holder never noticed that the record dropped it");
      assertFalse(held.isHeld());
      try (Lease next = b.semaphore("dropped", 1).acquire(Duration.ofSeconds(10))) {
        assertTrue(next.isHeld() && next.fencingToken() > held.fencingToken());
      }
      held.close();
      assertTrue(raw.kvList(sem.prefix()).stream().noneMatch(e -> e.key().equals(held.key())),
          "the lost holder's contender key is gone");
    }
  }

  /**
   * Baton's semaphore and Consul's Go semaphore ({@code consul lock -n}, the real binary) share the record's
   * shape but not a prefix (Go names holders by session and would prune Baton's per-permit holders as dead):
   * each refuses the other's, and a refused Baton acquire leaves nothing behind.
   */
  @Test
  void consulLockSemaphoreAndBatonRefuseEachOthersPrefix(TestConsul consul) throws Exception {
    String consulBinary = ConsulProcess.findBinary().toString();
    String address = "-http-addr=" + consul.address();
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedSemaphore ours = c.semaphore("ours", 2);
      String ourPrefix = ours.prefix().substring(0, ours.prefix().length() - 1);
      try (Lease held = ours.acquire(Duration.ofSeconds(10))) {
        Process lock = new ProcessBuilder(consulBinary, "lock", address, "-n", "2", "-timeout", "10s", ourPrefix,
            "true").redirectErrorStream(true).start();
        String said = new String(lock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(lock.waitFor(30, TimeUnit.SECONDS), "consul lock did not end: " + said);
        assertTrue(lock.exitValue() != 0 && said.contains("does not match semaphore use"),
            "consul lock -n accepted Baton's prefix (exit " + lock.exitValue() + "): " + said);
        assertTrue(held.isHeld());
      }

      DistributedSemaphore theirs = c.semaphore("theirs", 2);
      String theirPrefix = theirs.prefix().substring(0, theirs.prefix().length() - 1);
      Process lock = new ProcessBuilder(consulBinary, "lock", address, "-n", "2", theirPrefix, "sleep 60")
          .redirectErrorStream(true).start();
      try {
        Await.until(Duration.ofSeconds(20), () -> call(() -> raw.kvGet(theirs.prefix() + ".lock")).isPresent(),
            () -> "consul lock -n never wrote " + theirs.prefix() + ".lock");
        int before = raw.kvList(theirs.prefix()).size();
        CoordinationException e = assertThrows(CoordinationException.class, theirs::tryAcquire);
        assertTrue(e.getMessage().contains("Flags"), e.getMessage());
        assertEquals(before, raw.kvList(theirs.prefix()).size(), "the refused acquire left its contender key");
      } finally {
        lock.destroy();
        lock.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }


}
