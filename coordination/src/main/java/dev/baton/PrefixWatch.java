package dev.baton;

import java.util.Map;

/**
 * A watch of every key that starts with a prefix ({@link Coordinator#watchPrefix}): its listener is called with
 * all of them when the watch starts and whenever any of them is written, created or deleted. See
 * {@link Watch} for how changes are delivered.
 */
public interface PrefixWatch extends Watch {
  /** {@return the watched prefix, relative to the key prefix} */
  String prefix();

  /**
   * {@return the last state read: every key under the prefix (relative to the Coordinator's key prefix, sorted)
   * and its value; empty when there is none (or before the first read)} Unmodifiable.
   */
  Map<String, KeyValue> current();
}
