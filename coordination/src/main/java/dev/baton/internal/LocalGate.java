package dev.baton.internal;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-JVM gate in front of one Consul key: fair (FIFO), interruptible, timed, reentrant per thread.
 *
 * <p>Consul lets a session re-acquire a key it already holds, so two threads sharing one session would both
 * "win" remotely. Only the gate's owner talks to Consul about the key. Unlike {@code ReentrantLock} the gate
 * may be released by another thread than the one that acquired it (a lease can be closed anywhere); the hold
 * count belongs to the current owner. Pure state, no I/O: jcstress checks it.
 *
 * <p>Gates live in a {@link Registry} keyed by Consul key, created on first use and dropped when nobody uses
 * them, so holding many different keys over time does not leak.
 */
public final class LocalGate {
  private final ArrayDeque<Thread> queue = new ArrayDeque<>();
  private Thread owner;
  private int holds;
  private Object attachment;
  private int users;                         // registry reference count, guarded by the registry's map

  /**
   * Acquires the gate, waiting up to {@code timeoutNanos} (negative: forever) in FIFO order. The owner
   * acquiring again just counts one more hold.
   *
   * @return false when the time ran out (nothing held)
   * @throws InterruptedException when interrupted while queued (nothing held, the next waiter moves up)
   */
  public synchronized boolean acquire(long timeoutNanos) throws InterruptedException {
    Thread me = Thread.currentThread();
    if (owner == me) {
      holds++;
      return true;
    }
    if (Thread.interrupted()) throw new InterruptedException();
    if (owner == null && queue.isEmpty()) {
      take(me);
      return true;
    }
    if (timeoutNanos == 0) return false;
    queue.addLast(me);
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      while (owner != null || queue.peekFirst() != me) {
        if (timeoutNanos < 0) {
          wait();
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) return false;
          wait(left / 1_000_000, (int) (left % 1_000_000));
        }
      }
      queue.pollFirst();
      take(me);
      return true;
    } finally {
      if (owner != me) {
        queue.remove(me);                    // timed out or interrupted: give way to the next waiter
        notifyAll();
      }
    }
  }

  /** {@link #acquire} without waiting. */
  public boolean tryAcquire() {
    try {
      return acquire(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void take(Thread me) {
    owner = me;
    holds = 1;
  }

  /**
   * Gives up one hold (from any thread). Answers the holds left; at 0 the gate is free and the first queued
   * thread takes it.
   *
   * @throws IllegalStateException when the gate is not held
   */
  public synchronized int release() {
    if (owner == null) throw new IllegalStateException("gate is not held");
    if (--holds == 0) {
      owner = null;
      attachment = null;
      notifyAll();
    }
    return holds;
  }

  /** Holds of the current owner (0 when free). */
  public synchronized int holds() {
    return holds;
  }

  public synchronized boolean isHeldByCurrentThread() {
    return owner == Thread.currentThread();
  }

  /** Whatever the owner keeps with the gate (the remote hold); cleared when the gate becomes free. */
  public synchronized Object attachment() {
    return attachment;
  }

  public synchronized void attach(Object value) {
    attachment = value;
  }

  /** Threads queued (for tests and diagnostics). */
  public synchronized int queued() {
    return queue.size();
  }

  /** Gates by key, reference-counted. */
  public static final class Registry {
    private final ConcurrentHashMap<String, LocalGate> gates = new ConcurrentHashMap<>();

    /** The gate of {@code key}, counted as used until {@link #leave}. */
    public LocalGate enter(String key) {
      return gates.compute(key, (k, g) -> {
        LocalGate gate = g == null ? new LocalGate() : g;
        gate.users++;
        return gate;
      });
    }

    /** One use of the gate of {@code key} ended; the gate is dropped when nobody uses it. */
    public void leave(String key) {
      gates.computeIfPresent(key, (k, g) -> --g.users == 0 ? null : g);
    }

    public int size() {
      return gates.size();
    }
  }
}
