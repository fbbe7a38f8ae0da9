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

  /** The Consul key prefix of this semaphore (contender keys and the {@code .lock} holder record live below). */
  String prefix();

  /** The number of permits. */
  int permits();

  /** Waits until a permit is held. */
  Lease acquire() throws InterruptedException;

  /** Waits at most {@code timeout} for a permit. */
  Lease acquire(Duration timeout) throws InterruptedException, TimeoutException;

  /** Takes a permit if one is free now (a few round trips, no waiting for holders to leave). */
  Optional<Lease> tryAcquire();
}
