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

  /** {@return the Consul key of this lock (with the Coordinator's key prefix)} */
  String key();

  /**
   * Waits until the lock is held, however long that takes.
   *
   * @return the lease; close it to release
   * @throws InterruptedException when interrupted while waiting (nothing is held)
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   * @throws LeaseLostException when this thread still holds a lost lease on this lock (close it first)
   */
  Lease acquire() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for the lock.
   *
   * @param timeout zero or positive
   * @return the lease; close it to release
   * @throws TimeoutException when the time ran out (nothing is held)
   * @throws InterruptedException when interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException when the timeout is negative
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   * @throws LeaseLostException when this thread still holds a lost lease on this lock (close it first)
   */
  Lease acquire(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * Takes the lock if it is free now: no waiting beyond one round trip to Consul (none when another thread
   * of this client holds it).
   *
   * @return the lease, or empty when the lock is held by someone else
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   * @throws CoordinationException when interrupted (the interrupt flag is kept)
   */
  Optional<Lease> tryAcquire();

  /**
   * Who holds the lock now, read from Consul (one GET, in the builder's consistency mode).
   *
   * @return the holder, or empty when the lock is free
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  Optional<LockHolder> holder();
}
