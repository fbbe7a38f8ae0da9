package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.testing.Await;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.TestConsul;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Baton's JFR events, recorded while a real Consul agent does the work: acquisitions (lock, semaphore,
 * election), holds, a loss, a waiter's and the held-key monitor's wake-ups, a renewal, leadership and a session
 * loss. The recording is dumped to a file and read back.
 */
@ExtendWith(ConsulExtension.class)
class JfrEventsTest {
  private static final List<String> EVENTS = List.of("dev.baton.LockAcquire", "dev.baton.SemaphoreAcquire",
      "dev.baton.LeaseHold", "dev.baton.LeaseLost", "dev.baton.SessionRenewal", "dev.baton.SessionLost",
      "dev.baton.LeaderElected", "dev.baton.LeaderRevoked", "dev.baton.WatchWakeup");

  @Test
  void theStateChangesOfARealSessionAreRecordedWithTheirFields(TestConsul consul, @TempDir Path dir)
      throws Exception {
    String p = consul.keyPrefix();
    Path file = dir.resolve("baton.jfr");
    CountDownLatch renewed = new CountDownLatch(1);
    CountDownLatch lost = new CountDownLatch(1);
    AtomicLong term = new AtomicLong();
    String firstSession;
    long plainToken;
    long permitToken;
    long waiterToken;
    long victimToken;
    try (Recording recording = new Recording()) {
      EVENTS.forEach(recording::enable);
      recording.start();
      AtomicInteger bReads = new AtomicInteger();                          // b's KV reads: waits only
      AtomicInteger bTxns = new AtomicInteger();                           // b's transactions
      BatonMetrics countReads = new BatonMetrics() {
        @Override
        public void httpCall(String method, String endpoint, int status, Duration elapsed) {
          if (method.equals("GET") && endpoint.equals("kv")) bReads.incrementAndGet();
          if (endpoint.equals("txn")) bTxns.incrementAndGet();
        }
      };
      try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().metrics(countReads).build();
          ConsulTransport raw = consul.transport()) {
        a.addSessionListener(new SessionListener() {
          @Override
          public void onSessionRenewed(String sessionId) {
            renewed.countDown();
          }
        });
        firstSession = a.sessionId();
        b.sessionId();

        try (Lease lease = a.lock("plain").acquire()) {       // a read (first time for this key) + the txn lock
          plainToken = lease.fencingToken();
        }
        try (Lease permit = a.semaphore("pool", 2).acquire()) {           // contender, read, cas
          permitToken = permit.fencingToken();
        }

        // a waiter in another client wakes up from its blocking query when the holder releases
        Lease held = a.lock("contended").acquire();
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
          try (Lease l = b.lock("contended").acquire(Duration.ofSeconds(20))) {
            return l.fencingToken();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        // b reads the key's state (first time: held, nothing to lock) and announces its wait; its next read is
        // the blocking query, from the index it read
        Await.until(Duration.ofSeconds(10), () -> bReads.get() >= 1 && bTxns.get() >= 1,
            () -> "the waiter's first read and its announcement");
        held.close();
        waiterToken = waiter.get(20, TimeUnit.SECONDS);

        // an operator deletes a held key: the held-key monitor wakes up and the lease is lost
        Lease victim = a.lock("victim").acquire();
        victimToken = victim.fencingToken();
        victim.onLost(lost::countDown);
        raw.kvDelete(victim.key());
        assertTrue(lost.await(5, TimeUnit.SECONDS), "the held-key monitor noticed the deletion");
        victim.close();

        LeaderElection election = a.election("leader", "candidate-a");
        election.addListener(new LeadershipListener() {
          @Override
          public void onElected(long fencingToken) {
            term.set(fencingToken);
          }

          @Override
          public void onRevoked() {}
        });
        election.start();
        assertTrue(election.awaitLeadership(Duration.ofSeconds(10)), "elected");
        election.close();                                                   // revoked before it returns

        assertTrue(renewed.await(TestConsul.TTL.toMillis(), TimeUnit.MILLISECONDS), "a renewal within TTL/3");

        // the session destroyed by an operator: the next acquisition hears it from Consul
        raw.sessionDestroy(firstSession);
        a.lock("after").acquire().close();
      }
      recording.stop();
      recording.dump(file);
    }
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);

    RecordedEvent plain = one(events, "dev.baton.LockAcquire", e -> (p + "plain").equals(e.getString("key")));
    assertEquals("lock", plain.getString("primitive"));
    assertEquals(plainToken, plain.getLong("fencingToken"));
    assertEquals(1, plain.getInt("attempts"));
    assertEquals(2, plain.getInt("httpCalls"), "an uncontended first acquire: a read of the key's state + the lock");
    assertFalse(plain.getDuration("waitTime").isNegative());
    RecordedEvent plainHold = one(events, "dev.baton.LeaseHold", e -> (p + "plain").equals(e.getString("key")));
    assertEquals("lock", plainHold.getString("primitive"));
    assertEquals(plainToken, plainHold.getLong("fencingToken"));
    assertFalse(plainHold.getDuration("holdTime").isNegative());

