package dev.baton.internal;

import dev.baton.internal.consul.KvEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The waiters' announcements of one Coordinator that outlive an acquisition (see {@code ConsulLock}): at most
 * one per lock key, checked on a timer once no thread of the Coordinator wants the key, and all retired (their
 * entries deleted) when the Coordinator closes, before its session ends.
 */
final class Announcements implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** One announcement: retiring it deletes its entry; idempotent, best effort. */
  interface Entry {
    void retire();
  }

  private final Map<String, Entry> byKey = new ConcurrentHashMap<>();
  /** The announcements of other clients last read per lock key, and when (a hint: Consul checks each use). */
  private final Map<String, Listing> listings = new ConcurrentHashMap<>();

  private record Listing(List<KvEntry> entries, long readNanos) {}
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-announcements-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;

  Entry get(String key) {
    return byKey.get(key);
  }

  /** Keeps {@code entry} as the announcement of {@code key} (retiring the one before); false when closing. */
  boolean add(String key, Entry entry) {
    if (closed) return false;
    Entry before = byKey.put(key, entry);
    if (before != null && before != entry) before.retire();
    return true;
  }

  /** Runs {@code check} after {@code delay} on the timer's thread (not at all once closing). */
  void schedule(Runnable check, Duration delay) {
    try {
      timer.schedule(check, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closing: every announcement is retired by close()
    }
  }

  void remove(String key, Entry entry) {
    byKey.remove(key, entry);
  }

  /** The announcements of {@code key} read at most {@code maxAge} ago; null when there is no such reading. */
  List<KvEntry> listing(String key, Duration maxAge) {
    Listing l = listings.get(key);
    return l == null || System.nanoTime() - l.readNanos() > maxAge.toNanos() ? null : l.entries();
  }

  void rememberListing(String key, List<KvEntry> entries) {
    if (listings.size() >= KnownIndexes.MAX_KEYS && !listings.containsKey(key)) listings.clear();
    listings.put(key, new Listing(List.copyOf(entries), System.nanoTime()));
  }

  void forgetListing(String key) {
    listings.remove(key);
  }

  /** Stops the timer and retires every announcement (the caller still has its session and transport). */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    for (Entry e : byKey.values()) e.retire();
    byKey.clear();
  }
}
