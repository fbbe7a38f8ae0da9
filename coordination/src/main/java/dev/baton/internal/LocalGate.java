package dev.baton.internal;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The in-JVM gate in front of one Consul key: fair (FIFO), interruptible, timed, reentrant per thread.
 *
 * <p>Consul lets a session re-acquire a key it already holds, so two threads sharing one session would both
 * "win" remotely. Only the gate's owner talks to Consul about the key. Unlike {@code ReentrantLock} the gate
 * may be released by another thread than the one that acquired it (a lease can be closed anywhere); the hold
 * count belongs to the current owner. Pure state, no I/O: jcstress checks it. Its state is guarded by the
 * gate's own monitor: a caller may synchronize on the gate to make a look at {@link #holds()} and a step of
 * its own one atomic step against the owner re-entering (the lock's release does).
 *
 * <p>Gates live in a {@link Registry} keyed by Consul key, created on first use and dropped when nobody uses
 * them, so holding many different keys over time does not leak.
 */
public final class LocalGate {
  private final ArrayDeque<Thread> queue = new ArrayDeque<>();
  private Thread owner;                      // null only while the queue is empty: a release hands over directly
  private int holds;
  private Object attachment;
  private int users;                         // registry reference count, guarded by the registry's map

  /**
   * Acquires the gate, waiting up to {@code timeoutNanos} (negative: forever) in FIFO order. The owner
   * acquiring again just counts one more hold.
   *
   * <p>A release hands the gate directly to the first queued thread, which is woken alone (no herd). A thread
   * whose interrupt arrives at the moment the gate is handed to it keeps the gate: it returns {@code true}
   * with its interrupt flag set, and the caller owns the gate (and whatever was {@linkplain #handOver handed
   * over} with it).
   *
   * @return false when the time ran out (nothing held)
   * @throws InterruptedException when interrupted while queued (nothing held, the next waiter moves up)
   */
  public boolean acquire(long timeoutNanos) throws InterruptedException {
    Thread me = Thread.currentThread();
    synchronized (this) {
      if (owner == me) {
        holds++;
        return true;
      }
      if (Thread.interrupted()) throw new InterruptedException();
      if (owner == null) {
        take(me);
        return true;
      }
      if (timeoutNanos == 0) return false;
      queue.addLast(me);
    }
    long deadline = System.nanoTime() + timeoutNanos;
    boolean interrupted = false;
    while (true) {
      synchronized (this) {
        if (owner == me) {
          if (interrupted) me.interrupt();
          return true;
        }
        if (interrupted) {
          queue.remove(me);
          throw new InterruptedException();
        }
        if (timeoutNanos > 0 && deadline - System.nanoTime() <= 0) {
          queue.remove(me);
          return false;
        }
      }
      if (timeoutNanos < 0) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, deadline - System.nanoTime());
      }
      interrupted |= Thread.interrupted();
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
   * Gives up one hold (from any thread). Answers the holds the releasing owner has left; at 0 the attachment is cleared and the
   * first queued thread (if any) becomes the owner.
   *
   * @throws IllegalStateException when the gate is not held
   */
  public synchronized int release() {
    if (owner == null) throw new IllegalStateException("gate is not held");
    int left = --holds;
    if (left == 0) {
      attachment = null;
      passToFirstQueued();
    }
    return left;
  }

  /**
   * Gives the gate's last hold, with {@code attachment}, straight to the first queued thread, which then
   * owns both; when nobody is queued, or the owner holds the gate more than once (it re-entered while another
   * thread was closing its lease), nothing changes (the owner keeps the gate) and the answer is false. The
   * thread it is given to cannot back out: it returns from {@link #acquire} as the owner.
   *
   * @throws IllegalStateException when the gate is not held
   */
  public synchronized boolean handOver(Object attachment) {
    if (owner == null) throw new IllegalStateException("gate is not held");
    if (holds != 1 || queue.isEmpty()) return false;
    this.attachment = attachment;
    passToFirstQueued();
    return true;
  }

  private void passToFirstQueued() {
    owner = queue.pollFirst();
    if (owner != null) {
      holds = 1;
      LockSupport.unpark(owner);
    }
  }

  /** Holds of the current owner (0 when free). */
  public synchronized int holds() {
    return holds;
  }

  public synchronized boolean isHeldByCurrentThread() {
    return owner == Thread.currentThread();
  }

  /**
   * Whatever the owner keeps with the gate (the remote hold); cleared by {@link #release} at the last hold,
   * passed on by {@link #handOver}.
   */
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

    /** True while a thread owns the gate of {@code key} (holds it, or was handed it). */
    public boolean isOwned(String key) {
      LocalGate gate = gates.get(key);
      return gate != null && gate.holds() > 0;
    }
  }
}
