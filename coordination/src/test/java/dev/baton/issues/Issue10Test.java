package dev.baton.issues;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static dev.baton.testing.Unchecked.call;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulException;
import dev.baton.Coordinator;
import dev.baton.DistributedLock;
import dev.baton.DistributedSemaphore;
import dev.baton.LeaderElection;
import dev.baton.LeadershipListener;
import dev.baton.Lease;
import dev.baton.LockOptions;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.testing.Await;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Hold;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.TestConsul;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Issue 10: safety when single requests arrive late, twice or never. One test per defect of the issue, each
 * reproduced deterministically with a {@link FaultProxy} between a client and a real Consul agent (latches on
 * the proxy, no timing luck), asserting the invariant the issue requires. An operator's view of Consul (a raw
 * transport to the agent, bypassing the proxy) checks and changes keys from outside.
 *
 * <p>"Within a bounded time" is {@link #BOUND} here: shorter than the test sessions' TTL (10 s), so a fix
 * cannot pass by waiting for a session to expire.
 */
@ExtendWith(ConsulExtension.class)
class Issue10Test {
  /** How long a key, permit or election may stay blocked by a request that landed late. */
  private static final Duration BOUND = Duration.ofSeconds(5);
  /** Waiting for a step of the scenario itself (a request reaching the proxy, a thread ending). */
  private static final Duration STEP = Duration.ofSeconds(10);

  // ------------------------------------------------------------------------------------------ defect 1

  /**
   * Defect 1. TTL 30 s, lock-delay 5 s. The client is cut off from Consul (black hole) and an operator
   * destroys its session (as a failing node check would): Consul lets another client in after the
   * lock-delay, 5 s later, while the cut-off client believes its lease valid until its last renewal + 30 s.
   * Invariant: the local deadline is never later than the earliest moment another client can acquire after a
   * forced invalidation — or the builder refuses such a configuration.
   */
  @Test
  @DisplayName("defect 1: lock-delay shorter than the TTL — the local deadline outlives the lock-delay")
  void lockDelayShorterThanTheTtl(TestConsul consul) throws Exception {
    Duration ttl = Duration.ofSeconds(30);
    Duration lockDelay = Duration.ofSeconds(5);
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport()) {
      Coordinator.Builder cutOffBuilder = consul.builder().address(proxy.address()).sessionTtl(ttl)
          .lockDelay(lockDelay).requestTimeout(Duration.ofSeconds(1)).operationTimeout(Duration.ofSeconds(2));
      Coordinator cutOff;
      try {
        cutOff = cutOffBuilder.build();
      } catch (IllegalArgumentException refused) {
        // the other acceptable fix: refuse the configuration, saying why
        assertTrue(refused.getMessage().toLowerCase().contains("lock"), refused.getMessage());
        return;
      }
      try (cutOff; Coordinator other = consul.builder().sessionTtl(ttl).lockDelay(lockDelay).build()) {
        Lease held = cutOff.lock("deadline").acquire(STEP);
        String session = cutOff.sessionId();
        FaultProxy.BlackHole partition = proxy.blackHole();
        try {
          assertTrue(operator.sessionDestroy(session));      // forced invalidation: Consul frees the key now
          long destroyed = System.nanoTime();
          Lease second = other.lock("deadline").acquire(STEP);
          long acquiredAfter = Await.millis(destroyed, System.nanoTime());
          boolean stillHeld = held.isHeld();
          second.close();
          assertFalse(stillHeld, "two leases isHeld() at once: the cut-off client still reports isHeld() when "
              + "another client acquired " + acquiredAfter + " ms after its session was destroyed (lock-delay "
              + lockDelay.toMillis() + " ms, TTL " + ttl.toMillis() + " ms): its local deadline must not be "
              + "later than last renewal + min(TTL, lock-delay)");
        } finally {
          partition.lift();
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------ defect 2

  /**
   * Defect 2. A thread's release is held back by the network; the client gives up and its retry releases;
   * another thread of the same client acquires; then the first release lands. It must not free the second
   * hold. The held-key monitor's answers are delayed, so the test does not depend on how fast it would
   * notice: the invariant is "never two leases isHeld() at once", not "only for ~150 ms".
   */
  @Test
  @DisplayName("defect 2: a late release frees a later hold of the same client")
  void lateReleaseFreesALaterHoldOfTheSameClient(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1))
             .build();
         Coordinator third = consul.builder().build()) {
      DistributedLock lock = client.lock("late-release");
      String key = lock.key();
      String session = client.sessionId();
      proxy.when(Match.get().path("/v1/kv/" + key).query("index")).always().delayResponse(STEP);
      Hold lateRelease = proxy.when(releaseOf(key)).once().hold();

      Lease first = lock.acquire(STEP);
      try {
        first.close();                  // its release is held; the client times out and retries
      } catch (ConsulException e) {
        // a fix may report the release as not confirmed instead of retrying; the key stays with the session
      }
      assertTrue(lateRelease.awaitArrived(STEP), "the release never reached the proxy: " + proxy.exchanges());
      Lease second = CompletableFuture.supplyAsync(() -> call(() -> lock.acquire(STEP))).get(20, TimeUnit.SECONDS);
      try {
        lateRelease.release();
        assertTrue(lateRelease.awaitLanded(STEP), lateRelease.toString());
        String afterLanding = describe(operator.kvGet(key));
        Optional<Lease> other = third.lock("late-release").tryAcquire();
        boolean both = other.isPresent() && second.isHeld();
        other.ifPresent(Lease::close);
        assertFalse(both, "two leases isHeld() at once: the late release of the first hold ("
            + lateRelease.exchanges().get(0).target() + " -> " + lateRelease.exchanges().get(0).responseBody().strip()
            + ") freed the second hold of the same client (session " + session + "; key after it landed: "
            + afterLanding + "), and another client acquired while the second lease still reports isHeld()");
      } finally {
        second.close();
      }
    }
  }

  /** The release of {@code key}: today's {@code ?release=}, or a transaction unlocking it. */
  private static Match releaseOf(String key) {
    return Match.put().path("/v1/kv/" + key).query("release")
        .or(Match.put().path("/v1/txn").bodyContains("\"" + key + "\"").bodyContains("unlock"));
  }

  // ------------------------------------------------------------------------------------------ defect 3

  /**
   * Defect 3. The acquiring transaction is held back, the caller is interrupted, its clean-up goes first,
   * then the held-back lock lands and leaves the key held by the client's live session with no lease
   * anywhere. Required: after an acquire that returned exceptionally the key is free again within
   * {@link #BOUND}, whatever order the requests land in.
   */
  @Test
  @DisplayName("defect 3: an ambiguous acquire leaves a key held with no lease anywhere")
  void ambiguousAcquireLeavesTheKeyHeldWithNoLease(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1))
             .build();
         Coordinator other = consul.builder().build()) {
      DistributedLock lock = client.lock("ambiguous");
      String key = lock.key();
      client.sessionId();
      Hold lateLock = proxy.when(lockTxnOf(key)).once().hold();

      AtomicReference<Object> outcome = new AtomicReference<>();
      Thread acquirer = new Thread(() -> {
        try {
          Lease l = lock.acquire(STEP);
          outcome.set(l);
        } catch (Exception e) {
          outcome.set(e);
        }
      }, "ambiguous-acquirer");
      acquirer.start();
      assertTrue(lateLock.awaitArrived(STEP), "the lock transaction never reached the proxy: " + proxy.exchanges());
      acquirer.interrupt();
      acquirer.join(STEP.toMillis());
      assertFalse(acquirer.isAlive(), "the interrupted acquire did not return");
      if (outcome.get() instanceof Lease l) {
        l.close();
        fail("the interrupted acquire returned a lease although its lock request never reached Consul");
      }
      lateLock.release();                  // the held-back lock lands after the clean-up
      assertTrue(lateLock.awaitLanded(STEP), lateLock.toString());
      String afterLanding = describe(operator.kvGet(key));
      try (Lease l = other.lock("ambiguous").acquire(BOUND)) {
        assertTrue(l.isHeld());
      } catch (TimeoutException e) {
        fail("key not free again within " + BOUND.toMillis() + " ms after an acquire that failed with "
            + outcome.get() + ": the held-back lock landed after the clean-up and the key stays held by the live "
            + "session with no lease anywhere (after landing: " + afterLanding + ", now: "
            + describe(operator.kvGet(key)) + ")");
      }
    }
  }

  /** The acquiring transaction of {@code key} (KV verb {@code lock}, not {@code unlock}). */
  private static Match lockTxnOf(String key) {
    return Match.put().path("/v1/txn").bodyContains("\"" + key + "\"").bodyContains("\"lock\"");
  }

  // ------------------------------------------------------------------------------------------ defect 4

  /**
   * Defect 4. ACLs on, default deny; a token that may read the prefix (and write sessions) but not write
   * keys. Consul answers the denied lock transaction with 409 {@code Permission denied}: that is an ACL error,
   * not contention. Required: {@link ConsulAccessDeniedException} from acquire(), acquire(Duration) and
   * tryAcquire() of locks (default and fair), semaphores and elections (awaitLeadership) within a few
   * seconds. The same calls with a token that may write succeed, so the setup itself is sound.
   */
  @Test
  @DisplayName("defect 4: ACL denial treated as contention")
  void aclDenialTreatedAsContention() throws Exception {
    String prefix = "issue10/acl-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    Duration fewSeconds = Duration.ofSeconds(5);
    try (ConsulProcess acl = ConsulProcess.startWithAcls(); FaultProxy proxy = FaultProxy.start(acl.address())) {
      String readOnly = createToken(acl, "key_prefix \"" + prefix + "\" { policy = \"read\" } "
          + "session_prefix \"\" { policy = \"write\" }");
      String writer = createToken(acl, "key_prefix \"" + prefix + "\" { policy = \"write\" } "
          + "session_prefix \"\" { policy = \"write\" }");
      try (Coordinator allowed = Coordinator.builder().address(acl.address()).token(writer).keyPrefix(prefix)
          .sessionTtl(Duration.ofSeconds(10)).lockDelay(Duration.ofSeconds(1)).build()) {
        allowed.lock("control").tryAcquire().orElseThrow().close();              // the setup is sound
        allowed.semaphore("control-permits", 2).tryAcquire().orElseThrow().close();
      }
      try (Coordinator denied = Coordinator.builder().address(proxy.address()).token(readOnly).keyPrefix(prefix)
          .sessionTtl(Duration.ofSeconds(10)).lockDelay(Duration.ofSeconds(1)).build()) {
        denied.sessionId();                                                       // may create a session
        // a key per check: threads of one Coordinator queue at a local gate, and a tryAcquire() that finds
        // another thread at the gate answers empty without asking Consul
        LeaderElection election = denied.election("denied-election", "candidate");
        Duration three = Duration.ofSeconds(3);
        // all at once, each in its own thread, so the whole check takes a few seconds
        List<Check> checks = List.of(
            new Check("lock.tryAcquire()", () -> denied.lock("denied-1").tryAcquire()),
            new Check("lock.acquire(3 s)", () -> denied.lock("denied-2").acquire(three)),
            new Check("lock.acquire()", () -> denied.lock("denied-3").acquire()),
            new Check("fair lock.tryAcquire()", () -> denied.lock("denied-fair-1", LockOptions.fair()).tryAcquire()),
            new Check("fair lock.acquire(3 s)", () -> denied.lock("denied-fair-2", LockOptions.fair()).acquire(three)),
            new Check("fair lock.acquire()", () -> denied.lock("denied-fair-3", LockOptions.fair()).acquire()),
            new Check("semaphore.tryAcquire()", () -> denied.semaphore("denied-permits-1", 2).tryAcquire()),
            new Check("semaphore.acquire(3 s)", () -> denied.semaphore("denied-permits-2", 2).acquire(three)),
            new Check("semaphore.acquire()", () -> denied.semaphore("denied-permits-3", 2).acquire()),
            new Check("election.awaitLeadership(3 s)", () -> {
              election.start();
              return election.awaitLeadership(three);
            }));
        checks.forEach(Check::start);
        long deadline = System.nanoTime() + fewSeconds.toNanos();
        for (Check c : checks) c.await(deadline);
        election.close();
        long denials = proxy.exchanges(Match.put().path("/v1/txn")).stream()
            .filter(e -> e.status() == 409 && e.responseBody().contains("Permission denied")).count();
        assertAll("with a token that may read but not write, every acquisition must fail with "
            + "ConsulAccessDeniedException within " + fewSeconds.toMillis() + " ms (Consul answered "
            + denials + " lock transactions with 409 Permission denied meanwhile)",
            checks.stream().map(c -> (Executable) c::verify));
      }
    }
  }

  /** One acquisition attempt in its own thread: expected to end with ConsulAccessDeniedException. */
  private static final class Check {
    final String what;
    final Callable<?> call;
    final CompletableFuture<Object> result = new CompletableFuture<>();
    Thread thread;
    String verdict;

    Check(String what, Callable<?> call) {
      this.what = what;
      this.call = call;
    }

    void start() {
      thread = new Thread(() -> {
        try {
          result.complete(call.call());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      }, "acl-check " + what);
      thread.setDaemon(true);
      thread.start();
    }

    void await(long deadline) throws InterruptedException {
      try {
        Object r = result.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r instanceof Lease l) l.close();
        if (r instanceof Optional<?> o) o.ifPresent(x -> ((Lease) x).close());
        verdict = what + " returned " + r + " instead of throwing ConsulAccessDeniedException";
      } catch (ExecutionException e) {
        Throwable t = e.getCause();
        verdict = t instanceof ConsulAccessDeniedException ? null
            : what + " threw " + t + " instead of ConsulAccessDeniedException";
      } catch (TimeoutException e) {
        thread.interrupt();
        verdict = what + " still waiting (denial treated as contention)";
      }
    }

    void verify() {
      if (verdict != null) fail(verdict);
    }
  }

  /** A token with a policy of {@code rules}, made with the master token (retried while ACLs start up). */
  private static String createToken(ConsulProcess acl, String rules) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Gson gson = new Gson();
    String name = "issue10-" + UUID.randomUUID();
    JsonObject policy = new JsonObject();
    policy.addProperty("Name", name);
    policy.addProperty("Rules", rules);
    String[] last = {""};
    Await.until(Duration.ofSeconds(15), () -> {
      HttpResponse<String> r = put(http, acl.address().resolve("/v1/acl/policy"), gson.toJson(policy));
      last[0] = r.statusCode() + " " + r.body();
      return r.statusCode() == 200;
    }, () -> "the ACL system did not accept the master token: " + last[0]);
    String token = "{\"Description\":\"" + name + "\",\"Policies\":[{\"Name\":\"" + name + "\"}]}";
    HttpResponse<String> r = put(http, acl.address().resolve("/v1/acl/token"), token);
    assertEquals(200, r.statusCode(), r.body());
    return gson.fromJson(r.body(), JsonObject.class).get("SecretID").getAsString();
  }

  private static HttpResponse<String> put(HttpClient http, URI uri, String json) {
    return call(() -> http.send(HttpRequest.newBuilder(uri).header("X-Consul-Token",
        ConsulProcess.ACL_MASTER_TOKEN).PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  // ------------------------------------------------------------------------------------------ defect 5

  /**
   * Defect 5. A listener added to a leading election hears onElected on the adding thread, outside the
   * election's order; the election revokes meanwhile, from its own thread. The listener's onElected takes a
   * while (it starts work before it marks itself leading), so the revocation overtakes it. Required: every
   * listener hears strictly alternating callbacks, from the election's thread only, never two at once, and
   * its last callback matches reality. (No network fault is involved: the race is inside the client.)
   */
  @Test
  @DisplayName("defect 5: election listener out of order")
  void electionListenerOutOfOrder(TestConsul consul) throws Exception {
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         LeaderElection leading = a.election("listeners", "one");
         LeaderElection waiting = b.election("listeners", "two")) {
      Listener reference = new Listener(null, null, null);
      leading.addListener(reference);
      leading.start();
      assertTrue(leading.awaitLeadership(STEP));
      Thread electionThread = reference.firstThread();
      waiting.start();
      String queue = leading.key() + "/.queue/";
      try (ConsulTransport operator = consul.transport()) {
        Await.until(STEP, () -> !call(() -> operator.kvList(queue)).isEmpty(),
            () -> "the second candidate never queued");
      }

      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch revoked = new CountDownLatch(1);
      Listener late = new Listener(electionThread, entered, revoked);
      FutureTask<Void> adding = new FutureTask<>(() -> leading.addListener(late), null);
      new Thread(adding, "test-adds-listener").start();
      assertTrue(entered.await(STEP.toSeconds(), TimeUnit.SECONDS), "the late listener never heard onElected");
      leading.resign();
      assertTrue(waiting.awaitLeadership(STEP), "the other candidate was not elected after the resign");
      adding.get(STEP.toSeconds(), TimeUnit.SECONDS);
      Await.until(STEP, () -> reference.events().size() >= 2, () -> "the leader never heard onRevoked");
      late.awaitQuiet();

      List<String> events = late.events();
      boolean believesLeading = late.leading;
      assertAll("listener added to a leading election, which then resigned: " + events,
          () -> assertEquals(List.of(), late.foreignThreads(),
              "callbacks must come from the election's thread (" + electionThread.getName() + ") only"),
          () -> assertEquals(1, late.maxConcurrent.get(), "two callbacks ran at once"),
          () -> assertTrue(alternates(events), "callbacks must strictly alternate, starting with onElected"),
          () -> assertEquals(leading.isLeader(), believesLeading, "the listener believes it leads ("
              + believesLeading + ") while the election says isLeader() == " + leading.isLeader()
              + " and the other candidate leads"));
    }
  }

  private static boolean alternates(List<String> events) {
    for (int i = 0; i < events.size(); i++) {
      if (!events.get(i).startsWith(i % 2 == 0 ? "onElected" : "onRevoked")) return false;
    }
    return true;
  }

  /**
   * Records callbacks with their threads. A callback arriving on another thread than the election's takes
   * a while before it marks itself leading (it waits, bounded, for a revocation to overtake it); on the
   * election's thread it returns at once.
   */
  private static final class Listener implements LeadershipListener {
    private final Thread electionThread;
    private final CountDownLatch entered;
    private final CountDownLatch revoked;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    volatile boolean leading;

    Listener(Thread electionThread, CountDownLatch entered, CountDownLatch revoked) {
      this.electionThread = electionThread;
      this.entered = entered;
      this.revoked = revoked;
    }

    @Override
    public void onElected(long fencingToken) {
      enter("onElected(" + fencingToken + ")");
      try {
        if (entered != null) entered.countDown();
        if (electionThread != null && Thread.currentThread() != electionThread) {
          try {
            revoked.await(5, TimeUnit.SECONDS);                  // starting work takes a while
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        leading = true;
      } finally {
        inside.decrementAndGet();
      }
    }

    @Override
    public void onRevoked() {
      enter("onRevoked");
      try {
        leading = false;
        if (revoked != null) revoked.countDown();
      } finally {
        inside.decrementAndGet();
      }
    }

    private void enter(String event) {
      int now = inside.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      events.add(event + " on " + Thread.currentThread().getName());
      threads.add(Thread.currentThread());
    }

    List<String> events() {
      return List.copyOf(events);
    }

    Thread firstThread() {
      Await.until(STEP, () -> !threads.isEmpty(), () -> "no onElected heard");
      return threads.get(0);
    }

    List<String> foreignThreads() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < threads.size(); i++) {
        if (threads.get(i) != electionThread) out.add(events.get(i));
      }
      return out;
    }

    void awaitQuiet() {
      Await.until(STEP, () -> inside.get() == 0, () -> "a callback is still running");
    }
  }

  // ------------------------------------------------------------------------------------------ defect 6

  /**
   * Defect 6. The acquiring request hangs (held by the proxy); the acquiring thread is interrupted. Required:
   * it returns within 100 ms with InterruptedException, nothing held.
   */
  @Test
  @DisplayName("defect 6: interrupts wait for the socket")
  void interruptsWaitForTheSocket(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).build()) {
      DistributedLock lock = client.lock("interrupted");
      String key = lock.key();
      client.sessionId();
      Hold stuck = proxy.when(lockTxnOf(key)).once().hold();
      AtomicReference<Object> outcome = new AtomicReference<>();
      AtomicReference<Long> returnedAt = new AtomicReference<>();
      CountDownLatch returned = new CountDownLatch(1);
      Thread acquirer = new Thread(() -> {
        try {
          outcome.set(lock.acquire(STEP));
        } catch (Exception e) {
          outcome.set(e);
        } finally {
          returnedAt.set(System.nanoTime());
          returned.countDown();
        }
      }, "interrupted-acquirer");
      acquirer.start();
      assertTrue(stuck.awaitArrived(STEP), "the lock transaction never reached the proxy");
      long interruptedAt = System.nanoTime();
      acquirer.interrupt();
      assertTrue(returned.await(STEP.toSeconds(), TimeUnit.SECONDS), "the interrupted acquire did not return");
      stuck.discard();                                            // the request is lost: it never lands
      long ms = Await.millis(interruptedAt, returnedAt.get());
      if (outcome.get() instanceof Lease l) l.close();
      assertTrue(outcome.get() instanceof InterruptedException, "an interrupted acquire must throw "
          + "InterruptedException, got " + outcome.get());
      assertTrue(ms <= 100, "the interrupted acquire returned after " + ms + " ms (required: within 100 ms)");
      assertFalse(operator.kvGet(key).map(KvEntry::isHeld).orElse(false), "nothing held after an interrupted "
          + "acquire: " + describe(operator.kvGet(key)));
    }
  }

  // ------------------------------------------------------------------------------------------ defect 7

  /**
   * Defect 7. Three clients hold the three permits; an operator deletes the holder record {@code .lock}; three
   * newcomers try. The old holders' watches answer late (the proxy delays them), so nothing but the
   * admission rule can keep the count right. Required: never more than 3 leases of the 3-permit semaphore
   * report isHeld() at once.
   */
  @Test
  @DisplayName("defect 7: semaphore record deleted gives twice the permits")
  void semaphoreRecordDeletedGivesTwiceThePermits(TestConsul consul) throws Exception {
    int permits = 3;
    List<Coordinator> clients = new ArrayList<>();
    List<Lease> old = new ArrayList<>();
    List<Lease> newcomers = new ArrayList<>();
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport()) {
      try {
        String prefix = null;
        for (int i = 0; i < permits; i++) {
          Coordinator c = consul.builder().address(proxy.address()).build();
          clients.add(c);
          DistributedSemaphore s = c.semaphore("pool", permits);
          prefix = s.prefix();
          old.add(s.acquire(STEP));
        }
        proxy.when(Match.get().pathPrefix("/v1/kv/" + prefix).query("index")).always().delayResponse(STEP);
        assertTrue(operator.kvDelete(prefix + ".lock"), "the operator deletes the holder record");
        int most = 0;
        String when = "";
        for (int i = 0; i < permits; i++) {
          Coordinator c = consul.builder().build();
          clients.add(c);
          c.semaphore("pool", permits).tryAcquire().ifPresent(newcomers::add);
          int held = countHeld(old) + countHeld(newcomers);
          if (held > most) {
            most = held;
            when = "after newcomer " + (i + 1) + ": " + countHeld(old) + " old + " + countHeld(newcomers) + " new";
          }
        }
        String finalPrefix = prefix;
        long liveContenders = operator.kvList(prefix).stream()
            .filter(e -> !e.key().equals(finalPrefix + ".lock") && e.isHeld()).count();
        assertTrue(most <= permits, most + " leases of a " + permits + "-permit semaphore isHeld() at once ("
            + when + "; Consul shows " + liveContenders + " contender keys held by live sessions) after the holder "
            + "record was deleted");
      } finally {
        newcomers.forEach(Issue10Test::closeQuietly);
        old.forEach(Issue10Test::closeQuietly);
        clients.forEach(Coordinator::close);
      }
    }
  }

  private static int countHeld(List<Lease> leases) {
    return (int) leases.stream().filter(Lease::isHeld).count();
  }

  // ------------------------------------------------------------------------------------------ defect 8

  /**
   * Defect 8. With one permit: the contender PUT is held back; the client gives up and retries; the permit is
   * granted and released; then the first PUT lands and re-creates the contender key with the client's live
   * session. Required: a permit that no lease holds is available again, to another client, within
   * {@link #BOUND}.
   */
  @Test
  @DisplayName("defect 8: a late contender PUT leaks a semaphore permit for the life of the process")
  void lateContenderPutLeaksASemaphorePermit(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1))
             .build();
         Coordinator other = consul.builder().build()) {
      DistributedSemaphore semaphore = client.semaphore("single", 1);
      String prefix = semaphore.prefix();
      client.sessionId();
      Hold lateJoin = proxy.when(Match.put().pathPrefix("/v1/kv/" + prefix).query("acquire")).once().hold();
      String firstOutcome;
      try (Lease permit = semaphore.acquire(STEP)) {
        firstOutcome = "granted (token " + permit.fencingToken() + ") and released";
      } catch (ConsulException | TimeoutException e) {
        firstOutcome = "failed: " + e;            // a fix may refuse to repeat the write blindly
      }
      assertTrue(lateJoin.awaitArrived(STEP), "the contender PUT never reached the proxy: " + proxy.exchanges());
      lateJoin.release();                           // the first attempt lands after the permit was released
      assertTrue(lateJoin.awaitLanded(STEP), lateJoin.toString());
      String afterLanding = describeAll(operator.kvList(prefix));
      try (Lease l = other.semaphore("single", 1).acquire(BOUND)) {
        assertTrue(l.isHeld());
      } catch (TimeoutException e) {
        fail("permit leaked: no lease holds the only permit, yet another client could not acquire it within "
            + BOUND.toMillis() + " ms; the first acquisition " + firstOutcome + ", then its held-back contender "
            + "PUT (" + lateJoin.exchanges().get(0).target() + ") landed and re-created the key with the "
            + "client's live session: " + afterLanding);
      }
    }
  }

  // ------------------------------------------------------------------------------------------ defect 9

  /**
   * Defect 9. An election's queue join (a lock transaction on {@code <key>/.queue/<session>-<n>}) is held back; the client
   * gives up and retries, is elected and leaves; then the first join lands and re-creates the queue entry with
   * the still-running client's session. Required: a later candidate is elected within {@link #BOUND}.
   */
  @Test
  @DisplayName("defect 9: a late fair-queue join leaves an orphan that blocks every later candidate")
  void lateFairQueueJoinLeavesAnOrphanThatBlocksLaterCandidates(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1))
             .build();
         Coordinator later = consul.builder().build()) {
      LeaderElection first = client.election("orphan", "first");
      String queue = first.key() + "/.queue/";
      client.sessionId();
      Hold lateJoin = proxy.when(lockTxn(queue)).once().hold();
      first.start();
      assertTrue(lateJoin.awaitArrived(STEP), "the queue join never reached the proxy: " + proxy.exchanges());
      assertTrue(first.awaitLeadership(STEP), "the first candidate was not elected after retrying its join");
      first.close();                                 // leaves: revoked, released, queue entry deleted
      lateJoin.release();                            // now the first join lands
      assertTrue(lateJoin.awaitLanded(STEP), lateJoin.toString());
      String afterLanding = describeAll(operator.kvList(queue));
      try (LeaderElection next = later.election("orphan", "next")) {
        next.start();
        assertTrue(next.awaitLeadership(BOUND), "no leader within " + BOUND.toMillis() + " ms: the late queue "
            + "join landed after the first candidate left and its orphan, held by the still-running client's "
            + "session, blocks every later candidate; queue after it landed: " + afterLanding + ", now: "
            + describeAll(operator.kvList(queue)));
      }
    }
  }

  /**
   * Defect 9, its other half. Behind a waiting candidate, a fair waiter gives up (timeout) and its leave, the
   * DELETE of its queue entry, is held back until the client gave up on it too; the client queues again; then
   * the held DELETE lands. Required: a late DELETE removes nothing but the entry it was meant for, so the
   * client's later wait goes on and it gets the lock after the candidate ahead of it.
   */
  @Test
  @DisplayName("defect 9: a late queue DELETE never removes a later entry of the same client")
  void lateFairQueueLeaveNeverRemovesALaterEntry(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).requestTimeout(Duration.ofSeconds(1))
             .build();
         Coordinator holder = consul.builder().build(); Coordinator other = consul.builder().build()) {
      Lease held = holder.lock("late-leave", LockOptions.fair()).acquire(STEP);
      DistributedLock fair = client.lock("late-leave", LockOptions.fair());
      String queue = fair.key() + "/.queue/";
      FutureTask<Lease> ahead = new FutureTask<>(() -> other.lock("late-leave", LockOptions.fair()).acquire(STEP));
      new Thread(ahead, "test-waits-ahead").start();
      Await.until(STEP, () -> !call(() -> operator.kvList(queue)).isEmpty(), () -> "the other client never queued");
      Match joins = lockTxn(queue);
      Hold lateLeave = proxy.when(Match.delete().pathPrefix("/v1/kv/" + queue)).once().hold();
      try {
        fair.acquire(Duration.ofMillis(300)).close();
        fail("acquired a fair lock that another client holds");
      } catch (TimeoutException expected) {
        // gave up waiting; its leave is held back
      }
      assertTrue(lateLeave.awaitArrived(STEP), "the leave never reached the proxy: " + proxy.exchanges());
      FutureTask<Lease> again = new FutureTask<>(() -> fair.acquire(STEP.multipliedBy(2)));
      new Thread(again, "test-queues-again").start();
      Await.until(STEP, () -> proxy.exchanges(joins).stream().filter(e -> e.status() == 200).count() >= 2,
          () -> "the client never queued again: " + proxy.exchanges());
      lateLeave.release();                             // now the first leave lands
      assertTrue(lateLeave.awaitLanded(STEP), lateLeave.toString());
      String afterLanding = describeAll(operator.kvList(queue));
      held.close();
      ahead.get(STEP.toSeconds(), TimeUnit.SECONDS).close();
      Lease lease;
      try {
        lease = again.get(STEP.toSeconds(), TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new AssertionError("the client's second wait failed after its first leave ("
            + lateLeave.exchanges().get(0).target() + ") landed late; queue after it landed: " + afterLanding,
            e.getCause());
      }
      try {
        assertTrue(lease.isHeld(), "the client's second wait ended without the lock");
      } finally {
        lease.close();
      }
    }
  }

  // --------------------------------------------------------------- found by the network nemesis

  /**
   * Found by the election's nemesis run: a copy of a <em>successful</em> lock transaction (a retransmission,
   * a retry) lands after that hold was released, while the client still runs. It must change nothing: before
   * the fix it took the key again for the client's live session with no lease anywhere, and the fair queue
   * behind it (the next candidate waiting for the key, the client's own candidate waiting behind that one)
   * stood still for as long as the session lived. Required: another candidate is elected within
   * {@link #BOUND}.
   */
  @Test
  @DisplayName("a late copy of an election's successful lock transaction does not take the key again")
  void lateCopyOfASuccessfulElectionLockChangesNothing(TestConsul consul) throws Exception {
    lateCopyAfterAnElection(consul, "late-copy", e -> lockTxnOn(e.key()));
  }

  /**
   * The same for the fair queue: a copy of a successful queue join lands after the entry was deleted (the
   * candidate was elected and left) and re-creates it, held by the still-running client's session (a deleted
   * key is absent again, so no check on the key's state can refuse it). Nobody waits for that entry: it must
   * not stand before later candidates for longer than a bounded time, and it is removed.
   */
  @Test
  @DisplayName("a late copy of a successful queue join does not block later candidates")
  void lateCopyOfASuccessfulQueueJoinDoesNotBlock(TestConsul consul) throws Exception {
    lateCopyAfterAnElection(consul, "late-join-copy", e -> lockTxn(e.key() + "/.queue/"));
  }

  /**
   * The scenario of the two tests above: a client's candidate is elected while a copy of one of its writes
   * ({@code copied}) is held back, it leaves the election (the client keeps running), the copy lands, and
   * another client's candidate must be elected within {@link #BOUND}, and nothing of the first client stays
   * held (its key, its queue entries).
   */
  private void lateCopyAfterAnElection(TestConsul consul, String name, Function<LeaderElection, Match> copied)
      throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).build();
         Coordinator later = consul.builder().build()) {
      LeaderElection first = client.election(name, "first");
      Hold copy = proxy.when(copied.apply(first)).once().duplicateHeld();
      first.start();
      assertTrue(first.awaitLeadership(STEP), "the first candidate was not elected");
      assertTrue(copy.awaitArrived(STEP), "the write to copy never reached the proxy: " + proxy.exchanges());
      first.close();                                 // revoked, released, left the queue; the client keeps running
      Await.until(STEP, () -> call(() -> operator.kvList(first.key())).stream()
          .noneMatch(e -> client.sessionId().equals(e.session())), () -> "the first candidate never left");
      copy.release();                                // now the copy of the successful write lands
      assertTrue(copy.awaitLanded(STEP), copy.toString());
      String afterLanding = describeAll(operator.kvList(first.key()));
      try (LeaderElection next = later.election(name, "next")) {
        next.start();
        assertTrue(next.awaitLeadership(BOUND), "no leader within " + BOUND.toMillis() + " ms after a late copy "
            + "of the first candidate's write landed; keys after it landed: " + afterLanding + ", now: "
            + describeAll(operator.kvList(first.key())));
        assertTrue(operator.kvList(first.key()).stream().noneMatch(e -> client.sessionId().equals(e.session())),
            "a write of the first client that nobody waits for is still held: "
            + describeAll(operator.kvList(first.key())));
      }
    }
  }

  /**
   * A lock attempt refused by a lock-delay is tied to a free key that nothing changes until the delay ends: a
   * copy of it that lands after the delay still takes the key, for the client's live session. When the
   * acquisition has given up meanwhile (timed out), nothing may stay held: such attempts are watched and the
   * landed copy is released. Required: another client acquires within {@link #BOUND} after the copy landed.
   */
  @Test
  @DisplayName("a late copy of an attempt refused by a lock-delay does not leave the key held")
  void lateCopyOfAnAttemptRefusedByALockDelayIsReleased(TestConsul consul) throws Exception {
    Duration lockDelay = Duration.ofSeconds(2);
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator holder = consul.builder().lockDelay(lockDelay).build();
         Coordinator client = consul.builder().address(proxy.address()).build();
         Coordinator other = consul.builder().build()) {
      DistributedLock lock = holder.lock("refused-copy");
      lock.acquire(STEP);
      Hold copy = proxy.when(lockTxnOn(lock.key())).once().duplicateHeld();
      assertTrue(operator.sessionDestroy(holder.sessionId()));     // forced invalidation: the lock-delay begins
      long delayEnds = System.nanoTime() + lockDelay.toNanos();
      assertThrows(TimeoutException.class, () -> client.lock("refused-copy").acquire(Duration.ofMillis(300)));
      assertTrue(copy.awaitArrived(STEP), "no attempt reached the proxy: " + proxy.exchanges());
      assertTrue(copy.exchanges().get(0).responseBody().contains("lock delay"), copy.exchanges().toString());
      // the lock-delay has no event to wait for: the copy is let go once it is over
      Await.until(STEP, () -> System.nanoTime() - delayEnds > 200_000_000L, () -> "time stood still");
      copy.release();
      assertTrue(copy.awaitLanded(STEP), copy.toString());
      FaultProxy.Exchange landed = proxy.exchanges().stream().filter(FaultProxy.Exchange::isCopy).findFirst()
          .orElseThrow(() -> new AssertionError("no copy in " + proxy.exchanges()));
      assertEquals(200, landed.status(), "the copy should have taken the free key: " + landed.responseBody());
      String afterLanding = describe(operator.kvGet(lock.key()));
      try (Lease lease = other.lock("refused-copy").acquire(BOUND)) {
        assertTrue(lease.isHeld());
      } catch (TimeoutException e) {
        throw new AssertionError("the key stayed held after a late copy of a refused attempt landed: "
            + afterLanding + ", now " + describe(operator.kvGet(lock.key())), e);
      }
    }
  }

  /** The same for a default-mode lock: a late copy of its lock transaction leaves the released key free. */
  @Test
  @DisplayName("a late copy of a lock's successful lock transaction does not take the key again")
  void lateCopyOfASuccessfulLockChangesNothing(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); ConsulTransport operator = consul.transport();
         Coordinator client = consul.builder().address(proxy.address()).build();
         Coordinator other = consul.builder().build()) {
      DistributedLock lock = client.lock("late-copy-lock");
      Hold copy = proxy.when(lockTxnOn(lock.key())).once().duplicateHeld();
      lock.acquire(STEP).close();
      assertTrue(copy.awaitArrived(STEP), "the lock never reached the proxy: " + proxy.exchanges());
      copy.release();
      assertTrue(copy.awaitLanded(STEP), copy.toString());
      assertFalse(call(() -> operator.kvGet(lock.key())).orElseThrow().isHeld(),
          "the late copy took the released key again: " + describe(operator.kvGet(lock.key())));
      other.lock("late-copy-lock").acquire(BOUND).close();
    }
  }

  /** Lock transactions on keys under {@code prefix} (a queue's entries). */
  private static Match lockTxn(String prefix) {
    return Match.put().path("/v1/txn").bodyContains("\"lock\"").bodyContains("\"Key\":\"" + prefix);
  }

  /** Lock transactions on exactly {@code key}. */
  private static Match lockTxnOn(String key) {
    return Match.put().path("/v1/txn").bodyContains("\"lock\"").bodyContains("\"Key\":\"" + key + "\"");
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static String describe(Optional<KvEntry> entry) {
    return entry.map(e -> e.key() + (e.isHeld() ? " held by session " + e.session() : " free") + " (index "
        + e.modifyIndex() + ")").orElse("absent");
  }

  private static String describeAll(List<KvEntry> entries) {
    return entries.stream().map(e -> describe(Optional.of(e))).collect(Collectors.joining("; ", "[", "]"));
  }

  private static void closeQuietly(Lease lease) {
    try {
      lease.close();
    } catch (RuntimeException e) {
      // best effort in clean-up
    }
  }

}
