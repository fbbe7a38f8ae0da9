package dev.baton;

import static dev.baton.testing.Unchecked.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.KvWrite;
import dev.baton.testing.Await;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.FaultProxy.Match;
import dev.baton.testing.TestConsul;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LockOptions#consulCompatible()} against Consul's own Go lock client: the real {@code consul lock}
 * binary (Consul's {@code api.Lock}) on the same prefix, in both orders. Each side proves by what it does that
 * it saw the other's hold: {@code consul lock} runs its command only once it holds, and waits in a blocking
 * query (seen through a {@link FaultProxy}) while Baton holds; Baton's acquisition returns only after the Go
 * holder's command finished.
 */
@ExtendWith(ConsulExtension.class)
class ConsulLockInteropTest {
  private static final Duration STEP = Duration.ofSeconds(20);

  @TempDir Path dir;

  private static String prefixOf(DistributedLock lock) {
    assertTrue(lock.key().endsWith("/.lock"), lock.key());
    return lock.key().substring(0, lock.key().length() - "/.lock".length());
  }

  private static Process consulLock(Object address, String prefix, String command) throws Exception {
    return new ProcessBuilder(ConsulProcess.findBinary().toString(), "lock", "-http-addr=" + address, prefix,
        command).redirectErrorStream(true).start();
  }

  private static String output(Process p) throws Exception {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void consulLockWaitsWhileBatonHolds(TestConsul consul) throws Exception {
    try (FaultProxy proxy = FaultProxy.start(consul.address()); Coordinator c = consul.builder().build();
         ConsulTransport raw = consul.transport()) {
      DistributedLock lock = c.lock("interop/baton-first", LockOptions.consulCompatible());
      Path ran = dir.resolve("ran");
      Process go;
      try (Lease lease = lock.acquire(STEP)) {
        KvEntry held = raw.kvGet(lock.key()).orElseThrow();
        assertEquals(0x2ddccbc058a50c18L, held.flags(), "Consul's lock Flags");
        assertEquals(lease.fencingToken(), held.modifyIndex());
        go = consulLock(proxy.address(), prefixOf(lock), "touch " + ran);
        Match waiting = Match.get().path("/v1/kv/" + lock.key()).query("index");
        Await.until(STEP, () -> !proxy.exchanges(waiting).isEmpty() || !go.isAlive(),
            () -> "consul lock never waited on Baton's hold: " + proxy.exchanges());
        assertTrue(go.isAlive(), () -> "consul lock ended while Baton held the lock: " + call(() -> output(go)));
        assertFalse(Files.exists(ran), "consul lock ran its command while Baton held the lock");
        assertTrue(lease.isHeld());
      }
      assertTrue(go.waitFor(STEP.toSeconds(), TimeUnit.SECONDS), "consul lock did not get the lock after release");
      String said = output(go);
      assertEquals(0, go.exitValue(), said);
      assertTrue(Files.exists(ran), "consul lock's command did not run: " + said);
      // Go deletes the key when done; Baton takes it again
      try (Lease again = lock.acquire(STEP)) {
        assertTrue(again.isHeld());
      }
    }
  }

  @Test
  void batonWaitsWhileConsulLockHolds(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedLock lock = c.lock("interop/go-first", LockOptions.consulCompatible());
      Path inside = dir.resolve("inside");
      Path goOn = dir.resolve("go-on");
      Path done = dir.resolve("done");
      Process go = consulLock(consul.address(), prefixOf(lock),
          "touch " + inside + "; while [ ! -e " + goOn + " ]; do sleep 0.05; done; touch " + done);
      try {
        Await.until(STEP, () -> Files.exists(inside) || !go.isAlive(), () -> "consul lock never got the lock");
        assertTrue(go.isAlive(), () -> "consul lock ended: " + call(() -> output(go)));
        assertTrue(lock.tryAcquire().isEmpty(), "Baton took the lock consul lock holds");
        FutureTask<Boolean> acquire = new FutureTask<>(() -> {
          try (Lease lease = lock.acquire(STEP)) {
            return lease.isHeld() && Files.exists(done);      // the Go holder's command finished before
          }
        });
        new Thread(acquire, "test-baton-waits").start();
        Files.createFile(goOn);                               // the Go holder finishes and releases
        assertTrue(acquire.get(STEP.toSeconds(), TimeUnit.SECONDS),
            "Baton got in before consul lock's command had finished");
        assertTrue(go.waitFor(STEP.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, go.exitValue());
        assertNull(raw.kvGet(lock.key()).map(KvEntry::session).orElse(null), "Baton released the key");
      } finally {
        go.destroy();
        go.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void locksOfAnotherKindAreRefused(TestConsul consul) throws Exception {
    try (Coordinator c = consul.builder().build(); ConsulTransport raw = consul.transport()) {
      DistributedLock compatible = c.lock("interop/foreign", LockOptions.consulCompatible());
      raw.kvPut(compatible.key(), "x".getBytes(StandardCharsets.UTF_8), new KvWrite(null, null, null, 7L));
      CoordinationException e = assertThrows(CoordinationException.class, () -> compatible.acquire(STEP));
      assertTrue(e.getMessage().contains(compatible.key()) && e.getMessage().contains("Flags 7"), e.getMessage());
      assertNull(raw.kvGet(compatible.key()).orElseThrow().session(), "the refused acquire took the key");

      DistributedLock batonOnly = c.lock("interop/default");
      raw.kvPut(batonOnly.key(), new byte[0], new KvWrite(null, null, null, 0x2ddccbc058a50c18L));
      CoordinationException go = assertThrows(CoordinationException.class, batonOnly::tryAcquire);
      assertTrue(go.getMessage().contains("consulCompatible"), go.getMessage());
      assertNull(raw.kvGet(batonOnly.key()).orElseThrow().session());
    }
  }
}
