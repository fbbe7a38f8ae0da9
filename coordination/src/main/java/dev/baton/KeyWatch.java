package dev.baton;

import java.util.Optional;

/**
 * A watch of one key ({@link Coordinator#watchKey}): its listener is called with the key's state when the
 * watch starts and whenever that key changes (written, deleted, locked or unlocked); changes of other keys
 * never call it. See {@link Watch} for how changes are delivered.
 */
public interface KeyWatch extends Watch {
  /** {@return the watched key, relative to the key prefix} */
  String key();

  /** {@return the last state read: the key, or empty when it does not exist (or before the first read)} */
  Optional<KeyValue> current();
}
