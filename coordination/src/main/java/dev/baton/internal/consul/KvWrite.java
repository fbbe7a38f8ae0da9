package dev.baton.internal.consul;

/**
 * The flavour of a KV PUT: plain, check-and-set on a ModifyIndex, acquire or release with a session; flags
 * optional. Plain writes and releases are repeated on transient failures. Check-and-set and acquire are not
 * (only when the request provably never left): a repeated check-and-set may apply twice, and an acquire
 * whose first copy lands late can re-create a key its writer has given up; its caller treats a failure as
 * "possibly applied" instead.
 */
public record KvWrite(Long cas, String acquire, String release, Long flags) {
  public static KvWrite plain() { return new KvWrite(null, null, null, null); }

  /** Write only if the key's ModifyIndex is still {@code index} (0: only if the key does not exist). */
  public static KvWrite cas(long index) { return new KvWrite(index, null, null, null); }

  public static KvWrite acquire(String session) { return new KvWrite(null, session, null, null); }

  public static KvWrite release(String session) { return new KvWrite(null, null, session, null); }

  public KvWrite withFlags(long f) { return new KvWrite(cas, acquire, release, f); }

  boolean repeatable() { return cas == null && acquire == null; }
}
