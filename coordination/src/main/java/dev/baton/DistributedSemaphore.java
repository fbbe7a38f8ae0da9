package dev.baton;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A counting semaphore shared by every process that uses the same name: at most {@link #permits()} leases
 * are held at once, across all clients. Obtain it from {@link Coordinator#semaphore(String, int)}; every
 * client must use the same number of permits (a mismatch is a {@link CoordinationException}, never a silent
 * change). One Coordinator may hold several permits at once (each lease is its own contender).
 *
 * <p>Leases are the same {@link Lease} type as the lock's: fencing token (strictly increasing across all
 * acquisitions of this semaphore), loss signalling, close releases.
 */
public interface DistributedSemaphore {

  /** {@return the Consul key prefix of this semaphore; contender keys and the {@code .lock} record live below} */
  String prefix();

  /** {@return the number of permits} */
  int permits();

  /**
   * Waits until a permit is held, however long that takes.
   *
   * @return the lease of one permit; close it to give the permit back
   * @throws InterruptedException when interrupted while waiting (nothing is held)
   * @throws CoordinationException when the semaphore's record in Consul has another number of permits
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  Lease acquire() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for a permit.
   *
   * @param timeout zero or positive
   * @return the lease of one permit; close it to give the permit back
   * @throws TimeoutException when the time ran out (nothing is held)
   * @throws InterruptedException when interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException when the timeout is negative
   * @throws CoordinationException when the semaphore's record in Consul has another number of permits
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  Lease acquire(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * Takes a permit if one is free now (a few round trips, no waiting for holders to leave).
   *
   * @return the lease of one permit, or empty when all permits are held
   * @throws CoordinationException when interrupted (the interrupt flag is kept), or on a permits mismatch
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  Optional<Lease> tryAcquire();
}
