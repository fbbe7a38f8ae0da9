package dev.baton.internal;

import dev.baton.BatonMetrics.LossReason;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvWrite;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The holds of one Coordinator, by session: what a session loss makes lost, what closing releases, and what
 * the {@link HeldKeyMonitor} watches.
 */
final class LeaseRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.lease");

  private final ConsulTransport consul;
  private final Map<String, Map<LeaseState, Hold>> bySession = new ConcurrentHashMap<>();
  private final HeldKeyMonitor monitor;

  LeaseRegistry(ConsulTransport consul, Watches watches) {
    this.consul = consul;
    this.monitor = new HeldKeyMonitor(watches);
  }

  /**
   * Tracks a fresh hold of {@code key} (fencing token {@code token}): lost with its session, released on
   * close, watched for deletion or takeover from {@code index} on.
   */
  void track(Telemetry.Subject telemetry, String sessionId, String key, long index, long token,
      LeaseState state) {
    track(telemetry, sessionId, key, index, token, state, null);
  }

  /**
   * {@link #track(Telemetry.Subject, String, String, long, long, LeaseState)} with the call that releases the
   * hold when the Coordinator closes while it is held: tied to this very hold (e.g. to its write's index), so
   * that it can never free a later hold of the same session. Without one, the key is released by session
   * ({@code ?release=}), which suits only keys that are never held twice (semaphore contender keys).
   */
  void track(Telemetry.Subject telemetry, String sessionId, String key, long index, long token,
      LeaseState state, Remote.Call release) {
    Hold hold = new Hold(telemetry, key, sessionId, index, token, System.nanoTime(), release);
    bySession.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()).put(state, hold);
    monitor.watch(hold, state);
  }

  void untrack(String sessionId, LeaseState state) {
    monitor.forget(state);
    bySession.computeIfPresent(sessionId, (k, m) -> {
      m.remove(state);
      return m.isEmpty() ? null : m;
    });
  }

  /** Every hold of {@code sessionId} is lost: reported, and listeners fire. */
  void loseAll(String sessionId, LossReason reason, String detail) {
    Map<LeaseState, Hold> lost = bySession.remove(sessionId);
    if (lost == null) return;
    lost.forEach((state, hold) -> hold.lose(state, reason, detail));
  }

  /** Releases every hold in Consul, each tied to itself (best effort: destroying the session frees the rest). */
  void releaseAll() {
    bySession.forEach((sessionId, held) -> held.forEach((state, hold) -> {
      if (!state.release()) return;
      String key = hold.key();
      Remote.Call release = hold.release() != null ? hold.release()
          : () -> consul.kvPut(key, null, KvWrite.release(sessionId));
      Remote.bestEffort(log, "release " + key + " while closing (destroying the session frees it after the "
          + "lock-delay)", null, release);
    }));
    bySession.clear();
  }

  @Override
  public void close() {
    monitor.close();
  }
}
