package dev.baton.internal.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.ConsulUnavailableException;
import dev.baton.internal.BlockingIndex;
import dev.baton.testing.Await;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.TestConsul;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The transport against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class ConsulTransportTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static SessionSpec spec(Duration lockDelay) {
    return new SessionSpec("transport-test", Duration.ofSeconds(10), lockDelay, false, null);
  }

  @Test
  void putGetListDelete(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String a = consul.keyPrefix() + "dir/a";
      String b = consul.keyPrefix() + "dir/b c";          // a space must survive URL encoding
      assertTrue(t.kvGet(a).isEmpty());
      assertTrue(t.kvPut(a, utf8("one"), KvWrite.plain().withFlags(42)));
      assertTrue(t.kvPut(b, utf8("two"), KvWrite.plain()));
      KvEntry entry = t.kvGet(a).orElseThrow();
      assertEquals("one", entry.valueUtf8());
      assertEquals(42, entry.flags());
      assertNull(entry.session());
      List<KvEntry> list = t.kvList(consul.keyPrefix() + "dir/");
      assertEquals(List.of(a, b), list.stream().map(KvEntry::key).toList());
      assertEquals("two", list.get(1).valueUtf8());

      assertFalse(t.kvPut(a, utf8("cas"), KvWrite.cas(entry.modifyIndex() - 1)), "stale cas must fail");
      assertTrue(t.kvPut(a, utf8("cas"), KvWrite.cas(entry.modifyIndex())));
      long now = t.kvGet(a).orElseThrow().modifyIndex();
      assertFalse(t.kvDeleteCas(a, now - 1));
      assertTrue(t.kvDeleteCas(a, now));
      assertTrue(t.kvGet(a).isEmpty());
      assertTrue(t.kvDelete(b));
      assertTrue(t.kvList(consul.keyPrefix()).isEmpty());
    }
  }

  @Test
  void blockingQueryWaitsWhileTheKeyIsUnchangedAndWakesWhenItChanges(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "watched";
      t.kvPut(key, utf8("v1"), KvWrite.plain());
      QueryResult<Optional<KvEntry>> first = t.kvGet(key, 0, Duration.ofSeconds(5));
      assertTrue(first.index() > 0);

      // unchanged: a short wait ends by timeout with the same index
      long t0 = System.nanoTime();
      QueryResult<Optional<KvEntry>> idle = t.kvGet(key, first.index(), Duration.ofMillis(600));
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(waitedMs >= 550, "returned after " + waitedMs + " ms although nothing changed");
      assertEquals(first.index(), idle.index());

      // changed: the waiter wakes promptly
      CompletableFuture<QueryResult<Optional<KvEntry>>> waiter = CompletableFuture.supplyAsync(() -> {
        try {
          return t.kvGet(key, first.index(), Duration.ofSeconds(30));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      assertThrows(TimeoutException.class, () -> waiter.get(300, TimeUnit.MILLISECONDS), "must still wait");
      long written = System.nanoTime();
      t.kvPut(key, utf8("v2"), KvWrite.plain());
      QueryResult<Optional<KvEntry>> woke = waiter.get(5, TimeUnit.SECONDS);
      long wakeMs = (System.nanoTime() - written) / 1_000_000;
      assertEquals("v2", woke.value().orElseThrow().valueUtf8());
      assertTrue(woke.index() > first.index());
      assertTrue(wakeMs < 1000, "woke " + wakeMs + " ms after the write");
    }
  }

  @Test
  void blockingQueryOnAMissingKeyWakesWhenItIsCreated(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "later";
      QueryResult<Optional<KvEntry>> none = t.kvGet(key, 0, Duration.ofSeconds(1));
      assertTrue(none.value().isEmpty());
      assertTrue(none.index() > 0, "a 404 still carries X-Consul-Index");
      CompletableFuture<QueryResult<Optional<KvEntry>>> waiter = CompletableFuture.supplyAsync(() -> {
        try {
          return t.kvGet(key, BlockingIndex.next(0, none.index()), Duration.ofSeconds(30));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      assertThrows(TimeoutException.class, () -> waiter.get(200, TimeUnit.MILLISECONDS));
      t.kvPut(key, utf8("here"), KvWrite.plain());
      assertEquals("here", waiter.get(5, TimeUnit.SECONDS).value().orElseThrow().valueUtf8());
    }
  }

  @Test
  void interruptCancelsABlockingQuery(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "interrupted";
      long index = t.kvGet(key, 0, Duration.ofSeconds(1)).index();
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(1);
      Thread waiter = new Thread(() -> {
        try {
          t.kvGet(key, index, Duration.ofSeconds(60));
          outcome.set(new AssertionError("returned without interrupt"));
        } catch (Throwable e) {
          outcome.set(e);
        } finally {
          done.countDown();
        }
      });
      waiter.start();
      assertFalse(done.await(300, TimeUnit.MILLISECONDS), "must block");
      waiter.interrupt();
      assertTrue(done.await(2, TimeUnit.SECONDS), "interrupt must end the wait promptly");
      assertTrue(outcome.get() instanceof InterruptedException, "got " + outcome.get());
    }
  }

  @Test
  void acquireByOneSessionBlocksAnotherUntilRelease(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "lock";
      String s1 = t.sessionCreate(spec(Duration.ZERO));
      String s2 = t.sessionCreate(spec(Duration.ZERO));
      try {
        assertTrue(t.kvPut(key, utf8("s1"), KvWrite.acquire(s1)));
        assertTrue(t.kvPut(key, utf8("s1 again"), KvWrite.acquire(s1)), "the holder may re-acquire");
        assertFalse(t.kvPut(key, utf8("s2"), KvWrite.acquire(s2)), "held by s1");
        assertEquals(s1, t.kvGet(key).orElseThrow().session());
        assertFalse(t.kvPut(key, null, KvWrite.release(s2)), "only the holder releases");
        assertTrue(t.kvPut(key, null, KvWrite.release(s1)));
        assertNull(t.kvGet(key).orElseThrow().session());
        assertTrue(t.kvPut(key, utf8("s2"), KvWrite.acquire(s2)));
        assertEquals(s2, t.kvGet(key).orElseThrow().session());
      } finally {
        t.sessionDestroy(s1);
        t.sessionDestroy(s2);
      }
    }
  }

  /** The index-tied release frees exactly the write it names: never a later one of the same session. */
  @Test
  void tiedUnlockReleasesOnlyTheHoldItNames(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "tied";
      String s1 = t.sessionCreate(spec(Duration.ZERO));
      String s2 = t.sessionCreate(spec(Duration.ZERO));
      List<byte[]> unknown = new CopyOnWriteArrayList<>();
      try {
        long first = t.kvLock(key, s1, () -> utf8("first"), unknown::add).entry().modifyIndex();
        long second = t.kvLock(key, s1, () -> utf8("second"), unknown::add).entry().modifyIndex();
        assertTrue(second > first, "a re-lock by the same session is a new write");
        assertEquals(0, t.kvUnlock(key, s1, first), "a release of the first hold must not free the second");
        assertEquals(s1, t.kvGet(key).orElseThrow().session());
        assertEquals(0, t.kvUnlock(key, s2, second), "only the holding session releases");
        long released = t.kvUnlock(key, s1, second);
        KvEntry free = t.kvGet(key).orElseThrow();
        assertNull(free.session());
        assertEquals(free.modifyIndex(), released, "the release answers the key's new index");
        assertEquals(0, t.kvUnlock(key, s1, second), "a repeated release changes nothing");
        assertEquals(free.modifyIndex(), t.kvGet(key).orElseThrow().modifyIndex());
        assertTrue(unknown.isEmpty(), "answered attempts are not unknown");
      } finally {
        t.sessionDestroy(s1);
        t.sessionDestroy(s2);
      }
    }
  }

  /**
   * A lock tied to the key's state takes effect only in that state: a copy of it sent again after it took effect
   * (and after the hold was released) finds the index moved and changes nothing. Likewise a create-held whose
   * key was deleted again does not re-create it.
   */
  @Test
  void lockTiedToTheKeysStateDoesNotApplyTwice(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "tied-lock";
      String s1 = t.sessionCreate(spec(Duration.ZERO));
      List<byte[]> unknown = new CopyOnWriteArrayList<>();
      try {
        ConsulTransport.LockAttempt first = t.kvLock(key, 0, s1, 0, () -> utf8("a"), unknown::add);
        assertTrue(first.acquired());
        ConsulTransport.LockAttempt copy = t.kvLock(key, 0, s1, 0, () -> utf8("a2"), unknown::add);
        assertFalse(copy.acquired(), "the key exists now");
        assertTrue(copy.stale(), copy.failure());
        long released = t.kvUnlock(key, s1, first.entry().modifyIndex());
        assertTrue(released > 0);
        ConsulTransport.LockAttempt late = t.kvLock(key, 0, s1, 0, () -> utf8("a3"), unknown::add);
        assertTrue(late.stale(), "a late copy of the first lock: " + late.failure());
        assertNull(t.kvGet(key).orElseThrow().session(), "the released key stays free");
        ConsulTransport.LockAttempt again = t.kvLock(key, 0, s1, released, () -> utf8("b"), unknown::add);
        assertTrue(again.acquired(), "tied to the state after the release");
        assertEquals("b", t.kvGet(key).orElseThrow().valueUtf8());

        String queued = consul.keyPrefix() + "tied-queue/entry";
        KvEntry entry = t.kvCreateHeld(queued, utf8("q"), s1).orElseThrow();
        assertEquals(s1, entry.session());
        assertTrue(t.kvCreateHeld(queued, utf8("q"), s1).isEmpty(), "a copy while it exists");
        assertTrue(t.kvDeleteCas(queued, entry.modifyIndex()));
        ConsulTransport.LockAttempt recreated = t.kvLock(queued, 0, s1, 0, () -> utf8("q"), unknown::add);
        assertTrue(recreated.acquired(), "a deleted key is absent again (why queue keys are never reused)");
        assertTrue(unknown.isEmpty());
      } finally {
        t.sessionDestroy(s1);
      }
    }
  }

  /**
   * An announcement is tied to the lock key's state, and a hand-over moves the key from one session to the
   * announcer in one commit or not at all: a wrong token, a changed announcement, an announcer whose session
   * ended each leave the key as it was, and a repetition after it applied changes nothing.
   */
  @Test
  void announcementAndHandOverApplyWholeOrNotAtAll(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "handover";
      String entryKey = key + "/.wait/x-1";
      String s1 = t.sessionCreate(spec(Duration.ZERO));
      String s2 = t.sessionCreate(spec(Duration.ZERO));
      String s3 = t.sessionCreate(spec(Duration.ZERO));
      try {
        KvEntry held = t.kvLock(key, 0, s1, 0, () -> utf8("one"), v -> {}).entry();
        long token = held.modifyIndex();
        assertTrue(t.kvAnnounce(key, token - 1, entryKey, utf8("two"), s2).isEmpty(), "tied to an older state");
        KvEntry announced = t.kvAnnounce(key, token, entryKey, utf8("two"), s2).orElseThrow();
        assertTrue(t.kvAnnounce(key, token, entryKey, utf8("two"), s2).isEmpty(), "a copy while it exists");

        assertEquals(0, t.kvHandOver(key, 0, s1, token - 1, s2, utf8("two"), entryKey, announced.modifyIndex()),
            "another hold's token");
        assertEquals(0, t.kvHandOver(key, 0, s1, token, s2, utf8("two"), entryKey, announced.modifyIndex() + 1),
            "the announcement changed");
        KvEntry other = t.kvAnnounce(key, token, key + "/.wait/y-1", utf8("three"), s3).orElseThrow();
        t.sessionDestroy(s3);
        assertEquals(0, t.kvHandOver(key, 0, s1, token, s3, utf8("three"), other.key(), other.modifyIndex()),
            "the announcer's session ended");
        KvEntry unchanged = t.kvGet(key).orElseThrow();
        assertEquals(token, unchanged.modifyIndex(), "refused hand-overs leave the key as it was");
        assertEquals(s1, unchanged.session());

        long moved = t.kvHandOver(key, 0, s1, token, s2, utf8("two"), entryKey, announced.modifyIndex());
        assertTrue(moved > token, "the hand-over's write is the next token");
        KvEntry now = t.kvGet(key).orElseThrow();
        assertEquals(s2, now.session());
        assertEquals("two", now.valueUtf8());
        assertEquals(moved, now.modifyIndex());
        assertEquals(held.lockIndex() + 1, now.lockIndex(), "one acquisition, in one commit");
        assertEquals(0, t.kvHandOver(key, 0, s1, token, s2, utf8("two"), entryKey, announced.modifyIndex()),
            "a repetition after it applied");
        assertEquals(moved, t.kvGet(key).orElseThrow().modifyIndex());
      } finally {
        t.sessionDestroy(s1);
        t.sessionDestroy(s2);
      }
    }
  }

  /**
   * The lock transaction's answer is lost; the transport retries it with a fresh value and tells the caller
   * the value of the lost attempt, which did land: only that value tells its write apart.
   */
  @Test
  void lockAttemptsCarryFreshValuesAndLostOnesAreReported(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         ConsulTransport t = new ConsulTransport(new TransportSettings(proxy.address(), null, null, null,
             Duration.ofMillis(500), Duration.ofSeconds(10), null, null));
         ConsulTransport raw = consul.transport()) {
      String key = consul.keyPrefix() + "fresh";
      String session = raw.sessionCreate(spec(Duration.ZERO));
      try {
        FaultProxy.Rule lost = proxy.when(FaultProxy.Match.put().path("/v1/txn").bodyContains("\"lock\""))
            .once().dropResponse();
        AtomicInteger n = new AtomicInteger();
        List<String> unknown = new CopyOnWriteArrayList<>();
        ConsulTransport.LockAttempt attempt = t.kvLock(key, session, () -> utf8("v" + n.incrementAndGet()),
            v -> unknown.add(new String(v, StandardCharsets.UTF_8)));
        assertEquals(1, lost.matched());
        assertTrue(attempt.acquired());
        assertEquals("v2", attempt.entry().valueUtf8(), "the retry writes a value of its own");
        assertEquals(List.of("v1"), unknown, "the attempt whose answer was lost is reported");
        assertEquals("v2", raw.kvGet(key).orElseThrow().valueUtf8());
      } finally {
        raw.sessionDestroy(session);
      }
    }
  }

  /** A short call blocked on its socket ends within a tick of the interrupt, not at the request timeout. */
  @Test
  void interruptEndsAShortCallAtOnce(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         ConsulTransport t = new ConsulTransport(TransportSettings.of(proxy.address(), null))) {
      String key = consul.keyPrefix() + "stuck";
      FaultProxy.Hold stuck = proxy.when(FaultProxy.Match.put().path("/v1/kv/" + key)).once().hold();
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      AtomicLong returnedAt = new AtomicLong();
      CountDownLatch done = new CountDownLatch(1);
      Thread writer = new Thread(() -> {
        try {
          t.kvPut(key, utf8("x"), KvWrite.plain());
          outcome.set(new AssertionError("returned without interrupt"));
        } catch (Throwable e) {
          outcome.set(e);
        } finally {
          returnedAt.set(System.nanoTime());
          done.countDown();
        }
      });
      writer.start();
      assertTrue(stuck.awaitArrived(Duration.ofSeconds(5)));
      long interruptedAt = System.nanoTime();
      writer.interrupt();
      assertTrue(done.await(5, TimeUnit.SECONDS));
      stuck.discard();
      assertTrue(outcome.get() instanceof InterruptedException, "got " + outcome.get());
      long ms = Await.millis(interruptedAt, returnedAt.get());
      assertTrue(ms < 100, "the interrupted call returned after " + ms + " ms");
      assertTrue(t.kvGet(key).isEmpty(), "the transport still works, and the write never landed");
    }
  }

  @Test
  void destroyingTheHolderFreesTheKeyAfterTheLockDelay(TestConsul consul) throws Exception {
    Duration lockDelay = Duration.ofSeconds(2);
    try (ConsulTransport t = consul.transport()) {
      String key = consul.keyPrefix() + "delayed";
      String holder = t.sessionCreate(spec(lockDelay));
      String other = t.sessionCreate(spec(Duration.ZERO));
      try {
        assertTrue(t.kvPut(key, utf8("holder"), KvWrite.acquire(holder)));
        assertTrue(t.sessionDestroy(holder));
        long destroyed = System.nanoTime();
        assertTrue(t.sessionInfo(holder).isEmpty(), "destroyed session must be gone");
        assertNull(t.kvGet(key).orElseThrow().session(), "behavior release frees the key");
        assertFalse(t.kvPut(key, utf8("other"), KvWrite.acquire(other)), "lock-delay must refuse at once");
        // refused (no commit, ~1 ms) until the lock-delay is over, then granted
        Await.until(lockDelay.plusMillis(500), () -> acquire(t, key, other), () -> "acquire after the lock-delay");
        long grantedMs = Await.millis(destroyed, System.nanoTime());
        assertTrue(grantedMs >= lockDelay.toMillis() - 100, "granted inside the lock-delay: " + grantedMs + " ms");
      } finally {
        t.sessionDestroy(other);
      }
    }
  }

  @Test
  void sessionLifecycle(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String id = t.sessionCreate(new SessionSpec("lifecycle", Duration.ofSeconds(12), Duration.ofSeconds(3),
          true, List.of()));
      SessionInfo info = t.sessionInfo(id).orElseThrow();
      assertEquals(id, info.id());
      assertEquals("lifecycle", info.name());
      assertEquals(Duration.ofSeconds(12), info.ttl());
      assertEquals(Duration.ofSeconds(3), info.lockDelay());
      assertEquals("delete", info.behavior());
      assertTrue(t.sessionRenew(id).isPresent());
      assertTrue(t.sessionDestroy(id));
      assertTrue(t.sessionRenew(id).isEmpty(), "renewing a destroyed session answers 404 -> empty");
      assertTrue(t.sessionInfo(id).isEmpty());
      assertTrue(t.sessionDestroy(id), "destroy is idempotent");
      assertFalse(t.statusLeader().isEmpty());
    }
  }

  @Test
  void invalidRequestIsRejectedWith400AndNotRetried(TestConsul consul) throws Exception {
    Calls calls = new Calls();
    try (ConsulTransport t = consul.transport(calls)) {
      long before = calls.count();
      ConsulRequestRejectedException e = assertThrows(ConsulRequestRejectedException.class,
          () -> t.kvPut("", utf8("x"), KvWrite.plain()));
      assertEquals(400, e.status());
      assertEquals("PUT", e.method());
      assertEquals("/v1/kv/", e.path());
      assertTrue(e.getMessage().contains("Missing key name"), e.getMessage());
      assertEquals(1, calls.count() - before, "a 400 is not retried");

      // Consul 1.8 reports validation errors of RPCs as 500 "Invalid ...": rejected, not retried
      ConsulRequestRejectedException ttl = assertThrows(ConsulRequestRejectedException.class,
          () -> t.sessionCreate(new SessionSpec("bad", Duration.ofSeconds(5), Duration.ZERO, false, null)));
      assertTrue(ttl.getMessage().contains("Invalid Session TTL"), ttl.getMessage());

      // acquiring with a session that is gone: typed, not retried
      String gone = t.sessionCreate(spec(Duration.ZERO));
      t.sessionDestroy(gone);
      long beforeGone = calls.count();
      assertThrows(ConsulSessionInvalidException.class,
          () -> t.kvPut(consul.keyPrefix() + "k", utf8("x"), KvWrite.acquire(gone)));
      assertEquals(1, calls.count() - beforeGone);
    }
  }

  @Test
  void unreachableConsulFailsAfterRetriesWithinTheDeadline() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();               // closed again: connection refused
    }
    TransportSettings settings = new TransportSettings(URI.create("http://127.0.0.1:" + port), "s3cr3t-token",
        null, null, Duration.ofMillis(500), Duration.ofMillis(800), null, null);
    Calls calls = new Calls();
    try (ConsulTransport t = new ConsulTransport(settings, calls)) {
      long t0 = System.nanoTime();
      ConsulUnavailableException e = assertThrows(ConsulUnavailableException.class,
          () -> t.kvGet("baton/x"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(calls.count() > 1, "connection refused on a read is retried");
      assertTrue(ms < 3000, "gave up after " + ms + " ms");
      assertEquals("GET", e.method());
      assertEquals("/v1/kv/baton/x", e.path());
      assertFalse(e.getMessage().contains("s3cr3t"));
      assertFalse(t.toString().contains("s3cr3t"));
      assertFalse(settings.toString().contains("s3cr3t"));
    }
  }

  @Test
  void aclDeniedMapsTo403AndNeverShowsTheToken() throws Exception {
    try (ConsulProcess acl = ConsulProcess.startWithAcls()) {
      String secret = "not-a-real-token-5f2c9a";
      Calls calls = new Calls();
      try (ConsulTransport anonymous = new ConsulTransport(TransportSettings.of(acl.address(), null), calls);
           ConsulTransport wrong = new ConsulTransport(TransportSettings.of(acl.address(), secret));
           ConsulTransport master = new ConsulTransport(
               TransportSettings.of(acl.address(), ConsulProcess.ACL_MASTER_TOKEN))) {
        long before = calls.count();
        ConsulAccessDeniedException denied = assertThrows(ConsulAccessDeniedException.class,
            () -> anonymous.kvPut("baton/acl", utf8("x"), KvWrite.plain()));
        assertEquals(403, denied.status());
        assertEquals(1, calls.count() - before, "a 403 is not retried");
        assertTrue(denied.getMessage().contains("PUT /v1/kv/baton/acl"), denied.getMessage());

        ConsulAccessDeniedException wrongToken = assertThrows(ConsulAccessDeniedException.class,
            () -> wrong.sessionCreate(spec(Duration.ZERO)));
        assertFalse(wrongToken.getMessage().contains(secret), wrongToken.getMessage());
        assertFalse(wrong.toString().contains(secret));

        // a denied transaction answers 409 "Permission denied": an access error too, not a refusal
        List<byte[]> unknown = new CopyOnWriteArrayList<>();
        String session = master.sessionCreate(spec(Duration.ZERO));
        long beforeTxn = calls.count();
        ConsulAccessDeniedException lock = assertThrows(ConsulAccessDeniedException.class,
            () -> anonymous.kvLock("baton/acl-lock", session, () -> utf8("x"), unknown::add));
        assertTrue(lock.getMessage().contains("Permission denied"), lock.getMessage());
        assertTrue(unknown.isEmpty(), "a denied attempt certainly did not land");
        assertThrows(ConsulAccessDeniedException.class, () -> anonymous.kvCas("baton/acl-cas", utf8("x"), 0));
        assertThrows(ConsulAccessDeniedException.class, () -> anonymous.kvUnlock("baton/acl-lock", session, 1));
        assertEquals(3, calls.count() - beforeTxn, "denials are not retried");

        assertTrue(master.kvPut("baton/acl", utf8("x"), KvWrite.plain()), "the master token may write");
        assertEquals("x", master.kvGet("baton/acl").orElseThrow().valueUtf8());
      }
    }
  }

  @Test
  void blockingIndexRules() {
    assertEquals(1, BlockingIndex.next(0, 0), "never 0 after the first read");
    assertEquals(7, BlockingIndex.next(5, 7));
    assertEquals(3, BlockingIndex.next(9, 3), "reset when the index goes backwards");
    assertTrue(BlockingIndex.wentBackwards(9, 3));
    assertFalse(BlockingIndex.wentBackwards(3, 3));
  }

  private static boolean acquire(ConsulTransport t, String key, String session) {
    try {
      return t.kvPut(key, utf8("other"), KvWrite.acquire(session));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Counts requests through the transport's observer. */
  private static final class Calls implements CallObserver {
    private final java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public void onCall(String method, String endpoint, int status, long nanos) {
      n.incrementAndGet();
    }

    long count() {
      return n.get();
    }
  }

  @Test
  void multiOperationTxnAppliesAllOrNothingTiedToIndexesAndKeepsTheSession(TestConsul consul) throws Exception {
    try (ConsulTransport t = consul.transport()) {
      String record = consul.keyPrefix() + "txn/.lock";
      String key = consul.keyPrefix() + "txn/contender";
      String session = t.sessionCreate(spec(Duration.ZERO));
      assertTrue(t.kvPut(key, utf8("waiting"), KvWrite.acquire(session)));
      long unmarked = t.kvGet(key).orElseThrow().modifyIndex();
      long mark = 0x6261746f6e2b6831L;
      List<KvOp> acquire = List.of(KvOp.cas(record, utf8("{}"), 0, 0), KvOp.cas(key, utf8("holding"), mark, unmarked));

      List<KvEntry> written = t.kvTxn(acquire).orElseThrow();
      KvEntry marked = t.kvGet(key).orElseThrow();
      assertEquals(session, marked.session(), "a cas keeps the key's session");
      assertEquals(mark, marked.flags());
      assertEquals("holding", marked.valueUtf8());
      assertEquals(marked.modifyIndex(), written.get(1).modifyIndex());
      assertEquals(written.get(0).modifyIndex(), written.get(1).modifyIndex(), "one commit");

      assertTrue(t.kvTxn(acquire).isEmpty(), "the same transaction again (late, or repeated) changes nothing");
      assertEquals(marked, t.kvGet(key).orElseThrow());
      assertTrue(t.kvTxn(List.of(KvOp.deleteCas(key, unmarked))).isEmpty(), "delete-cas on an old index");
      assertTrue(t.kvGet(key).isPresent());
      assertTrue(t.kvTxn(List.of(KvOp.deleteCas(key, marked.modifyIndex()))).isPresent());
      assertTrue(t.kvGet(key).isEmpty());
      t.sessionDestroy(session);
    }
  }
}
