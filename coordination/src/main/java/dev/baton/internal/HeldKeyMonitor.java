package dev.baton.internal;

import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.QueryResult;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches each held key in the background (one blocking query per key) and marks its lease lost the moment
 * the key is deleted or held by another session — an operator's {@code consul kv delete} would otherwise let a
 * second holder in at once, with no lock-delay. Only the key's state marks a lease lost: errors (timeouts,
 * 5xx) are retried with a pause. The watch ends when the lease is released or lost. Adds no call to the
 * acquire or release path.
 *
 * <p>The watch starts {@link #WATCH_DELAY} (to {@link #SWEEP} more) after the acquisition, from the
 * acquiring write's index, so a change in between is still seen, just reported that much later; a lease
 * released before then costs no call and no thread wake-up at all: a sweeper looks for holds old enough
 * every {@link #SWEEP}. Short holds are the common case under contention, and a blocking query (plus a thread
 * hand-off) per hold competed with the acquire and release calls themselves (measured on a 3-server cluster:
 * uncontended cycle 1.30× the raw recipe with an immediate watch, 1.11–1.18× with none).
 */
final class HeldKeyMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeldKeyMonitor.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** How long a lease is held before its key is watched. */
  static final Duration WATCH_DELAY = Duration.ofMillis(100);
  /** How often the sweeper looks for holds to watch. */
  static final Duration SWEEP = Duration.ofMillis(50);

  /** A hold not watched yet. */
  private record Pending(String key, String session, long index, long since) {}

  private final ConsulTransport consul;
  private final Map<LeaseState, Pending> pending = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-held-key-sweeper");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-held-key-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  HeldKeyMonitor(ConsulTransport consul) {
    this.consul = consul;
    sweeper.scheduleWithFixedDelay(this::sweep, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Watches {@code key}, held by {@code session} since {@code index}, from {@link #WATCH_DELAY} on until
   * {@code state} leaves HELD (or {@link #forget} is called first).
   */
  void watch(String key, String session, long index, LeaseState state) {
    pending.put(state, new Pending(key, session, index, System.nanoTime()));
  }

  /** The lease ended: a watch that has not started yet never starts. */
  void forget(LeaseState state) {
    pending.remove(state);
  }

  private void sweep() {
    long now = System.nanoTime();
    pending.forEach((state, p) -> {
      if (now - p.since() < WATCH_DELAY.toNanos() || !pending.remove(state, p)) return;
      if (state.phase() != LeaseState.Phase.HELD) return;
      try {
        threads.execute(() -> run(p.key(), p.session(), p.index(), state));
      } catch (RejectedExecutionException e) {
        // closing
      }
    });
  }

  private void run(String key, String session, long index, LeaseState state) {
    while (state.phase() == LeaseState.Phase.HELD && !Thread.currentThread().isInterrupted()) {
      try {
        QueryResult<Optional<KvEntry>> r = consul.kvGet(key, index, Deadlines.LONGEST_WAIT);
        index = BlockingIndex.next(index, r.index());
        if (state.phase() != LeaseState.Phase.HELD) return;
        Optional<KvEntry> entry = r.value();
        if (entry.isEmpty() || !session.equals(entry.get().session())) {
          String reason = entry.isEmpty() ? "the key " + key + " was deleted"
              : entry.get().session() == null ? "the key " + key + " was released by someone else"
              : "the key " + key + " is now held by session " + entry.get().session();
          log.warn("lease on {} lost: {}", key, reason);
          state.lose(reason).forEach(l -> LeaseHandle.run(key, l));
          return;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.debug("watching {} failed, retrying: {}", key, e.toString());
        try {
          Thread.sleep(1000);                      // back off before the next blocking query
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    pending.clear();
    threads.shutdownNow();
  }
}
