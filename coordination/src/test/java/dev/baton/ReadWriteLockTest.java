package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The read-write lock against a real Consul dev agent. */
@ExtendWith(ConsulExtension.class)
class ReadWriteLockTest {
  private static final Duration LONG = Duration.ofSeconds(20);
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    pool.shutdownNow();
  }

  private <T> Future<T> async(Callable<T> work) {
    return pool.submit(work);
  }

  /** The queue in the lock's record, as "read"/"write" in order. */
  private static List<String> queue(ConsulTransport raw, DistributedReadWriteLock rw) throws InterruptedException {
    Optional<KvEntry> record = raw.kvGet(rw.key() + "/.rwlock");
    List<String> modes = new ArrayList<>();
    if (record.isEmpty()) return modes;
    JsonElement q = JsonParser.parseString(record.get().valueUtf8()).getAsJsonObject().get("Queue");
    if (q == null || q.isJsonNull()) return modes;
    for (JsonElement e : (JsonArray) q) modes.add(e.getAsJsonObject().get("Mode").getAsString());
    return modes;
  }

  private static void awaitQueue(ConsulTransport raw, DistributedReadWriteLock rw, List<String> expected) {
    Await.until(Duration.ofSeconds(10), () -> {
      try {
        return queue(raw, rw).equals(expected);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }, () -> "queue " + expected);
  }

  /** The contender keys under the lock (the record excluded). */
  private static List<String> contenders(ConsulTransport raw, DistributedReadWriteLock rw)
      throws InterruptedException {
    return raw.kvList(rw.key() + "/").stream().map(KvEntry::key)
        .filter(k -> !k.endsWith("/.rwlock")).toList();
  }

  @Test
  void readersShareAcrossTwoClients(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock ra = a.readWriteLock("shared");
      DistributedReadWriteLock rb = b.readWriteLock("shared");
      try (Lease one = ra.readLock().acquire(LONG); Lease two = rb.readLock().acquire(Duration.ofSeconds(2))) {
        assertTrue(one.isHeld() && two.isHeld());
        assertTrue(two.fencingToken() > one.fencingToken());
        List<LockHolder> readers = ra.readers();
        assertEquals(2, readers.size(), readers.toString());
        assertEquals(List.of(a.ownerId(), b.ownerId()), readers.stream().map(LockHolder::ownerId).toList());
        assertEquals(one.fencingToken(), readers.get(0).fencingToken());
        assertEquals(a.ownerId(), rb.readLock().holder().orElseThrow().ownerId(), "the earliest reader");
        assertTrue(rb.writeLock().holder().isEmpty());
        assertTrue(rb.writeLock().holder().isEmpty());
        assertTrue(async(() -> rb.writeLock().tryAcquire()).get(10, TimeUnit.SECONDS).isEmpty(),
            "readers exclude a writer (tried from another thread: this one reads, upgrading is refused)");
      }
      assertTrue(ra.readers().isEmpty());
      try (Lease w = rb.writeLock().tryAcquire().orElseThrow()) {
        assertEquals(b.ownerId(), ra.writeLock().holder().orElseThrow().ownerId());
        assertEquals(w.fencingToken(), ra.writeLock().holder().orElseThrow().fencingToken());
      }
    }
  }

  @Test
  void writersExcludeReadersAndWritersAcrossThreadsAndClients(TestConsul consul) throws Exception {
    AtomicInteger readers = new AtomicInteger();
    AtomicInteger writers = new AtomicInteger();
    AtomicInteger maxReaders = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger writes = new AtomicInteger();
    Set<Long> tokens = ConcurrentHashMap.newKeySet();
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        DistributedReadWriteLock rw = (t % 2 == 0 ? a : b).readWriteLock("exclusion");
        futures.add(async(() -> {
          while (System.nanoTime() < end) {
            boolean write = ThreadLocalRandom.current().nextInt(4) == 0;
            try (Lease lease = (write ? rw.writeLock() : rw.readLock()).acquire(LONG)) {
              if (!tokens.add(lease.fencingToken())) violations.add("token reused: " + lease.fencingToken());
              if (write) {
                if (writers.incrementAndGet() != 1 || readers.get() != 0) violations.add("writer not alone");
                writes.incrementAndGet();
                Work.take(3);
                writers.decrementAndGet();
              } else {
                int now = readers.incrementAndGet();
                maxReaders.accumulateAndGet(now, Math::max);
                if (writers.get() != 0) violations.add("reader next to a writer");
                reads.incrementAndGet();
                Work.take(10);
                readers.decrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) f.get(2, TimeUnit.MINUTES);
      assertEquals(List.of(), contenders(raw, a.readWriteLock("exclusion")), "nothing left held");
    }
    System.out.printf("read-write lock: %d reads, %d writes, at most %d readers at once%n", reads.get(),
        writes.get(), maxReaders.get());
    assertEquals(List.of(), violations);
    assertTrue(writes.get() > 3 && reads.get() > 10, "progress: " + reads + " reads, " + writes + " writes");
    assertTrue(maxReaders.get() >= 2, "readers shared: " + maxReaders.get());
  }

  /** A reader holds, a writer queues: a newer reader must not get in before the writer had its turn. */
  @Test
  void aQueuedWriterGoesBeforeLaterReaders(TestConsul consul) throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("preference");
      Lease first = rw.readLock().acquire(LONG);
      CountDownLatch writing = new CountDownLatch(1);
      CountDownLatch finishWrite = new CountDownLatch(1);
      Future<Long> writer = async(() -> {
        try (Lease w = b.readWriteLock("preference").writeLock().acquire(LONG)) {
          order.add("writer in");
          writing.countDown();
          assertTrue(finishWrite.await(20, TimeUnit.SECONDS));
          order.add("writer out");
          return w.fencingToken();
        }
      });
      awaitQueue(raw, rw, List.of("write"));
      assertTrue(c.readWriteLock("preference").readLock().tryAcquire().isEmpty(),
          "a new reader must not pass the queued writer");
      Future<Long> reader = async(() -> {
        try (Lease r = c.readWriteLock("preference").readLock().acquire(LONG)) {
          order.add("late reader in");
          return r.fencingToken();
        }
      });
      awaitQueue(raw, rw, List.of("write", "read"));
      assertFalse(reader.isDone());
      first.close();
      assertTrue(writing.await(10, TimeUnit.SECONDS), "the writer gets in once the first reader left");
      awaitQueue(raw, rw, List.of("read"));
      assertFalse(reader.isDone(), "the late reader waits for the writer");
      finishWrite.countDown();
      long readToken = reader.get(10, TimeUnit.SECONDS);
      long writeToken = writer.get(10, TimeUnit.SECONDS);
      assertEquals(List.of("writer in", "writer out", "late reader in"), order);
      assertTrue(first.fencingToken() < writeToken && writeToken < readToken);
      assertEquals(List.of(), contenders(raw, rw));
      assertEquals(List.of(), queue(raw, rw));
    }
  }

  /** A reader queued behind the writer holding enters before a writer that queued after it. */
  @Test
  void aWaitingReaderWaitsOnlyForTheWritersBeforeIt(TestConsul consul) throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("bound");
      Lease holding = rw.writeLock().acquire(LONG);
      CountDownLatch reading = new CountDownLatch(1);
      CountDownLatch finishRead = new CountDownLatch(1);
      Future<Long> reader = async(() -> {
        try (Lease r = b.readWriteLock("bound").readLock().acquire(LONG)) {
          order.add("reader in");
          reading.countDown();
          assertTrue(finishRead.await(20, TimeUnit.SECONDS));
          order.add("reader out");
          return r.fencingToken();
        }
      });
      awaitQueue(raw, rw, List.of("read"));
      Future<Long> writer = async(() -> {
        try (Lease w = c.readWriteLock("bound").writeLock().acquire(LONG)) {
          order.add("second writer in");
          return w.fencingToken();
        }
      });
      awaitQueue(raw, rw, List.of("read", "write"));
      holding.close();
      assertTrue(reading.await(10, TimeUnit.SECONDS), "the reader queued first goes first");
      awaitQueue(raw, rw, List.of("write"));
      assertFalse(writer.isDone(), "the second writer waits for the reader");
      finishRead.countDown();
      long writeToken = writer.get(10, TimeUnit.SECONDS);
      long readToken = reader.get(10, TimeUnit.SECONDS);
      assertEquals(List.of("reader in", "reader out", "second writer in"), order);
      assertTrue(holding.fencingToken() < readToken && readToken < writeToken);
    }
  }

  @Test
  void fencingTokensGrowStrictlyAcrossReadsAndWrites(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock ra = a.readWriteLock("tokens");
      DistributedReadWriteLock rb = b.readWriteLock("tokens");
      List<Long> tokens = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        try (Lease r1 = ra.readLock().acquire(LONG)) {
          tokens.add(r1.fencingToken());
          try (Lease r2 = rb.readLock().acquire(LONG)) {
            tokens.add(r2.fencingToken());
          }
        }
        try (Lease w = (i % 2 == 0 ? ra : rb).writeLock().acquire(LONG)) {
          tokens.add(w.fencingToken());
        }
      }
      for (int i = 1; i < tokens.size(); i++) {
        assertTrue(tokens.get(i) > tokens.get(i - 1), "tokens must grow strictly: " + tokens);
      }
    }
  }

  @Test
  void reentrantPerThreadAndMode(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock rw = a.readWriteLock("reentrant");
      Lease r1 = rw.readLock().acquire(LONG);
      Lease r2 = a.readWriteLock("reentrant").readLock().acquire(LONG);   // another object of the same name
      assertEquals(r1.fencingToken(), r2.fencingToken(), "the same hold");
      assertEquals(1, rw.readers().size());
      r1.close();
      assertTrue(r2.isHeld());
      assertTrue(b.readWriteLock("reentrant").writeLock().tryAcquire().isEmpty(), "still read-held");
      r2.close();
      Lease w1 = rw.writeLock().acquire(LONG);
      Lease w2 = rw.writeLock().tryAcquire().orElseThrow();
      assertEquals(w1.fencingToken(), w2.fencingToken());
      w2.close();
      assertTrue(w1.isHeld());
      assertTrue(b.readWriteLock("reentrant").readLock().tryAcquire().isEmpty(), "still write-held");
      w1.close();
      try (Lease other = b.readWriteLock("reentrant").writeLock().tryAcquire().orElseThrow()) {
        assertTrue(other.fencingToken() > w1.fencingToken());
      }
      // another thread of the same client is another reader, with a hold of its own
      try (Lease mine = rw.readLock().acquire(LONG)) {
        long theirs = async(() -> {
          try (Lease l = rw.readLock().acquire(LONG)) {
            return l.fencingToken();
          }
        }).get(10, TimeUnit.SECONDS);
        assertNotEquals(mine.fencingToken(), theirs);
      }
    }
  }

  @Test
  void downgradeEntersAtOnceAndKeepsReading(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("downgrade");
      Lease write = rw.writeLock().acquire(LONG);
      Future<Long> nextWriter = async(() -> {
        try (Lease w = b.readWriteLock("downgrade").writeLock().acquire(LONG)) {
          return w.fencingToken();
        }
      });
      awaitQueue(raw, rw, List.of("write"));
      Lease read = rw.readLock().acquire(Duration.ofSeconds(2));   // past the queued writer
      assertTrue(read.fencingToken() > write.fencingToken());
      write.close();
      assertTrue(read.isHeld());
      assertEquals(List.of(a.ownerId()), rw.readers().stream().map(LockHolder::ownerId).toList());
      assertTrue(rw.writeLock().holder().isEmpty());
      assertFalse(nextWriter.isDone(), "the queued writer waits for the downgraded reader");
      assertEquals(List.of("write"), queue(raw, rw));
      read.close();
      assertTrue(nextWriter.get(10, TimeUnit.SECONDS) > read.fencingToken());
    }
  }

  @Test
  void upgradeIsRefusedAtOnce(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("upgrade");
      try (Lease read = rw.readLock().acquire(LONG)) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rw.writeLock().acquire());
        assertTrue(e.getMessage().contains(rw.key()) && e.getMessage().contains("upgrad"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> rw.writeLock().tryAcquire());
        assertThrows(IllegalStateException.class,
            () -> a.readWriteLock("upgrade").writeLock().acquire(Duration.ofSeconds(1)));
        assertTrue(read.isHeld());
        assertEquals(1, contenders(raw, rw).size(), "only the reader's key");
      }
      rw.writeLock().acquire(LONG).close();                 // once the read lease is closed
    }
  }

  @Test
  void timeoutAndInterruptLeaveNothingBehind(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("abandon");
      DistributedReadWriteLock other = b.readWriteLock("abandon");
      try (Lease read = rw.readLock().acquire(LONG)) {
        List<String> held = contenders(raw, rw);
        assertThrows(TimeoutException.class, () -> other.writeLock().acquire(Duration.ofMillis(300)));
        assertEquals(held, contenders(raw, rw), "the timed-out writer left no key");
        assertEquals(List.of(), queue(raw, rw), "nor a queue entry");

        Future<Lease> writer = async(() -> other.writeLock().acquire());
        awaitQueue(raw, rw, List.of("write"));
        Future<Lease> reader = async(() -> other.readLock().acquire());
        awaitQueue(raw, rw, List.of("write", "read"));
        reader.cancel(true);                               // the reader first: with the writer gone it may enter
        awaitQueue(raw, rw, List.of("write"));
        writer.cancel(true);
        Await.until(Duration.ofSeconds(5), () -> {
          try {
            return contenders(raw, rw).equals(held) && queue(raw, rw).isEmpty();
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
        }, () -> "interrupted waiters removed their keys and queue entries");
        assertTrue(read.isHeld());
      }
      assertEquals(List.of(), contenders(raw, rw));
      try (Lease w = other.writeLock().tryAcquire().orElseThrow()) {
        assertTrue(w.isHeld(), "free again");
      }
    }
  }

  @Test
  void anInterruptedAcquireThrowsInterruptedException(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock rw = a.readWriteLock("interrupt");
      try (Lease w = rw.writeLock().acquire(LONG)) {
        CountDownLatch done = new CountDownLatch(1);
        List<Throwable> outcome = Collections.synchronizedList(new ArrayList<>());
        Thread waiter = new Thread(() -> {
          try {
            b.readWriteLock("interrupt").readLock().acquire().close();
          } catch (Throwable e) {
            outcome.add(e);
          } finally {
            done.countDown();
          }
        });
        waiter.start();
        assertFalse(done.await(300, TimeUnit.MILLISECONDS));
        waiter.interrupt();
        assertTrue(done.await(3, TimeUnit.SECONDS));
        assertTrue(outcome.get(0) instanceof InterruptedException, "got " + outcome);
        assertTrue(w.isHeld());
      }
    }
  }

  @Test
  void sessionDestroyedByAnOperatorLosesTheLeasesAndFreesTheLock(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("destroyed");
      Lease read = rw.readLock().acquire(LONG);
      Lease again = rw.readLock().acquire(LONG);
      CountDownLatch lost = new CountDownLatch(1);
      read.onLost(lost::countDown);
      Future<Lease> writer = async(() -> b.readWriteLock("destroyed").writeLock().acquire(LONG));
      awaitQueue(raw, rw, List.of("write"));
      raw.sessionDestroy(a.sessionId());
      assertTrue(lost.await(TestConsul.TTL.toMillis() / 3 + 2000, TimeUnit.MILLISECONDS), "onLost did not fire");
      assertFalse(read.isHeld());
      assertFalse(again.isHeld());
      LeaseLostException e = assertThrows(LeaseLostException.class, read::ensureHeld);
      assertTrue(e.getMessage().contains(read.key()), e.getMessage());
      try (Lease w = writer.get(10, TimeUnit.SECONDS)) {
        assertTrue(w.fencingToken() > read.fencingToken());
        assertThrows(LeaseLostException.class, () -> rw.readLock().acquire(Duration.ofSeconds(1)),
            "this thread still has a lost read lease");
      }
      read.close();
      again.close();                                       // never throws for a lost lease
      try (Lease fresh = rw.readLock().acquire(LONG)) {
        assertTrue(fresh.isHeld(), "a new session after the lost leases are closed");
      }
    }
  }

  /** A waiter whose session an operator destroys keeps waiting, with a fresh contender key and session. */
  @Test
  void aWaiterWhoseSessionIsDestroyedWaitsOnWithAFreshSession(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = a.readWriteLock("waiter-destroyed");
      Lease write = rw.writeLock().acquire(LONG);
      String first = b.sessionId();
      Future<Lease> reader = async(() -> b.readWriteLock("waiter-destroyed").readLock().acquire(LONG));
      awaitQueue(raw, rw, List.of("read"));
      raw.sessionDestroy(first);
      Await.until(Duration.ofSeconds(10), () -> {
        try {
          return contenders(raw, rw).stream().noneMatch(k -> k.contains(first)) && queue(raw, rw).size() == 1;
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }, () -> "the waiter queued again with a fresh key");
      assertFalse(reader.isDone());
      write.close();
      try (Lease r = reader.get(10, TimeUnit.SECONDS)) {
        assertTrue(r.isHeld());
        assertNotEquals(first, b.sessionId());
        assertTrue(r.fencingToken() > write.fencingToken());
      }
    }
  }

  @Test
  void tryAcquireTakesOnlyWhatIsFreeNow(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock ra = a.readWriteLock("try");
      DistributedReadWriteLock rb = b.readWriteLock("try");
      try (Lease w = ra.writeLock().tryAcquire().orElseThrow()) {
        assertTrue(w.isHeld());
        assertTrue(rb.readLock().tryAcquire().isEmpty());
        assertTrue(rb.writeLock().tryAcquire().isEmpty());
        assertEquals(1, contenders(raw, ra).size(), "failed tries leave no key");
        assertEquals(List.of(), queue(raw, ra), "and never queue");
      }
      try (Lease r = ra.readLock().tryAcquire().orElseThrow(); Lease r2 = rb.readLock().tryAcquire().orElseThrow()) {
        assertTrue(r.isHeld() && r2.isHeld());
        assertTrue(async(() -> rb.writeLock().tryAcquire()).get(10, TimeUnit.SECONDS).isEmpty());
      }
      assertTrue(rb.writeLock().acquire(Duration.ZERO).isHeld());
    }
  }

  /**
   * A reader in another JVM is SIGKILLed while a writer waits, then a writer in another JVM is SIGKILLed while
   * a reader waits: each waiter gets in once the dead client's session ends (within two TTLs), with a larger
   * token.
   */
  @Test
  void killedReaderAndWriterFreeTheLockWhenTheirSessionsEnd(TestConsul consul) throws Exception {
    long ttlS = TestConsul.TTL.toSeconds();
    long bound = 2 * ttlS * 1000 + 2000;
    try (Coordinator waiter = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedReadWriteLock rw = waiter.readWriteLock("killed");
      long lastToken;
      try (ChildJvm reader = ChildJvm.start(HoldLockMain.class, consul.address().toString(), consul.keyPrefix(),
          "killed", Long.toString(ttlS), "1000", "read")) {
        long readerToken = Long.parseLong(reader.awaitLine("HELD ", Duration.ofSeconds(30)).substring(5));
        Future<Lease> writer = async(() -> rw.writeLock().acquire());
        awaitQueue(raw, rw, List.of("write"));
        reader.kill();
        long killedAt = System.nanoTime();
        try (Lease w = writer.get(bound + 5000, TimeUnit.MILLISECONDS)) {
          long ms = Await.millis(killedAt, System.nanoTime());
          System.out.printf("read-write lock: reader SIGKILLed -> writer in after %d ms (bound %d ms)%n", ms, bound);
          assertTrue(ms <= bound, "took " + ms + " ms");
          assertTrue(w.fencingToken() > readerToken);
          lastToken = w.fencingToken();
        }
      }
      try (ChildJvm writer = ChildJvm.start(HoldLockMain.class, consul.address().toString(), consul.keyPrefix(),
          "killed", Long.toString(ttlS), "1000", "write")) {
        long writerToken = Long.parseLong(writer.awaitLine("HELD ", Duration.ofSeconds(30)).substring(5));
        assertTrue(writerToken > lastToken);
        Future<Lease> reader = async(() -> rw.readLock().acquire());
        awaitQueue(raw, rw, List.of("read"));
        writer.kill();
        long killedAt = System.nanoTime();
        try (Lease r = reader.get(bound + 5000, TimeUnit.MILLISECONDS)) {
          long ms = Await.millis(killedAt, System.nanoTime());
          System.out.printf("read-write lock: writer SIGKILLed -> reader in after %d ms (bound %d ms)%n", ms, bound);
          assertTrue(ms <= bound, "took " + ms + " ms");
          assertTrue(r.fencingToken() > writerToken);
        }
      }
    }
  }

  /** The admitting transaction applies but its answer is lost: the acquisition finds itself a holder, once. */
  @Test
  void aLostAnswerToTheAdmittingTransactionYieldsTheHoldItMade(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport();
         Coordinator a = consul.builder().address(proxy.address()).build();
         Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock rw = a.readWriteLock("lost-answer");
      proxy.when(Match.put().path("/v1/txn")).once().dropResponse();
      try (Lease w = rw.writeLock().acquire(LONG)) {
        List<String> keys = contenders(raw, rw);
        assertEquals(1, keys.size(), "one contender: " + keys);
        assertEquals(raw.kvGet(keys.get(0)).orElseThrow().modifyIndex(), w.fencingToken(),
            "the token is the index of the commit that admitted it");
        assertTrue(b.readWriteLock("lost-answer").readLock().tryAcquire().isEmpty());
      }
      assertEquals(List.of(), contenders(raw, rw));
    }
  }

  /** A contender write held back past an interrupt lands later: it is removed and blocks nobody. */
  @Test
  void aContenderWriteLandingAfterAnInterruptIsRemoved(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport();
         Coordinator a = consul.builder().address(proxy.address()).build();
         Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock rw = a.readWriteLock("late-put");
      a.sessionId();
      Hold put = proxy.when(Match.put().pathPrefix("/v1/kv/" + rw.key() + "/").query("acquire")).once().hold();
      Future<Lease> acquiring = async(() -> rw.writeLock().acquire());
      assertTrue(put.awaitArrived(Duration.ofSeconds(10)), "the contender write never came");
      acquiring.cancel(true);
      put.release();                                      // lands now, after the acquisition gave up
      Await.until(Duration.ofSeconds(10), () -> {
        try {
          return raw.kvList(rw.key() + "/").isEmpty() && put.arrived() == 1;
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }, () -> "the late contender key was removed");
      try (Lease w = b.readWriteLock("late-put").writeLock().tryAcquire().orElseThrow()) {
        assertTrue(w.isHeld());
      }
    }
  }

  /**
   * A copy of the admitting transaction lands after the hold was released: its check-and-set on the contender
   * key fails (the key is gone), so it admits nobody.
   */
  @Test
  void aLateCopyOfTheAdmittingTransactionAdmitsNobody(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport();
         Coordinator a = consul.builder().address(proxy.address()).build();
         Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock rw = a.readWriteLock("late-copy");
      Hold copy = proxy.when(Match.put().path("/v1/txn")).once().duplicateHeld();
      Lease w = rw.writeLock().acquire(LONG);
      w.close();
      copy.release();
      Await.until(Duration.ofSeconds(10), () -> proxy.exchanges(Match.put().path("/v1/txn")).size() >= 3,
          () -> "the copy landed");
      assertEquals(List.of(), contenders(raw, rw));
      try (Lease other = b.readWriteLock("late-copy").writeLock().tryAcquire().orElseThrow()) {
        assertTrue(other.fencingToken() > w.fencingToken());
      }
    }
  }

  /**
   * Consul becomes unreachable for a waiter (black hole): its acquisition fails, and its contender key, which
   * it could not remove then, is removed once Consul answers again; the queue entry it leaves counts for nothing.
   */
  @Test
  void aWaiterCutOffFromConsulLeavesNothingOnceConsulAnswersAgain(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport raw = consul.transport();
         Coordinator a = consul.builder().address(proxy.address()).requestTimeout(Duration.ofMillis(500))
             .operationTimeout(Duration.ofSeconds(1)).build();
         Coordinator b = consul.builder().build()) {
      DistributedReadWriteLock rw = b.readWriteLock("cut-off");
      Lease write = rw.writeLock().acquire(LONG);
      List<String> held = contenders(raw, rw);
      Future<Lease> waiter = async(() -> a.readWriteLock("cut-off").readLock().acquire(Duration.ofSeconds(2)));
      awaitQueue(raw, rw, List.of("read"));
      FaultProxy.BlackHole hole = proxy.blackHole();
      ExecutionException e = assertThrows(ExecutionException.class, () -> waiter.get(60, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof ConsulException || e.getCause() instanceof TimeoutException,
          "got " + e.getCause());
      assertEquals(2, contenders(raw, rw).size(), "the waiter's key could not be removed while cut off");
      hole.lift();
      Await.until(Duration.ofSeconds(20), () -> {
        try {
          return contenders(raw, rw).equals(held);
        } catch (InterruptedException ex) {
          throw new AssertionError(ex);
        }
      }, () -> "the cut-off waiter's key was removed once Consul answered again");
      write.close();
      try (Lease w = b.readWriteLock("cut-off").writeLock().tryAcquire().orElseThrow()) {
        assertTrue(w.isHeld(), "the dead queue entry blocks nobody");
      }
    }
  }

  /** A token that may read the keys but not write them: every acquisition fails at once with the ACL error. */
  @Test
  void aclDenialIsAnAccessDeniedErrorNotAWait() throws Exception {
    String prefix = "rwlock-acl-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "/";
    try (ConsulProcess acl = ConsulProcess.startWithAcls()) {
      String readOnly = token(acl, "key_prefix \"" + prefix + "\" { policy = \"read\" } "
          + "session_prefix \"\" { policy = \"write\" }");
      String writer = token(acl, "key_prefix \"" + prefix + "\" { policy = \"write\" } "
          + "session_prefix \"\" { policy = \"write\" }");
      try (Coordinator allowed = Coordinator.builder().address(acl.address()).token(writer).keyPrefix(prefix)
          .sessionTtl(TestConsul.TTL).build()) {
        allowed.readWriteLock("control").writeLock().tryAcquire().orElseThrow().close();   // the setup is sound
      }
      try (Coordinator denied = Coordinator.builder().address(acl.address()).token(readOnly).keyPrefix(prefix)
          .sessionTtl(TestConsul.TTL).build()) {
        DistributedReadWriteLock rw = denied.readWriteLock("denied");
        for (DistributedLock side : List.of(rw.readLock(), rw.writeLock())) {
          assertThrows(ConsulAccessDeniedException.class, side::tryAcquire);
          assertThrows(ConsulAccessDeniedException.class, () -> side.acquire(Duration.ofSeconds(3)));
          Future<Lease> forever = async(side::acquire);
          ExecutionException e = assertThrows(ExecutionException.class, () -> forever.get(5, TimeUnit.SECONDS));
          assertTrue(e.getCause() instanceof ConsulAccessDeniedException, "got " + e.getCause());
        }
      }
    }
  }

  /** A token with a policy of {@code rules}, made with the master token (retried while ACLs start up). */
  private static String token(ConsulProcess acl, String rules) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String name = "rwlock-" + java.util.UUID.randomUUID();
    JsonObject policy = new JsonObject();
    policy.addProperty("Name", name);
    policy.addProperty("Rules", rules);
    String[] last = {""};
    Await.until(Duration.ofSeconds(15), () -> {
      HttpResponse<String> r = put(http, acl.address().resolve("/v1/acl/policy"), policy.toString());
      last[0] = r.statusCode() + " " + r.body();
      return r.statusCode() == 200;
    }, () -> "the ACL system did not accept the master token: " + last[0]);
    HttpResponse<String> r = put(http, acl.address().resolve("/v1/acl/token"),
        "{\"Description\":\"" + name + "\",\"Policies\":[{\"Name\":\"" + name + "\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject().get("SecretID").getAsString();
  }

  private static HttpResponse<String> put(HttpClient http, URI uri, String json) {
    try {
      return http.send(HttpRequest.newBuilder(uri).header("X-Consul-Token", ConsulProcess.ACL_MASTER_TOKEN)
          .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("PUT " + uri + " failed", e);
    }
  }

  @Test
  void badInputIsRejected(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      assertThrows(IllegalArgumentException.class, () -> a.readWriteLock(""));
      assertThrows(IllegalArgumentException.class, () -> a.readWriteLock("/abs"));
      assertThrows(IllegalArgumentException.class, () -> a.readWriteLock("a/../b"));
      assertThrows(IllegalArgumentException.class, () -> a.readWriteLock(null));
      DistributedReadWriteLock rw = a.readWriteLock("bad");
      assertEquals(a.keyPrefix() + "bad", rw.key());
      assertEquals(rw.key(), rw.readLock().key());
      assertThrows(IllegalArgumentException.class, () -> rw.readLock().acquire(Duration.ofSeconds(-1)));
      assertThrows(IllegalArgumentException.class, () -> rw.writeLock().acquire(null));
      assertEquals(List.of(), contenders(raw, rw));
    }
  }
}
