package dev.baton;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A mutual-exclusion lock on one Consul key, shared by every process that uses the same key. Obtain it from
 * {@link Coordinator#lock(String)}; cheap to create, thread-safe, and reentrant per thread (the same thread
 * acquiring again gets the same fencing token; the lock is released when every lease is closed).
 *
 * <p>Waiting happens in Consul blocking queries, never by polling. An interrupt or an exception during an
 * acquisition leaves nothing held, locally or in Consul.
 */
public interface DistributedLock {

  /** The Consul key of this lock. */
  String key();

  /**
   * Waits until the lock is held.
   *
   * @throws InterruptedException when interrupted while waiting (nothing is held)
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  Lease acquire() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for the lock.
   *
   * @throws TimeoutException when the time ran out (nothing is held)
   * @throws InterruptedException when interrupted while waiting (nothing is held)
   */
  Lease acquire(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * Takes the lock if it is free now: no waiting beyond one round trip to Consul (none when another thread
   * of this client holds it).
   */
  Optional<Lease> tryAcquire();

  /** Who holds the lock now, read from Consul; empty when it is free. */
  Optional<LockHolder> holder();
}
