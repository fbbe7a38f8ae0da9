package dev.baton.internal;

import dev.baton.internal.consul.KvEntry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state each lock key was last seen in by this Coordinator (its ModifyIndex, or 0 when it did not exist,
 * and the session holding it), learnt from the answers of lock, unlock and read calls, so that a lock transaction can be tied to the state
 * it was decided on without reading the key first. A hint only: a wrong entry costs one refused transaction
 * and a read, never a wrong acquisition (Consul checks the index). Bounded: forgets everything beyond
 * {@value #MAX_KEYS} keys.
 */
final class KnownIndexes {
  /** Keys remembered at most; beyond, the map starts afresh. */
  static final int MAX_KEYS = 4096;
  /** What {@link #get} answers for a key whose state is not known. */
  static final long UNKNOWN = -1;

  /** A key's state: its ModifyIndex (0: absent) and the session holding it (null: free, or not known). */
  private record State(long index, String holder) {}

  private final Map<String, State> indexes = new ConcurrentHashMap<>();

  /** The key's last seen ModifyIndex, 0 when it was seen absent, {@link #UNKNOWN} when not known. */
  long get(String key) {
    State s = indexes.get(key);
    return s == null ? UNKNOWN : s.index();
  }

  /** The session the key was last seen held by; null when it was seen free, or that is not known. */
  String holder(String key) {
    State s = indexes.get(key);
    return s == null ? null : s.holder();
  }

  /** Remembers the key's state from a read: its entry, or absent. */
  void saw(String key, Optional<KvEntry> entry) {
    put(key, entry.map(e -> new State(e.modifyIndex(), e.session())).orElse(new State(0, null)));
  }

  /** Remembers the key's ModifyIndex (0: absent) after a write of ours; a negative index forgets it. */
  void saw(String key, long index) {
    sawHeldBy(key, index, null);
  }

  /** Remembers the key's ModifyIndex after a write that left it held by {@code holder}. */
  void sawHeldBy(String key, long index, String holder) {
    if (index < 0) {
      indexes.remove(key);
      return;
    }
    put(key, new State(index, holder));
  }

  private void put(String key, State state) {
    if (indexes.size() >= MAX_KEYS && !indexes.containsKey(key)) indexes.clear();
    indexes.put(key, state);
  }

  void forget(String key) {
    indexes.remove(key);
  }
}
