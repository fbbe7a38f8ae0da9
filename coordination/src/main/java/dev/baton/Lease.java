package dev.baton;

/**
 * Proof of holding a lock or a semaphore permit, valid while Baton can prove its Consul session alive.
 * Use it with try-with-resources:
 *
 * <pre>{@code
 * try (Lease lease = coordinator.lock("jobs/report").acquire(Duration.ofSeconds(30))) {
 *   storage.write(report, lease.fencingToken());   // the resource rejects tokens older than the last seen
 * }
 * }</pre>
 *
 * <p>A lease is <em>lost</em> when its session is lost (Consul invalidated it, or no renewal succeeded
 * within the session TTL): {@link #isHeld()} turns false, {@link #ensureHeld()} throws, and
 * {@link #onLost(Runnable) listeners} run once. Thread-safe; may be closed from any thread.
 */
public interface Lease extends AutoCloseable {

  /** {@return the Consul key this lease holds (with the Coordinator's key prefix)} */
  String key();

  /**
   * The fencing token: strictly larger for every later holder of the same key, across clients, sessions and
   * restarts (it is the Raft index of the acquiring write). Pass it to the resource you protect so that a
   * holder that lost its lease without knowing cannot overwrite a newer holder's work.
   *
   * @return the token, positive
   */
  long fencingToken();

  /** {@return true until the lease is closed or lost} Cheap: no network call. */
  boolean isHeld();

  /**
   * Returns normally while the lease is held.
   *
   * @throws LeaseLostException when it was lost (or closed)
   */
  void ensureHeld();

  /**
   * Runs {@code listener} once when the lease is lost (at once, on this thread, when it is already lost);
   * never after a normal {@link #close()}. Listeners run on Baton's session thread and must not block.
   *
   * @param listener what to run; what it throws is logged
   * @throws IllegalArgumentException when it is null
   */
  void onLost(Runnable listener);

  /**
   * Releases the lease (for a reentrant acquisition: one hold). Idempotent; never throws for a lease that
   * was already lost.
   *
   * @throws ConsulUnavailableException when Consul could not be told; the key then stays held by this
   *     client's session until it is released by a later lease of this client or the session ends
   */
  @Override
  void close();
}
