package dev.baton.internal;

import dev.baton.BatonMetrics.LossReason;
import dev.baton.internal.Telemetry.Watch;
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
  private static final Logger log = LoggerFactory.getLogger("dev.baton.lease");
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** How long a lease is held before its key is watched. */
  static final Duration WATCH_DELAY = Duration.ofMillis(100);
  /** How often the sweeper looks for holds to watch. */
  static final Duration SWEEP = Duration.ofMillis(50);

  private final ConsulTransport consul;
  /** Holds not watched yet. */
  private final Map<LeaseState, Hold> pending = new ConcurrentHashMap<>();
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
   * Watches the hold's key, held by its session since its index, from {@link #WATCH_DELAY} after it was
   * tracked on until {@code state} leaves HELD (or {@link #forget} is called first).
   */
  void watch(Hold hold, LeaseState state) {
    pending.put(state, hold);
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
        threads.execute(() -> run(p, state));
      } catch (RejectedExecutionException e) {
        // closing
      }
    });
  }

  private void run(Hold hold, LeaseState state) {
    String key = hold.key();
    String session = hold.session();
    long index = hold.index();
    while (state.phase() == LeaseState.Phase.HELD && !Thread.currentThread().isInterrupted()) {
      try {
        QueryResult<Optional<KvEntry>> r = consul.kvGet(key, index, Deadlines.LONGEST_WAIT);
        hold.telemetry().woke(Watch.HELD_KEY, key, index, r.index());
        index = BlockingIndex.next(index, r.index());
        if (state.phase() != LeaseState.Phase.HELD) return;
        Optional<KvEntry> entry = r.value();
        if (entry.isEmpty() || !session.equals(entry.get().session())) {
          LossReason why = entry.isEmpty() ? LossReason.KEY_DELETED
              : entry.get().session() == null ? LossReason.KEY_RELEASED : LossReason.KEY_TAKEN;
          String reason = entry.isEmpty() ? "the key " + key + " was deleted"
              : entry.get().session() == null ? "the key " + key + " was released by someone else"
              : "the key " + key + " is now held by session " + entry.get().session();
          hold.lose(state, why, reason);
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
