package dev.baton;

/**
 * Consul's read consistency modes, used for plain (non-blocking) reads. Waits always use the default
 * mode: a blocking query with {@code stale} on a follower wakes up tens of milliseconds late.
 */
public enum Consistency {
  /** Consul's default: served by the leader, which may be stale for a moment after a leader change. */
  DEFAULT,
  /** {@code ?consistent}: the leader confirms its leadership first (one extra round trip among servers). */
  CONSISTENT,
  /** {@code ?stale}: any server answers; fastest, possibly behind. */
  STALE
}
