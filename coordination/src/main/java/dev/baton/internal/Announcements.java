package dev.baton.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The waiters' announcements of one Coordinator that outlive an acquisition (see {@code ConsulLock}): at most
 * one per lock key, each watched by a thread of its own while it lasts, and all retired (their entries
 * deleted) when the Coordinator closes, before its session ends.
 */
final class Announcements implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** One announcement: retiring it deletes its entry; idempotent, best effort. */
  interface Entry {
    void retire();
  }

  private final Map<String, Entry> byKey = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-announcement-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;

  Entry get(String key) {
    return byKey.get(key);
  }

  /**
   * Keeps {@code entry} as the announcement of {@code key} and runs {@code watcher} on a thread of its own;
   * false when closing (nothing is kept or run: the caller retires the entry).
   */
  boolean add(String key, Entry entry, Runnable watcher) {
    if (closed) return false;
    Entry before = byKey.put(key, entry);
    if (before != null && before != entry) before.retire();
    try {
      threads.execute(watcher);
      return true;
    } catch (java.util.concurrent.RejectedExecutionException e) {
      byKey.remove(key, entry);
      return false;
    }
  }

  void remove(String key, Entry entry) {
    byKey.remove(key, entry);
  }

  /** Announcements kept now (diagnostics, tests). */
  int size() {
    return byKey.size();
  }

  /** Stops the watchers and retires every announcement (the caller still has its session and transport). */
  @Override
  public void close() {
    closed = true;
    threads.shutdownNow();
    for (Entry e : byKey.values()) e.retire();
    byKey.clear();
  }
}
