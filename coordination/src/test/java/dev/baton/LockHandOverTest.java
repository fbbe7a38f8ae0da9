package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.testing.Await;
import dev.baton.testing.ChildJvm;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Exchange;
import dev.baton.testing.FaultProxy.Hold;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.HoldLockMain;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hand-over between clients (default mode): a waiter that is refused announces itself under
 * {@code <key>/.wait/}, and a release of a contended hold moves the key to the next announcer in one
 * transaction; the waiter finds itself the holder without writing. Against a real agent, with the requests
 * seen (and held back) by a {@link FaultProxy}.
 */
@ExtendWith(ConsulExtension.class)
class LockHandOverTest {
  private static final Duration STEP = Duration.ofSeconds(10);
  private static final Match TXN = Match.put().path("/v1/txn");

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  private static List<KvEntry> announcements(ConsulTransport operator, String key) throws InterruptedException {
    return operator.kvList(key + "/.wait/");
  }

  private static void awaitAnnounced(ConsulTransport operator, String key, Coordinator c) throws Exception {
    String session = c.sessionId();
    Await.until(STEP, () -> {
      try {
        return announcements(operator, key).stream().anyMatch(e -> session.equals(e.session()));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, () -> "an announcement of session " + session + " under " + key + "/.wait/");
  }

  private Future<Lease> acquireLater(DistributedLock lock) {
    return threads.submit(() -> lock.acquire(STEP));
  }

  /** a holds, b waits; a's hold was not contended, so a releases plainly and b takes the key itself. */
  private static Lease bHoldsAfterWaiting(DistributedLock la, DistributedLock lb, ConsulTransport operator,
      Coordinator b, ExecutorService threads) throws Exception {
    Lease first = la.acquire(STEP);
    Future<Lease> bWait = threads.submit(() -> lb.acquire(STEP));
    awaitAnnounced(operator, la.key(), b);
    first.close();
    return bWait.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void aContendedReleaseHandsTheKeyToTheWaiterInOneTransaction(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator a = consul.builder().address(proxy.address()).build();
         Coordinator b = consul.builder().address(proxy.address()).build();
         ConsulTransport operator = consul.transport()) {
      DistributedLock la = a.lock("handover");
      DistributedLock lb = b.lock("handover");
      String key = la.key();
      Lease bLease = bHoldsAfterWaiting(la, lb, operator, b, threads);   // b waited: its hold is contended

      Future<Lease> aWait = acquireLater(la);
      awaitAnnounced(operator, key, a);
      proxy.clearLog();
      bLease.close();
      Lease aLease = aWait.get(STEP.toMillis(), TimeUnit.MILLISECONDS);

      List<Exchange> writes = proxy.exchanges(TXN);
      assertEquals(1, writes.size(), "one transaction between b's release and a's hold: " + writes);
      String body = writes.get(0).body();
      assertTrue(body.contains("\"unlock\"") && body.contains("\"lock\"") && body.contains(a.sessionId())
          && body.contains(b.sessionId()), "b's release is the hand-over to a: " + body);
      KvEntry now = operator.kvGet(key).orElseThrow();
      assertEquals(a.sessionId(), now.session());
      assertEquals(aLease.fencingToken(), now.modifyIndex(), "a holds the hand-over's write; nothing wrote after it");
      assertTrue(aLease.fencingToken() > bLease.fencingToken());
      assertEquals(a.ownerId(), la.holder().orElseThrow().ownerId(), "the key names a as its holder");
      assertTrue(aLease.isHeld());
      aLease.close();
      // nobody waits: the key is free at once, or (b's announcement outlives its wait by up to the idle grace)
      // handed to b, which passes it on
      Await.until(STEP, () -> {
        try {
          return operator.kvGet(key).orElseThrow().session() == null;
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }, () -> "the key free once nobody waits");
      Await.until(STEP, () -> {
        try {
          return announcements(operator, key).isEmpty();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }, () -> "announcements retired once nobody waits");
    }
  }

  @Test
  void aKeyHandedToAWaiterThatGaveUpIsPassedOn(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator a = consul.builder().address(proxy.address()).build();
         Coordinator b = consul.builder().build();
         Coordinator c = consul.builder().build();
         ConsulTransport operator = consul.transport()) {
      DistributedLock la = a.lock("gave-up");
      DistributedLock lb = b.lock("gave-up");
      String key = la.key();
      Lease aLease = bHoldsAfterWaiting(lb, la, operator, a, threads);    // a waited: its hold is contended
      int handedToB = 0;
      for (int round = 0; round < 6; round++) {
        // b gives up waiting; its announcement outlives the wait briefly, and a's release may hand it the key
        try {
          lb.acquire(Duration.ofMillis(300)).close();
          throw new AssertionError("b acquired although a holds");
        } catch (TimeoutException expected) {
          // b no longer waits
        }
        Thread.sleep(round * 40L);                       // pacing: the release lands at different ages of it
        proxy.clearLog();
        aLease.close();
        if (proxy.exchanges(TXN).stream().anyMatch(x -> x.body().contains(b.sessionId()))) handedToB++;
        Await.until(STEP, () -> c.lock("gave-up").tryAcquire().map(l -> {
          l.close();
          return true;
        }).orElse(false), () -> "the key handed to b, which gave up, is passed on");
        aLease = la.acquire(STEP);
        // a holds again; its hold counts as contended while a has its announcement
      }
      aLease.close();
      assertTrue(handedToB > 0, "no round handed the key to b's announcement; the case was not exercised");
    }
  }

  /**
   * The price of the hand-over: a waiter killed while announced may be handed the key. It is held by the dead
   * client's session until Consul ends that session; with a health-bound session (check TTL 2 s) the next
   * waiter has it within seconds, with a larger token.
   */
  @Test
  void aKeyHandedToAKilledWaiterMovesOnWhenItsSessionEnds(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build();
         Coordinator b = consul.builder().build();
         Coordinator c = consul.builder().build();
         ConsulTransport operator = consul.transport()) {
      DistributedLock la = a.lock("killed-waiter");
      String key = la.key();
      Lease aLease = bHoldsAfterWaiting(b.lock("killed-waiter"), la, operator, a, threads);   // a's hold: contended
      try (ChildJvm child = ChildJvm.start(List.of("-Dbaton.test.healthCheckTtlMs=2000"), HoldLockMain.class,
          consul.address().toString(), consul.keyPrefix(), "killed-waiter", "10", "1000")) {
        Await.until(Duration.ofSeconds(60), () -> {
          try {
            return announcements(operator, key).stream().anyMatch(e -> e.session() != null
                && !e.session().equals(a.sessionId()));
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }, () -> "the child announces its wait");
        String childSession = announcements(operator, key).stream().map(KvEntry::session)
            .filter(s -> s != null && !s.equals(a.sessionId())).findFirst().orElseThrow();
        child.kill();
        Future<Lease> cWait = acquireLater(c.lock("killed-waiter"));
        awaitAnnounced(operator, key, c);
        aLease.close();                                  // the child announced first: it is next in turn
        assertEquals(childSession, operator.kvGet(key).orElseThrow().session(),
            "the key was handed to the killed waiter");
        long closed = System.nanoTime();
        Lease cLease = cWait.get(30, TimeUnit.SECONDS);
        long waitedMs = Await.millis(closed, System.nanoTime());
        assertTrue(cLease.fencingToken() > aLease.fencingToken());
        assertTrue(waitedMs <= 10_000, "moved on within 10 s of the release: " + waitedMs + " ms");
        cLease.close();
      }
    }
  }

  @Test
  void aLateCopyOfAnAnnouncementChangesNothing(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator a = consul.builder().build();
         Coordinator b = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1)).build();
         ConsulTransport operator = consul.transport()) {
      DistributedLock la = a.lock("late-announcement");
      DistributedLock lb = b.lock("late-announcement");
      String key = la.key();
      Hold announcement = proxy.when(TXN.bodyContains("/.wait/").bodyContains("check-not-exists")).once().hold();
      Lease aLease = la.acquire(STEP);
      Future<Lease> bWait = acquireLater(lb);
      assertTrue(announcement.awaitArrived(STEP), "b announces its wait");
      aLease.close();                                    // b's announcement timed out; b waits without it
      Lease bLease = bWait.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
      bLease.close();
      KvEntry after = operator.kvGet(key).orElseThrow();
      announcement.release();                            // the copy lands after the key moved on
      assertTrue(announcement.awaitLanded(STEP), announcement.toString());
      assertEquals(409, announcement.exchanges().get(0).status(), "the late announcement must fail");
      assertTrue(announcements(operator, key).isEmpty(), "no announcement was created");
      assertEquals(after.modifyIndex(), operator.kvGet(key).orElseThrow().modifyIndex());
    }
  }

  @Test
  void aLateCopyOfAHandOverChangesNothing(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator a = consul.builder().build();
         Coordinator b = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1)).build();
         ConsulTransport operator = consul.transport()) {
      DistributedLock la = a.lock("late-handover");
      DistributedLock lb = b.lock("late-handover");
      String key = la.key();
      Lease bLease = bHoldsAfterWaiting(la, lb, operator, b, threads);
      Future<Lease> aWait = acquireLater(la);
      awaitAnnounced(operator, key, a);
      Hold handOver = proxy.when(TXN.bodyContains("\"unlock\"").bodyContains(a.sessionId())).once().hold();
      bLease.close();                                    // the first attempt is held back; the retry hands over
      Lease aLease = aWait.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
      KvEntry handed = operator.kvGet(key).orElseThrow();
      assertEquals(aLease.fencingToken(), handed.modifyIndex());
      handOver.release();
      assertTrue(handOver.awaitLanded(STEP), handOver.toString());
      assertEquals(409, handOver.exchanges().get(0).status(), "the late copy must fail");
      assertEquals(handed.modifyIndex(), operator.kvGet(key).orElseThrow().modifyIndex(), "the copy changed the key");
      assertTrue(aLease.isHeld());
      aLease.close();
    }
  }
}
