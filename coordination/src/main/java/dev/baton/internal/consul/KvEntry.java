package dev.baton.internal.consul;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** One Consul KV entry, value decoded from base64 once. */
public final class KvEntry {
  private final String key;
  private final byte[] value;
  private final long flags;
  private final long createIndex;
  private final long modifyIndex;
  private final long lockIndex;
  private final String session;

  public KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex, long lockIndex,
      String session) {
    this.key = Objects.requireNonNull(key);
    this.value = value == null ? new byte[0] : value;
    this.flags = flags;
    this.createIndex = createIndex;
    this.modifyIndex = modifyIndex;
    this.lockIndex = lockIndex;
    this.session = session == null || session.isEmpty() ? null : session;
  }

  public String key() { return key; }

  public byte[] value() { return value.clone(); }

  public String valueUtf8() { return new String(value, StandardCharsets.UTF_8); }

  public long flags() { return flags; }

  public long createIndex() { return createIndex; }

  public long modifyIndex() { return modifyIndex; }

  public long lockIndex() { return lockIndex; }

  /** The session holding the key, or null when nobody holds it. */
  public String session() { return session; }

  public boolean isHeld() { return session != null; }

  @Override
  public String toString() {
    return "KvEntry{key=" + key + ", session=" + session + ", modifyIndex=" + modifyIndex + ", lockIndex="
        + lockIndex + ", flags=" + flags + ", value=" + value.length + " bytes}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvEntry e && key.equals(e.key) && Arrays.equals(value, e.value) && flags == e.flags
        && createIndex == e.createIndex && modifyIndex == e.modifyIndex && lockIndex == e.lockIndex
        && Objects.equals(session, e.session);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, modifyIndex, session);
  }
}
