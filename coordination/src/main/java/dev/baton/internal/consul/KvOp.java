package dev.baton.internal.consul;

/**
 * One KV operation of a multi-operation transaction ({@link ConsulTransport#kvTxn}), each tied to the key's
 * ModifyIndex so that a late or repeated transaction never touches anything newer: check-and-set with flags
 * (Consul keeps the key's session), or delete-cas.
 *
 * @param verb Consul's txn KV verb
 * @param key the key
 * @param value the value to write (cas only)
 * @param flags the flags to write (cas only)
 * @param index the ModifyIndex the key must still have (cas: 0 means "only if absent")
 */
public record KvOp(String verb, String key, byte[] value, long flags, long index) {

  /** Writes {@code value} and {@code flags} only if the key's ModifyIndex is still {@code index} (0: absent). */
  public static KvOp cas(String key, byte[] value, long flags, long index) {
    return new KvOp("cas", key, value == null ? new byte[0] : value.clone(), flags, index);
  }

  /** Deletes the key only if its ModifyIndex is still {@code index} (a key that is already gone is no failure). */
  public static KvOp deleteCas(String key, long index) {
    return new KvOp("delete-cas", key, null, 0, index);
  }

  boolean writes() {
    return verb.equals("cas");
  }
}
