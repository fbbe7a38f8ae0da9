package dev.baton.internal;

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
  private static final Logger log = LoggerFactory.getLogger(LeaseRegistry.class);

  private final ConsulTransport consul;
  private final Map<String, Map<LeaseState, String>> bySession = new ConcurrentHashMap<>();
  private final HeldKeyMonitor monitor;

  LeaseRegistry(ConsulTransport consul) {
    this.consul = consul;
    this.monitor = new HeldKeyMonitor(consul);
  }

  /** Tracks a fresh hold: lost with its session, released on close, watched for deletion or takeover. */
  void track(String sessionId, String key, long index, LeaseState state) {
    bySession.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()).put(state, key);
    monitor.watch(key, sessionId, index, state);
  }

  void untrack(String sessionId, LeaseState state) {
    monitor.forget(state);
    bySession.computeIfPresent(sessionId, (k, m) -> {
      m.remove(state);
      return m.isEmpty() ? null : m;
    });
  }

  /** Every hold of {@code sessionId} is lost: listeners fire. */
  void loseAll(String sessionId, String reason) {
    Map<LeaseState, String> lost = bySession.remove(sessionId);
    if (lost == null) return;
    lost.forEach((state, key) -> state.lose(reason).forEach(l -> LeaseHandle.run(key, l)));
  }

  /** Releases every hold in Consul (best effort: destroying the session frees the rest). */
  void releaseAll() {
    bySession.forEach((sessionId, held) -> held.forEach((state, key) -> {
      if (!state.release()) return;
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