    RecordedEvent permit = one(events, "dev.baton.SemaphoreAcquire", e -> (p + "pool").equals(e.getString("key")));
    assertTrue(permit.getString("contender").startsWith(p + "pool/"), permit.getString("contender"));
    assertEquals(2, permit.getInt("permits"));
    assertEquals(permitToken, permit.getLong("fencingToken"));
    assertEquals(1, permit.getInt("attempts"));
    assertEquals(3, permit.getInt("httpCalls"), "contender key, read, check-and-set");
    RecordedEvent permitHold = one(events, "dev.baton.LeaseHold", e -> (p + "pool").equals(e.getString("key")));
    assertEquals("semaphore", permitHold.getString("primitive"));

    RecordedEvent waited = one(events, "dev.baton.LockAcquire", e -> (p + "contended").equals(e.getString("key"))
        && e.getLong("fencingToken") == waiterToken);
    assertEquals(2, waited.getInt("attempts"), "seen held (no lock write), announced, granted after the wake-up");
    assertTrue(waited.getInt("httpCalls") >= 4, "read, announcement, blocking read, txn: " + waited.getInt("httpCalls"));
    assertTrue(events.stream().anyMatch(e -> is(e, "dev.baton.WatchWakeup")
        && (p + "contended").equals(e.getString("key")) && "key".equals(e.getString("watch"))
        && "lock".equals(e.getString("primitive")) && e.getBoolean("indexMoved")
        && e.getLong("previousIndex") > 0), "the waiter's wake-up: " + names(events));

    RecordedEvent loss = one(events, "dev.baton.LeaseLost", e -> (p + "victim").equals(e.getString("key")));
    assertEquals("KEY_DELETED", loss.getString("reason"));
    assertEquals("lock", loss.getString("primitive"));
    assertEquals(victimToken, loss.getLong("fencingToken"));
    assertTrue(loss.getString("detail").contains("deleted"), loss.getString("detail"));
    assertTrue(events.stream().anyMatch(e -> is(e, "dev.baton.WatchWakeup")
        && (p + "victim").equals(e.getString("key")) && "held-key".equals(e.getString("watch"))
        && e.getBoolean("indexMoved")), "the monitor's wake-up");
    assertFalse(events.stream().anyMatch(e -> is(e, "dev.baton.LeaseHold")
        && (p + "victim").equals(e.getString("key"))), "a lost lease reports no hold when closed");

    RecordedEvent electedLock = one(events, "dev.baton.LockAcquire", e -> (p + "leader").equals(e.getString("key")));
    assertEquals("election", electedLock.getString("primitive"));
    RecordedEvent elected = one(events, "dev.baton.LeaderElected", e -> (p + "leader").equals(e.getString("key")));
    assertEquals("candidate-a", elected.getString("candidate"));
    assertEquals(term.get(), elected.getLong("term"));
    assertEquals(electedLock.getLong("fencingToken"), elected.getLong("term"));
    RecordedEvent revoked = one(events, "dev.baton.LeaderRevoked", e -> (p + "leader").equals(e.getString("key")));
    assertEquals("closed", revoked.getString("cause"));
    assertEquals(term.get(), revoked.getLong("term"));
    assertFalse(revoked.getDuration("ledFor").isNegative());

    RecordedEvent renewal = events.stream().filter(e -> is(e, "dev.baton.SessionRenewal")
        && firstSession.equals(e.getString("session")) && "RENEWED".equals(e.getString("outcome")))
        .findFirst().orElseThrow(() -> new AssertionError("no renewal of " + firstSession));
    assertFalse(renewal.getDuration("lag").isNegative());
    assertTrue(renewal.getDuration("timeLeft").compareTo(Duration.ZERO) > 0
        && renewal.getDuration("timeLeft").compareTo(TestConsul.TTL) <= 0, "renewed before the deadline");

    RecordedEvent sessionLost = one(events, "dev.baton.SessionLost",
        e -> firstSession.equals(e.getString("session")));
    assertEquals("SESSION_INVALIDATED", sessionLost.getString("reason"));
  }

  private static boolean is(RecordedEvent e, String name) {
    return e.getEventType().getName().equals(name);
  }

  private static RecordedEvent one(List<RecordedEvent> events, String name, Predicate<RecordedEvent> which) {
    List<RecordedEvent> found = events.stream().filter(e -> is(e, name)).filter(which).toList();
    assertEquals(1, found.size(), name + ": " + found + " among " + names(events));
    return found.get(0);
  }

  private static String names(List<RecordedEvent> events) {
    return events.stream().map(e -> e.getEventType().getName())
        .collect(Collectors.groupingBy(n -> n, Collectors.counting())).toString();
  }
}
