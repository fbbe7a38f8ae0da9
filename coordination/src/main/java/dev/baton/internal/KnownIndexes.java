package dev.baton.internal;

import dev.baton.internal.consul.KvEntry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state each lock key was last seen in by this Coordinator (its ModifyIndex, or 0 when it did not exist),
 * learnt from the answers of lock, unlock and read calls, so that a lock transaction can be tied to the state
 * it was decided on without reading the key first. A hint only: a wrong entry costs one refused transaction
 * and a read, never a wrong acquisition (Consul checks the index). Bounded: forgets everything beyond
 * {@value #MAX_KEYS} keys.
 */
final class KnownIndexes {
  /** Keys remembered at most; beyond, the map starts afresh. */
  static final int MAX_KEYS = 4096;
  /** What {@link #get} answers for a key whose state is not known. */
  static final long UNKNOWN = -1;

  private final Map<String, Long> indexes = new ConcurrentHashMap<>();

  /** The key's last seen ModifyIndex, 0 when it was seen absent, {@link #UNKNOWN} when not known. */
  long get(String key) {
    return indexes.getOrDefault(key, UNKNOWN);
  }

  /** Remembers the key's state from a read: its entry, or absent. */
  void saw(String key, Optional<KvEntry> entry) {
    saw(key, entry.map(KvEntry::modifyIndex).orElse(0L));
  }

  /** Remembers the key's ModifyIndex (0: absent); a negative index forgets it. */
  void saw(String key, long index) {
    if (index < 0) {
      indexes.remove(key);
      return;
    }
    if (indexes.size() >= MAX_KEYS && !indexes.containsKey(key)) indexes.clear();
    indexes.put(key, index);
  }

  void forget(String key) {
    indexes.remove(key);
  }
}
