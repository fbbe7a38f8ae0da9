package dev.baton.internal.consul;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;

/**
 * Makes short synchronous calls interruptible. A short call runs on its caller's thread (no hand-off to a
 * dispatcher thread on the hot path), and a blocked socket read does not notice an interrupt: it would last
 * until the request timeout. While such calls are in flight, one daemon thread looks every {@link #TICK_MILLIS}
 * ms whether a calling thread is interrupted and cancels that thread's call; the cancelled call fails with an
 * I/O error, which the caller, finding its interrupt flag set, reports as {@link InterruptedException}. So an
 * interrupt ends a call within about a tick.
 *
 * <p>Cost per call: one map put and one remove. The thread sleeps (parked, no wake-ups) once nothing has
 * been in flight for {@link #LINGER_MILLIS} ms; the first call after that wakes it.
 */
final class InterruptWatchdog implements AutoCloseable {
  /** How often in-flight calls are checked. */
  static final long TICK_MILLIS = 10;
  /** How long the thread keeps ticking after the last call before it sleeps until the next one. */
  static final long LINGER_MILLIS = 1000;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Map<Thread, Call> inFlight = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean sleeping;
  private volatile boolean closed;

  InterruptWatchdog() {
    thread = new Thread(this::run, "baton-http-interrupts-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  /** {@code call} runs on this thread from now on until {@link #exit}. */
  void enter(Call call) {
    inFlight.put(Thread.currentThread(), call);
    if (sleeping) LockSupport.unpark(thread);
  }

  /** This thread's call ended. */
  void exit() {
    inFlight.remove(Thread.currentThread());
  }

  private void run() {
    long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    long lingerTicks = LINGER_MILLIS / TICK_MILLIS;
    long idleTicks = 0;
    while (!closed) {
      if (inFlight.isEmpty()) {
        if (++idleTicks > lingerTicks) {
          sleeping = true;                           // enter() unparks us when it sees this...
          if (inFlight.isEmpty() && !closed) LockSupport.park(this);   // ...or we see its call here
          sleeping = false;
          idleTicks = 0;
          continue;
        }
      } else {
        idleTicks = 0;
        inFlight.forEach((caller, call) -> {
          if (caller.isInterrupted()) call.cancel();
        });
      }
      LockSupport.parkNanos(this, tick);
    }
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
  }
}
