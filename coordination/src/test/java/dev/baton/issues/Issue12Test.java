package dev.baton.issues;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.BatonMetrics;
import dev.baton.ConfigWatch;
import dev.baton.Consistency;
import dev.baton.CoordinationException;
import dev.baton.Coordinator;
import dev.baton.KeyValue;
import dev.baton.KeyWatch;
import dev.baton.Lease;
import dev.baton.PrefixWatch;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvWrite;
import dev.baton.internal.consul.TransportSettings;
import dev.baton.testing.Await;
import dev.baton.testing.CallCounter;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.TcpConnections;
import dev.baton.testing.TestConsul;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12: one watch engine with a bounded number of connections, and the user-facing watches, against real
 * Consul agents.
 */
@ExtendWith(ConsulExtension.class)
class Issue12Test {
  private static final Duration FIRST_READ = Duration.ofSeconds(30);

  // ------------------------------------------------------------------------------------ the target

  /** Renewals and session losses, as the metrics SPI reports them. */
  private static final class SessionHealth implements BatonMetrics {
    final AtomicInteger renewed = new AtomicInteger();
    final List<String> problems = new CopyOnWriteArrayList<>();

    @Override
    public void sessionRenewal(RenewalOutcome outcome, Duration lag, Duration elapsed) {
      if (outcome == RenewalOutcome.RENEWED) renewed.incrementAndGet(); else problems.add("renewal " + outcome);
    }

    @Override
    public void sessionLost(LossReason reason, String detail) {
      problems.add("session lost: " + reason + " " + detail);
    }
  }

  /**
   * One Coordinator holds 1,000 locks and watches 1,000 keys for 60 s, against an agent that refuses more than
   * 24 connections from this host: every renewal succeeds, the connections stay within the bound (16, plus
   * the test's own one for its writes), every update reaches its listener within 1 s and an operator's DELETE
   * of a held key loses that lease within 2 s. Before the engine, one blocking query per held key exhausted
   * the agent's connections and the session was lost.
   */
  @Test
  void thousandHeldAndThousandWatchedStayWithinTheConnectionBound() throws Exception {
    int bound = 16;
    int keys = 1000;
    Duration run = Duration.ofSeconds(Long.getLong("baton.issue12.seconds", 60));
    SessionHealth health = new SessionHealth();
    try (ConsulProcess agent = ConsulProcess.startWithConnectionLimit(bound + 8);
         ConsulTransport admin = new ConsulTransport(TransportSettings.of(agent.address(), null));
         Coordinator c = Coordinator.builder().address(agent.address()).token(null).keyPrefix("t12/")
             .sessionTtl(TestConsul.TTL).lockDelay(Duration.ofSeconds(1)).maxConnections(bound)
             .metrics(health).build()) {
      AtomicInteger maxConnections = new AtomicInteger();
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          maxConnections.accumulateAndGet(TcpConnections.establishedTo(agent.httpPort()), Math::max);
          try {
            Thread.sleep(50);                         // sampling period, not synchronisation
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "connection-sampler");
      sampler.setDaemon(true);
      sampler.start();

      List<Lease> leases = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        leases.add(c.lock(String.format("held/k%04d", i)).tryAcquire()
            .orElseThrow(() -> new AssertionError("a free lock was refused")));
      }
      Map<String, CompletableFuture<Long>> expected = new ConcurrentHashMap<>();
      List<KeyWatch> watches = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        String name = String.format("watched/w%04d", i);
        watches.add(c.watchKey(name, kv -> kv.ifPresent(v -> {
          CompletableFuture<Long> f = expected.get(v.key() + "=" + v.valueAsString());
          if (f != null) f.complete(System.nanoTime());
        })));
      }
      for (KeyWatch w : watches) assertTrue(w.awaitFirstRead(FIRST_READ), "first read of " + w.key());

