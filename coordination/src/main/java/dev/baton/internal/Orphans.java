package dev.baton.internal;

import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.QueryResult;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes whose outcome is unknown — the answer was lost, or the caller gave up (timeout, interrupt) while the
 * request was on its way — may still land later: an abandoned acquire, a fair-queue join, a semaphore
 * contender key. Each such write carries a value no other write carries (see {@link HolderValue}); for
 * {@link #WINDOW} after it was abandoned, its key is watched, and whenever the key shows that write's effect
 * (held by the write's session, with its value) the owner's {@link Undo} removes it, tied to the entry's
 * ModifyIndex so that nothing newer is ever touched. So an acquisition that failed leaves nothing held, in
 * whatever order its requests land, as long as they land within the window (Consul's agent holds a request
 * for at most 7 s while the servers are unreachable; the window is far longer).
 *
 * <p>Costs nothing while nothing is abandoned: one blocking query per abandoned write, for the window.
 */
final class Orphans implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.orphans");
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** How long an abandoned write is watched for. */
  static final Duration WINDOW = Duration.ofSeconds(60);

  /** Removes a landed orphan (e.g. an index-tied unlock or delete); runs on the watching thread. */
  @FunctionalInterface
  interface Undo {
    /** Removes {@code orphan}; false when it could not (it changed meanwhile): the watch goes on. */
    boolean undo(KvEntry orphan) throws InterruptedException;
  }

  /** Abandoned writes to one key: the session they acquire with, the values they carry. */
  private record Abandoned(String key, String session, List<byte[]> values) {
    boolean landedIn(KvEntry e) {
      if (!session.equals(e.session())) return false;
      for (byte[] value : values) {
        if (Arrays.equals(value, e.value())) return true;
      }
      return false;
    }
  }

  private final Watches watches;
  private final Map<Abandoned, Long> watched = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-orphans-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  Orphans(Watches watches) {
    this.watches = watches;
  }

  /**
   * Watches {@code key} for {@link #WINDOW}: whenever it is held by {@code session} with {@code value} (the
   * abandoned write landed, now or later), {@code undo} removes it.
   */
  void abandoned(String key, String session, byte[] value, Undo undo) {
    abandoned(key, session, List.of(value), undo);
  }

  /** {@link #abandoned(String, String, byte[], Undo)} for several writes to one key, watched together. */
  void abandoned(String key, String session, List<byte[]> values, Undo undo) {
    Abandoned a = new Abandoned(key, session, values.stream().map(byte[]::clone).toList());
    watched.put(a, System.nanoTime() + WINDOW.toNanos());
    try {
      threads.execute(() -> watch(a, undo));
    } catch (RejectedExecutionException e) {
      watched.remove(a);                              // closing: the session's end frees the key
    }
  }

  /** True when {@code entry} is an abandoned write of ours that landed (for a release that found it). */
  boolean isOrphan(KvEntry entry) {
    for (Abandoned a : watched.keySet()) {
      if (a.key().equals(entry.key()) && a.landedIn(entry)) return true;
    }
    return false;
  }

  private void watch(Abandoned a, Undo undo) {
    long end = watched.getOrDefault(a, 0L);
    long index = 0;
    try {
      while (end - System.nanoTime() > 0 && !Thread.currentThread().isInterrupted()) {
        try {
          Duration wait = Duration.ofNanos(Math.min(end - System.nanoTime(), Deadlines.LONGEST_WAIT.toNanos()));
          QueryResult<Optional<KvEntry>> r = watches.get(a.key(), index, index == 0 ? Duration.ZERO : wait);
          index = BlockingIndex.next(index, r.index());
          Optional<KvEntry> e = r.value();
          if (e.isPresent() && a.landedIn(e.get()) && undo.undo(e.get())) {
            log.info("removed {}: a write of session {} that had been given up landed late", a.key(), a.session());
          }
        } catch (RuntimeException e) {
          log.debug("watching {} for a late write failed, retrying: {}", a.key(), e.toString());
          Thread.sleep(1000);                         // back off before the next blocking query
        }
      }
    } catch (InterruptedException e) {
      // closing
    } finally {
      watched.remove(a);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
    watched.clear();
  }
}
