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

  LeaseRegistry(ConsulTransport consul) {
    this.consul = consul;
    this.monitor = new HeldKeyMonitor(consul);
  }

  /**
   * Tracks a fresh hold of {@code key} (fencing token {@code token}): lost with its session, released on
   * close, watched for deletion or takeover from {@code index} on.
   */
  void track(Telemetry.Subject telemetry, String sessionId, String key, long index, long token,
      LeaseState state) {
    Hold hold = new Hold(telemetry, key, sessionId, index, token, System.nanoTime());
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

  /** Releases every hold in Consul (best effort: destroying the session frees the rest). */
  void releaseAll() {
    bySession.forEach((sessionId, held) -> held.forEach((state, hold) -> {
      if (!state.release()) return;
      String key = hold.key();
      Remote.bestEffort(log, "release " + key + " while closing (destroying the session frees it after the "
          + "lock-delay)", null, () -> consul.kvPut(key, null, KvWrite.release(sessionId)));
    }));
    bySession.clear();
  }

  @Override
  public void close() {
    monitor.close();
  }
}