      Random random = new Random(12);
      List<Long> updateMillis = new ArrayList<>();
      List<Long> lossMillis = new ArrayList<>();
      List<Integer> deleted = new ArrayList<>();
      long end = System.nanoTime() + run.toNanos();
      int round = 0;
      while (System.nanoTime() - end < 0) {
        round++;
        String name = String.format("watched/w%04d", random.nextInt(keys));
        String value = "v" + round;
        CompletableFuture<Long> seen = new CompletableFuture<>();
        expected.put(name + "=" + value, seen);
        long written = System.nanoTime();
        admin.kvPut("t12/" + name, value.getBytes(StandardCharsets.UTF_8), KvWrite.plain());
        long at = seen.get(5, TimeUnit.SECONDS);
        updateMillis.add(Await.millis(written, at));

        if (round % 10 == 0) {                         // an operator deletes a held key
          int k;
          do {
            k = random.nextInt(keys);
          } while (deleted.contains(k));
          deleted.add(k);
          CountDownLatch lost = new CountDownLatch(1);
          leases.get(k).onLost(lost::countDown);
          long gone = System.nanoTime();
          admin.kvDelete(String.format("t12/held/k%04d", k));
          assertTrue(lost.await(5, TimeUnit.SECONDS), "lease " + k + " not lost after its key was deleted");
          lossMillis.add(Await.millis(gone, System.nanoTime()));
        }
        Thread.sleep(200);                             // pace of the workload, not synchronisation
      }
      sampler.interrupt();
      sampler.join();

      updateMillis.sort(null);
      lossMillis.sort(null);
      System.out.printf("issue 12 target: %d held, %d watched, %d s: %d updates (p50 %d ms, max %d ms), "
              + "%d deletions (p50 %d ms, max %d ms), connections max %d (bound %d + 1 for the test), %d renewals%n",
          keys, keys, run.toSeconds(), updateMillis.size(), updateMillis.get(updateMillis.size() / 2),
          updateMillis.get(updateMillis.size() - 1), lossMillis.size(), lossMillis.get(lossMillis.size() / 2),
          lossMillis.get(lossMillis.size() - 1), maxConnections.get(), bound, health.renewed.get());

