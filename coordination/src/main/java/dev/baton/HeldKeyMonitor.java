package dev.baton;

import dev.baton.internal.BlockingIndex;
import dev.baton.internal.ConsulTransport;
import dev.baton.internal.KvEntry;
import dev.baton.internal.LeaseState;
import dev.baton.internal.QueryResult;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches each held key in the background (one blocking query per key) and marks its lease lost the moment
 * the key is deleted or held by another session — an operator's {@code consul kv delete} would otherwise let a
 * second holder in at once, with no lock-delay. Only the key's state marks a lease lost: errors (timeouts,
 * 5xx) are retried with a pause. The watch ends when the lease is released or lost. Adds no call to the
 * acquire or release path.
 */
final class HeldKeyMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeldKeyMonitor.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ConsulTransport consul;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-held-key-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  HeldKeyMonitor(ConsulTransport consul) {
    this.consul = consul;
  }

  /** Watches {@code key}, held by {@code session} since {@code index}, until {@code state} leaves HELD. */
  void watch(String key, String session, long index, LeaseState state) {
    try {
      threads.execute(() -> run(key, session, index, state));
    } catch (RejectedExecutionException e) {
      // closing
    }
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
    threads.shutdownNow();
  }
}
