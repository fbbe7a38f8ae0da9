package dev.baton;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A mutual-exclusion lock on one Consul key, shared by every process that uses the same key. Obtain it from
 * {@link Coordinator#lock(String)}; cheap to create, thread-safe, and reentrant per thread (the same thread
 * acquiring again gets the same fencing token; the lock is released when every lease is closed).
 * The read and the write side of a {@link DistributedReadWriteLock} are {@code DistributedLock}s too, with
 * that lock's rules (readers share; see there).
 *
 * <p>Waiting happens in Consul blocking queries, never by polling. An interrupt ends an acquisition within
 * about 20 ms, also while a request to Consul is on its way.
 *
 * <p><b>Nothing stays held after a failed acquisition.</b> When an acquisition ends with an exception
 * (interrupt, timeout, Consul error), nothing is held in this JVM, and nothing in Consul that this
 * acquisition could still know of. A request to Consul whose answer never arrived (lost, timed out,
 * interrupted, or retried by the client) may still reach Consul later and take the key: this client watches
 * for that for 60 seconds after the failure (a Consul agent forwards a request within seconds or never) and
 * releases the key within moments of the late request landing. While another thread of this client holds the
 * lock, the late request changes nothing for it, and that thread's release frees the key as usual; while
 * another thread is acquiring the lock, the key is released at most 15 seconds later. A request landing more
 * than 60 seconds late is released when this client's session ends (at the latest when the
 * {@link Coordinator} is closed). Releases are tied to the hold they belong to: a release
 * that arrives late, or twice, never frees a later hold, also not one of another thread of this client.
 */
public interface DistributedLock {

  /** {@return the Consul key of this lock (with the Coordinator's key prefix)} */
  String key();

  /**
   * Waits until the lock is held, however long that takes.
   *
   * @return the lease; close it to release
   * @throws InterruptedException when interrupted while waiting (nothing is held; a request on its way is
   *     released if it lands later, see the class comment)
   * @throws ConsulAccessDeniedException when the ACL token may not write the key (at the first attempt)
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout (nothing is
   *     held, as after an interrupt)
   * @throws LeaseLostException when this thread still holds a lost lease on this lock (close it first)
   */
  Lease acquire() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for the lock.
   *
   * @param timeout zero or positive
   * @return the lease; close it to release
   * @throws TimeoutException when the time ran out (nothing is held)
   * @throws InterruptedException when interrupted while waiting (nothing is held; a request on its way is
   *     released if it lands later, see the class comment)
   * @throws IllegalArgumentException when the timeout is negative
   * @throws ConsulAccessDeniedException when the ACL token may not write the key (at the first attempt)
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout (nothing is
   *     held, as after an interrupt)
   * @throws LeaseLostException when this thread still holds a lost lease on this lock (close it first)
   */
  Lease acquire(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * Takes the lock if it is free now: no waiting beyond one round trip to Consul (none when another thread
   * of this client holds it).
   *
   * @return the lease, or empty when the lock is held by someone else
   * @throws ConsulAccessDeniedException when the ACL token may not write the key
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout (nothing is
   *     held, as after an interrupt)
   * @throws CoordinationException when interrupted (the interrupt flag is kept; nothing is held, see the
   *     class comment)
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
