package dev.baton.internal;

import dev.baton.BatonMetrics.LossReason;
import java.util.List;

/**
 * One remote hold as the {@link LeaseRegistry} and the {@link HeldKeyMonitor} know it: its key, held by
 * {@code session} since the write with {@code index} (where the monitor starts watching; 0: from the current
 * state), its fencing token, tracked at {@code since} ({@link System#nanoTime()}), who reports its loss, and
 * how closing the Coordinator releases it in Consul ({@code release}, tied to this hold; null: by session).
 */
record Hold(Telemetry.Subject telemetry, String key, String session, long index, long token, long since,
    Remote.Call release) {

  /** Marks the hold lost (unless released or lost already), reports it once, then runs its listeners. */
  void lose(LeaseState state, LossReason reason, String detail) {
    List<Runnable> listeners = state.lose(detail);
    // the loss is recorded once, with the first reason: this call made it lost iff that is our string
    if (state.lostReason() == detail) telemetry.lost(token, reason, detail);
    listeners.forEach(l -> LeaseHandle.run(key, l));
  }

  /** {@link #lose(LeaseState, LossReason, String)} with the listeners run by {@code listeners}. */
  void lose(LeaseState state, LossReason reason, String detail, java.util.concurrent.Executor listeners) {
    List<Runnable> fire = state.lose(detail);
    if (state.lostReason() == detail) telemetry.lost(token, reason, detail);
    if (fire.isEmpty()) return;
    try {
      listeners.execute(() -> fire.forEach(l -> LeaseHandle.run(key, l)));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      fire.forEach(l -> LeaseHandle.run(key, l));      // closing: run them here
    }
  }
}
