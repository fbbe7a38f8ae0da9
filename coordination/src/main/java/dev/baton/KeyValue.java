package dev.baton;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One key as a watch sees it: its name (relative to the Coordinator's {@link Coordinator#keyPrefix()}), its
 * value, the index of its last write and the session that holds it, if any. Immutable; {@link #toString()}
 * shows the value's length, never its content.
 */
public final class KeyValue {
  private final String key;
  private final byte[] value;
  private final long modifyIndex;
  private final String session;

  /**
   * @param key the key below the key prefix
   * @param value the value (null: empty)
   * @param modifyIndex Consul's {@code ModifyIndex} of the key's last write
   * @param session the session holding the key, or null
   */
  public KeyValue(String key, byte[] value, long modifyIndex, String session) {
    this.key = Objects.requireNonNull(key, "key must not be null");
    this.value = value == null ? new byte[0] : value.clone();
    this.modifyIndex = modifyIndex;
    this.session = session == null || session.isEmpty() ? null : session;
  }

  /** {@return the key, relative to the Coordinator's key prefix (e.g. {@code config/feature-flags})} */
  public String key() {
    return key;
  }

  /** {@return the value's bytes (a copy; empty when the key has no value)} */
  public byte[] value() {
    return value.clone();
  }

  /** {@return the value decoded as UTF-8} */
  public String valueAsString() {
    return new String(value, StandardCharsets.UTF_8);
  }

  /** {@return Consul's {@code ModifyIndex}: grows with every write of the key} */
  public long modifyIndex() {
    return modifyIndex;
  }

  /** {@return the session holding the key (a lock's holder), if any} */
  public Optional<String> session() {
    return Optional.ofNullable(session);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv && key.equals(kv.key) && modifyIndex == kv.modifyIndex
        && Arrays.equals(value, kv.value) && Objects.equals(session, kv.session);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, modifyIndex, session);
  }

  @Override
  public String toString() {
    return "KeyValue{key=" + key + ", modifyIndex=" + modifyIndex + ", session=" + session + ", value="
        + value.length + " bytes}";
  }
}
