package dev.baton;

import java.util.List;

/**
 * A read-write lock shared by every process that uses the same name: any number of readers at once, or one
 * writer alone. Obtain it from {@link Coordinator#readWriteLock(String)}; cheap to create, thread-safe.
 *
 * <pre>{@code
 * DistributedReadWriteLock catalog = coordinator.readWriteLock("catalog");
 * try (Lease read = catalog.readLock().acquire(Duration.ofSeconds(10))) {
 *   render(store.read(read.fencingToken()));
 * }
 * try (Lease write = catalog.writeLock().acquire(Duration.ofSeconds(10))) {
 *   store.write(update, write.fencingToken());
 * }
 * }</pre>
 *
 * <p><b>Order.</b> Contenders that cannot enter at once queue in Consul in registration order. A writer
 * enters when nobody holds and nobody is queued ahead of it; a reader enters when no writer holds and no
 * writer is queued ahead of it. So writers never starve: once a writer is queued, readers that come later
 * wait behind it, however many readers keep arriving. Readers never starve either: a waiting reader waits at
 * most for the writer that held the lock when it queued and the writers queued before it (each one hold),
 * and readers queued before a writer enter before it. A queued contender whose client dies leaves the queue
 * when Consul invalidates its session; a queued contender whose client is alive but stalled (frozen, cut
 * off) holds its place until its session ends.
 *
 * <p><b>Leases.</b> Both sides hand out {@link Lease}s: loss signalling as for a {@link DistributedLock}, and
 * a fencing token that grows strictly across every read and write acquisition of this lock, in all clients
 * (the Raft index of the write that admitted it). Every hold is its own Consul key, below
 * {@code key() + "/"}, held with the client's session ({@link Lease#key()} names it); the record of holders
 * and queue is {@code key() + "/.rwlock"}.
 *
 * <p><b>One thread.</b> Reentrant per thread and mode: the same thread acquiring the same side again gets
 * another lease on the same hold (same token), released in Consul when its last lease is closed.
 * <em>Downgrade</em> is allowed: a thread holding the write lock acquires the read lock at once (it does not
 * wait for the queue), may then close the write lease and keeps reading. <em>Upgrade</em> is refused: a
 * thread that holds the read lock but not the write lock and asks for the write lock gets an
 * {@link IllegalStateException} at once (two upgrading readers would wait for each other forever). These
 * rules hold for all objects of the same name in one {@link Coordinator}; threads of one Coordinator
 * otherwise contend like different clients (two of its threads may read at once).
 *
 * <p><b>Nothing stays held after a failed acquisition.</b> An acquisition that ends with an exception
 * (interrupt, timeout, Consul error) removes its key and its queue entry before it returns; a request whose
 * answer never arrived and that lands later is removed within moments (watched for 60 seconds; after that
 * the session's end frees it). If Consul cannot be told at all, the hold or queue entry is removed within
 * moments of Consul answering again (watched for 60 seconds), and in any case it counts for nothing once this
 * client's session ends (Consul ends a session at most twice its TTL after its last renewal). Releases are
 * tied to their hold: a late or repeated release never frees a later hold. Caveat: every hold is a fresh
 * key, so Consul's lock-delay does not protect a hold after a forced session invalidation; fence writes with
 * the token when that matters.
 */
public interface DistributedReadWriteLock {

  /** {@return the Consul key of this lock (with the Coordinator's key prefix); its keys live below it} */
  String key();

  /**
   * The read side: shared with other readers, excluded by a writer. {@link DistributedLock#holder()} answers
   * one of the readers (the earliest admitted).
   *
   * @return the read lock (the same object on every call)
   */
  DistributedLock readLock();

  /**
   * The write side: excludes readers and writers. Its {@code acquire} and {@code tryAcquire} methods throw
   * {@link IllegalStateException} at once, without asking Consul, when the calling thread holds the read lock
   * and not the write lock (upgrade).
   *
   * @return the write lock (the same object on every call)
   */
  DistributedLock writeLock();

  /**
   * Who holds the read lock now, read from Consul (one GET of the lock's keys).
   *
   * @return the readers, by fencing token; empty when nobody reads
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  List<LockHolder> readers();
}