      assertEquals(List.of(), health.problems, "renewals must all succeed");
      assertTrue(health.renewed.get() >= run.toSeconds() / (TestConsul.TTL.toSeconds() / 3) - 1,
          "renewals: " + health.renewed.get());
      assertTrue(updateMillis.get(updateMillis.size() - 1) <= 1000, "update latencies (ms): " + updateMillis);
      assertTrue(lossMillis.get(lossMillis.size() - 1) <= 2000, "loss latencies (ms): " + lossMillis);
      assertTrue(maxConnections.get() <= bound + 2, "connections: " + maxConnections.get());
      for (int i = 0; i < keys; i++) {
        assertEquals(!deleted.contains(i), leases.get(i).isHeld(), "lease " + i);
      }
      for (Lease l : leases) l.close();
    }
  }

  /**
   * With {@code maxConnections(8)} no connection is left for waiters' own blocking queries: every wait (lock,
   * fair lock, semaphore) goes through the engine's subscriptions. Two clients × two threads contend for
   * each; nobody overlaps, everybody gets through.
   */
  @Test
  void waitersBeyondTheirOwnConnectionsWaitThroughTheEngine(TestConsul consul) throws Exception {
    int rounds = 15;
    try (Coordinator a = consul.builder().maxConnections(8).build();
         Coordinator b = consul.builder().maxConnections(8).build()) {
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();
      Map<String, AtomicInteger> done = new ConcurrentHashMap<>();
      Map<String, Integer> limits = Map.of("plain", 1, "fair", 1, "permits", 2);
      for (String kind : limits.keySet()) {
        inside.put(kind, new AtomicInteger());
        done.put(kind, new AtomicInteger());
        for (Coordinator c : List.of(a, b)) {
          for (int t = 0; t < 2; t++) {
            Thread thread = new Thread(() -> {
              try {
                for (int i = 0; i < rounds; i++) {
                  try (Lease lease = switch (kind) {
                    case "plain" -> c.lock("engine-wait").acquire(Duration.ofSeconds(60));
                    case "fair" -> c.lock("engine-wait-fair", dev.baton.LockOptions.fair()).acquire(Duration.ofSeconds(60));
                    default -> c.semaphore("engine-wait-permits", 2).acquire(Duration.ofSeconds(60));
                  }) {
                    if (inside.get(kind).incrementAndGet() > limits.get(kind)) {
                      failures.add(new AssertionError(kind + ": more holders than permits"));
                    }
                    Thread.sleep(2);                   // a short critical section
                    inside.get(kind).decrementAndGet();
                    done.get(kind).incrementAndGet();
                  }
                }
              } catch (Throwable e) {
                failures.add(e);
              }
            }, kind + "-" + t);
            threads.add(thread);
            thread.start();
          }
        }
      }
      for (Thread t : threads) t.join(TimeUnit.MINUTES.toMillis(3));
      assertEquals(List.of(), failures);
      for (String kind : limits.keySet()) assertEquals(4 * rounds, done.get(kind).get(), kind);
    }
  }

  // --------------------------------------------------------------------------------- key and prefix

  @Test
  void keyWatchSeesItsKeyOnlyInOrderAndRelativeToThePrefix(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    BlockingQueue<Optional<KeyValue>> seen = new LinkedBlockingQueue<>();
    try (Coordinator c = consul.builder().build();
         KeyWatch w = c.watchKey("config/flags", seen::add)) {
      assertEquals(Optional.empty(), seen.poll(10, TimeUnit.SECONDS), "the first call: the key is absent");
      assertTrue(w.awaitFirstRead(FIRST_READ));
      admin.kvPut(consul.keyPrefix() + "config/flags-other", bytes("x"), KvWrite.plain());   // a neighbour
      admin.kvPut(consul.keyPrefix() + "config/flags", bytes("one"), KvWrite.plain());
      KeyValue one = seen.poll(10, TimeUnit.SECONDS).orElseThrow();
      assertEquals("config/flags", one.key());
      assertEquals("one", one.valueAsString());
      assertEquals(Optional.empty(), one.session());
      assertEquals(one, w.current().orElseThrow());
      admin.kvDelete(consul.keyPrefix() + "config/flags");
      assertEquals(Optional.empty(), seen.poll(10, TimeUnit.SECONDS), "deleted");
      admin.kvPut(consul.keyPrefix() + "config/flags", bytes("two"), KvWrite.plain());
      assertEquals("two", seen.poll(10, TimeUnit.SECONDS).orElseThrow().valueAsString());
      admin.kvPut(consul.keyPrefix() + "config/flags-other", bytes("y"), KvWrite.plain());
      admin.kvPut(consul.keyPrefix() + "config/flags", bytes("three"), KvWrite.plain());
      assertEquals("three", seen.poll(10, TimeUnit.SECONDS).orElseThrow().valueAsString(),
          "the neighbour's writes never called the listener");
      assertTrue(seen.isEmpty(), "nothing else: " + seen);
    }
  }

  @Test
  void aHeldKeyShowsItsSession(TestConsul consul) throws Exception {
    BlockingQueue<Optional<KeyValue>> seen = new LinkedBlockingQueue<>();
    try (Coordinator c = consul.builder().build();
         KeyWatch w = c.watchKey("jobs/report", seen::add)) {
      assertEquals(Optional.empty(), seen.poll(10, TimeUnit.SECONDS));
      try (Lease lease = c.lock("jobs/report").acquire(Duration.ofSeconds(10))) {
        KeyValue held = seen.poll(10, TimeUnit.SECONDS).orElseThrow();
        assertEquals(Optional.of(c.sessionId()), held.session());
      }
      Optional<KeyValue> released = seen.poll(10, TimeUnit.SECONDS);
      assertTrue(released != null && released.flatMap(KeyValue::session).isEmpty(), "released: " + released);
    }
  }

  @Test
  void prefixWatchSeesEveryKeyUnderThePrefix(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    String p = consul.keyPrefix();
    admin.kvPut(p + "config/billing/rate", bytes("10"), KvWrite.plain());
    admin.kvPut(p + "config/billingX", bytes("not under the folder"), KvWrite.plain());
    BlockingQueue<Map<String, KeyValue>> seen = new LinkedBlockingQueue<>();
    try (Coordinator c = consul.builder().build();
         PrefixWatch w = c.watchPrefix("config/billing/", Consistency.STALE, seen::add)) {
      assertEquals(List.of("config/billing/rate"), List.copyOf(seen.poll(10, TimeUnit.SECONDS).keySet()));
      admin.kvPut(p + "config/billing/currency", bytes("EUR"), KvWrite.plain());
      Map<String, KeyValue> two = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(List.of("config/billing/currency", "config/billing/rate"), List.copyOf(two.keySet()));
      assertEquals("EUR", two.get("config/billing/currency").valueAsString());
      admin.kvDelete(p + "config/billing/rate");
      assertEquals(List.of("config/billing/currency"), List.copyOf(seen.poll(10, TimeUnit.SECONDS).keySet()));
      assertEquals(List.of("config/billing/currency"), List.copyOf(w.current().keySet()));
    }
  }

  /**
   * Values written one after another, faster than a slow listener takes them: the listener sees them in
   * order, never one twice, and ends with the last; the ones it missed were coalesced while it was busy.
   */
  @Test
  void deliveryIsInOrderOnceEachAndCoalescesOnlyBehindASlowListener(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    String key = consul.keyPrefix() + "counter";
    admin.kvPut(key, bytes("0"), KvWrite.plain());
    List<Integer> fast = new CopyOnWriteArrayList<>();
    List<Integer> slow = new CopyOnWriteArrayList<>();
    CountDownLatch slowDone = new CountDownLatch(1);
    try (Coordinator c = consul.builder().build();
         KeyWatch f = c.watchKey("counter", kv -> fast.add(Integer.parseInt(kv.orElseThrow().valueAsString())));
         KeyWatch s = c.watchKey("counter", kv -> {
           int v = Integer.parseInt(kv.orElseThrow().valueAsString());
           slow.add(v);
           if (v == 50) slowDone.countDown();
           sleepQuietly(100);                          // a slow listener
         })) {
      assertTrue(f.awaitFirstRead(FIRST_READ) && s.awaitFirstRead(FIRST_READ));
      for (int i = 1; i <= 50; i++) {
        admin.kvPut(key, bytes(Integer.toString(i)), KvWrite.plain());
        if (i <= 10) {
          int expect = i;                               // paced: each of the first ten seen once, in turn
          Await.until(Duration.ofSeconds(10), () -> fast.contains(expect), () -> "fast saw " + fast);
        }
      }
      assertTrue(slowDone.await(20, TimeUnit.SECONDS), "the slow listener got the last value: " + slow);
      Await.until(Duration.ofSeconds(10), () -> fast.get(fast.size() - 1) == 50, () -> "fast: " + fast);
    }
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), fast.subList(0, 11), "paced values each once");
    assertStrictlyIncreasing(fast);
    assertStrictlyIncreasing(slow);
    assertTrue(slow.size() < 51, "the slow listener's backlog was coalesced: " + slow);
  }

  @Test
  void aListenerThatThrowsKeepsBeingCalled(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    try (Coordinator c = consul.builder().build();
         KeyWatch w = c.watchKey("k", kv -> {
           seen.add(kv.map(KeyValue::valueAsString).orElse("-"));
           throw new IllegalStateException("listener failure (expected by the test)");
         })) {
      assertEquals("-", seen.poll(10, TimeUnit.SECONDS));
      admin.kvPut(consul.keyPrefix() + "k", bytes("a"), KvWrite.plain());
      assertEquals("a", seen.poll(10, TimeUnit.SECONDS));
      admin.kvPut(consul.keyPrefix() + "k", bytes("b"), KvWrite.plain());
      assertEquals("b", seen.poll(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void closedWatchesAreNotCalledAndBadInputIsRefused(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    BlockingQueue<Optional<KeyValue>> seen = new LinkedBlockingQueue<>();
    try (Coordinator c = consul.builder().build()) {
      KeyWatch w = c.watchKey("k", seen::add);
      assertEquals(Optional.empty(), seen.poll(10, TimeUnit.SECONDS));
      w.close();
      admin.kvPut(consul.keyPrefix() + "k", bytes("a"), KvWrite.plain());
      try (KeyWatch other = c.watchKey("k", kv -> {})) {
        assertTrue(other.awaitFirstRead(FIRST_READ));      // a read after the write: the closed one stays quiet
      }
      assertTrue(seen.isEmpty(), "called after close: " + seen);
      assertThrows(IllegalArgumentException.class, () -> c.watchKey("/abs", kv -> {}));
      assertThrows(IllegalArgumentException.class, () -> c.watchKey("k", null));
      assertThrows(IllegalArgumentException.class, () -> c.watchKey("k", null, kv -> {}));
      assertThrows(IllegalArgumentException.class, () -> c.watchPrefix("a//b", m -> {}));
      assertThrows(IllegalArgumentException.class, () -> c.watchConfig("k", null));
    }
    assertThrows(IllegalArgumentException.class, () -> Coordinator.builder().maxConnections(7));
  }

  // ------------------------------------------------------------------------------------- config

  /** What a billing service reads from its configuration key. */
  record BillingConfig(int rateLimit, String currency) {}

  @Test
  void configDecodesKeepsTheLastGoodValueAndReportsErrors(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    String key = consul.keyPrefix() + "config/billing";
    BlockingQueue<BillingConfig> configs = new LinkedBlockingQueue<>();
    BlockingQueue<CoordinationException> errors = new LinkedBlockingQueue<>();
    try (Coordinator c = consul.builder().build();
         ConfigWatch<BillingConfig> w = c.watchConfig("config/billing", BillingConfig.class)) {
      w.addListener(configs::add);
      w.addErrorListener(errors::add);
      assertTrue(w.awaitFirstRead(FIRST_READ));
      IllegalStateException none = assertThrows(IllegalStateException.class, w::get);
      assertTrue(none.getMessage().contains("config/billing") && none.getMessage().contains("does not exist"),
          none.getMessage());
      assertTrue(errors.poll(10, TimeUnit.SECONDS).getMessage().contains("does not exist"));

      admin.kvPut(key, bytes("{\"rateLimit\": 100, \"currency\": \"EUR\"}"), KvWrite.plain());
      assertEquals(new BillingConfig(100, "EUR"), configs.poll(10, TimeUnit.SECONDS));
      assertEquals(new BillingConfig(100, "EUR"), w.get());

      admin.kvPut(key, bytes("{\"rateLimit\": \"lots\""), KvWrite.plain());       // broken JSON
      CoordinationException bad = errors.poll(10, TimeUnit.SECONDS);
      assertTrue(bad.getMessage().contains("config/billing") && bad.getCause() != null, bad.getMessage());
      assertEquals(new BillingConfig(100, "EUR"), w.get(), "the last good value stays");

      admin.kvPut(key, bytes("{\"rateLimit\": 250, \"currency\": \"EUR\"}"), KvWrite.plain());
      assertEquals(new BillingConfig(250, "EUR"), configs.poll(10, TimeUnit.SECONDS));
      assertEquals(new BillingConfig(250, "EUR"), w.get());

      BlockingQueue<BillingConfig> late = new LinkedBlockingQueue<>();
      w.addListener(late::add);
      assertEquals(new BillingConfig(250, "EUR"), late.poll(10, TimeUnit.SECONDS), "a new listener hears the current one");
      assertTrue(configs.isEmpty(), "no call for the broken value: " + configs);
    }
  }

  @Test
  void configGetBeforeTheFirstReadSaysSo(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator c = consul.builder().address(proxy.address()).build()) {
      FaultProxy.BlackHole hole = proxy.blackHole();
      try (ConfigWatch<BillingConfig> w = c.watchConfig("config/billing", BillingConfig.class)) {
        IllegalStateException e = assertThrows(IllegalStateException.class, w::get);
        assertTrue(e.getMessage().contains("has not been read yet"), e.getMessage());
        assertEquals(Optional.empty(), w.current());
        assertFalse(w.awaitFirstRead(Duration.ofMillis(200)));
      } finally {
        hole.lift();
      }
    }
  }

  // ------------------------------------------------------------------------------ outage and reset

  /**
   * Through an outage (all traffic black-holed) the last values stay; after it the watches catch up with
   * what changed, with a handful of reads (the engine's queries, resuming from their index), not one read per
   * watch.
   */
  @Test
  void anOutageKeepsTheLastValuesAndResumesWithoutAReadStorm(TestConsul consul) throws Exception {
    ConsulTransport admin = consul.transport();
    int n = 50;
    CallCounter calls = new CallCounter();
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator c = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1))
             .metrics(calls).build()) {
      List<KeyWatch> watches = new ArrayList<>();
      Map<String, BlockingQueue<String>> seen = new ConcurrentHashMap<>();
      for (int i = 0; i < n; i++) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        seen.put("w" + i, q);
        admin.kvPut(consul.keyPrefix() + "w" + i, bytes("before"), KvWrite.plain());
        watches.add(c.watchKey("w" + i, kv -> q.add(kv.orElseThrow().valueAsString())));
      }
      for (int i = 0; i < n; i++) assertEquals("before", seen.get("w" + i).poll(10, TimeUnit.SECONDS));

      FaultProxy.BlackHole hole = proxy.blackHole();
      Thread.sleep(3000);                              // the outage lasts (the engine's queries fail and back off)
      admin.kvPut(consul.keyPrefix() + "w7", bytes("during"), KvWrite.plain());
      assertEquals("before", watches.get(7).current().orElseThrow().valueAsString(), "the last value stays");
      long before = calls.all();
      hole.lift();
      assertEquals("during", seen.get("w7").poll(20, TimeUnit.SECONDS));
      long reads = calls.all() - before;
      System.out.println("reads after the outage until the change arrived: " + reads);
      assertTrue(reads <= 12, "a read storm after the outage: " + reads + " calls for " + n + " watches");
      for (int i = 0; i < n; i++) {
        if (i != 7) assertTrue(seen.get("w" + i).isEmpty(), "w" + i + " called without a change");
      }
      watches.forEach(KeyWatch::close);
    }
  }

  /**
   * A snapshot restore moves Consul's index backwards: a watch that kept waiting for its old index would
   * never wake again. The engine resets to the returned index and goes on seeing changes.
   */
  @Test
  void aSnapshotRestoreThatMovesTheIndexBackIsFollowed() throws Exception {
    try (ConsulProcess agent = ConsulProcess.start();
         ConsulTransport admin = new ConsulTransport(TransportSettings.of(agent.address(), null));
         Coordinator c = Coordinator.builder().address(agent.address()).token(null).keyPrefix("reset/").build()) {
      HttpClient http = HttpClient.newHttpClient();
      admin.kvPut("reset/config", bytes("v1"), KvWrite.plain());
      byte[] snapshot = http.send(HttpRequest.newBuilder(URI.create(agent.address() + "/v1/snapshot")).build(),
          HttpResponse.BodyHandlers.ofByteArray()).body();
      BlockingQueue<String> seen = new LinkedBlockingQueue<>();
      AtomicLong lastIndex = new AtomicLong();
      try (KeyWatch w = c.watchKey("config", kv -> {
        kv.ifPresent(v -> lastIndex.set(v.modifyIndex()));   // before the value is seen: the test reads both
        seen.add(kv.map(KeyValue::valueAsString).orElse("-"));
      })) {
        assertEquals("v1", seen.poll(10, TimeUnit.SECONDS));
        for (int i = 0; i < 200; i++) admin.kvPut("reset/filler", bytes("f" + i), KvWrite.plain());
        admin.kvPut("reset/config", bytes("v2"), KvWrite.plain());
        assertEquals("v2", seen.poll(10, TimeUnit.SECONDS));
        long high = lastIndex.get();
        HttpResponse<String> restored = http.send(HttpRequest.newBuilder(URI.create(agent.address() + "/v1/snapshot"))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(snapshot)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, restored.statusCode(), restored.body());
        assertEquals("v1", seen.poll(30, TimeUnit.SECONDS), "the restored value, at a lower index");
        assertTrue(lastIndex.get() < high, "the index went backwards: " + lastIndex.get() + " < " + high);
        admin.kvPut("reset/config", bytes("v3"), KvWrite.plain());
        assertEquals("v3", seen.poll(20, TimeUnit.SECONDS), "a write after the restore");
      }
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertStrictlyIncreasing(List<Integer> values) {
    for (int i = 1; i < values.size(); i++) {
      assertTrue(values.get(i) > values.get(i - 1), "out of order or twice: " + values);
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
