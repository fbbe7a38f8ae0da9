package dev.baton;

import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Receives Baton's measurements, for a metrics library of your choice: set it with
 * {@link Coordinator.Builder#metrics(BatonMetrics)}. Every method has an empty default, so an implementation
 * overrides what it records. Methods are called on Baton's and the application's threads, synchronously:
 * they must be cheap, thread-safe and must not block. What they throw is logged (logger
 * {@code dev.baton.metrics}) and dropped; it never reaches Baton's callers.
 *
 * <p>Arguments that make good metric tags come from small fixed sets ({@link Primitive}, {@link LossReason},
 * {@link RenewalOutcome}, {@code endpoint}, {@code method}); keys are the application's names (one per lock,
 * semaphore or election, not per acquisition); free text ({@code detail}) is for logs, not tags.
 *
 * <p>The README's "Metrics and JFR" section has a bridge to Micrometer.
 */
public interface BatonMetrics {

  /** Records nothing (the default). */
  BatonMetrics NONE = new BatonMetrics() {};

  /** What was acquired, held or lost. */
  enum Primitive {
    /** A {@link DistributedLock}. */
    LOCK,
    /** A permit of a {@link DistributedSemaphore}. */
    SEMAPHORE,
    /** The lock behind a {@link LeaderElection} (and a {@link LeaderJob}): acquiring it is being elected. */
    ELECTION,
    /** The read or the write lock of a {@link DistributedReadWriteLock} (the key is the read-write lock's). */
    READ_WRITE_LOCK
  }

  /** Why a lease (or the session) was lost: a small fixed set, fit for a metric tag. */
  enum LossReason {
    /** No renewal succeeded within the session TTL (the local safety deadline passed). */
    SESSION_EXPIRED,
    /** Consul no longer knows the session: destroyed by an operator, invalidated by a failed health check. */
    SESSION_INVALIDATED,
    /** The held key was deleted (e.g. {@code consul kv delete}). */
    KEY_DELETED,
    /** The held key was released by someone else. */
    KEY_RELEASED,
    /** The held key is now held by another session. */
    KEY_TAKEN,
    /** The Coordinator was closed while the lease was still held. */
    CLOSED
  }

  /** How one session renewal ended. */
  enum RenewalOutcome {
    /** Consul renewed the session; the local deadline moved forward. */
    RENEWED,
    /** The request failed (I/O error, timeout, 5xx); it is tried again sooner. */
    FAILED,
    /** Consul answered that the session no longer exists: it is lost. */
    SESSION_GONE,
    /** Consul renewed it, but the answer came after the local deadline: it is lost anyway. */
    TOO_LATE
  }

  /**
   * One HTTP request to Consul (each retry counts), on the thread that made it, before the request's result
   * reaches Baton's code. Errors: {@code status} 0 (no answer: I/O error, timeout, interrupt) or 400 and
   * above. Some of those are ordinary answers rather than failures: 404 from {@code kv} (the key does not
   * exist, e.g. a waiter sees a released lock deleted) and 409 from {@code txn} (a lock attempt refused
   * because the key is held); count 0 and 5xx when you want "Consul is in trouble".
   *
   * @param method the HTTP method
   * @param endpoint the API path without keys, ids and query: {@code kv}, {@code txn}, {@code session/renew},
   *     {@code session/create}, ...
   * @param status the HTTP status, or 0 when no answer arrived (I/O error, timeout, interrupt)
   * @param elapsed from sending the request to its answer
   */
  default void httpCall(String method, String endpoint, int status, Duration elapsed) {}

  /**
   * A lock, a semaphore permit or an election's lock was acquired (also a reentrant acquisition, and a hold
   * handed over by another thread of this Coordinator), on the acquiring thread.
   *
   * @param primitive what was acquired
   * @param key the lock's or election's key, or the semaphore's key (without a contender suffix)
   * @param waited from the call to {@code acquire} (or the candidate's start) to the grant
   */
  default void acquired(Primitive primitive, String key, Duration waited) {}

  /**
   * A lease was closed while still held, on the closing thread (not called for a lease that was lost: see
   * {@link #leaseLost}).
   *
   * @param primitive what was held
   * @param key as in {@link #acquired}
   * @param held from the grant to the close
   */
  default void released(Primitive primitive, String key, Duration held) {}

  /**
   * A lease was lost: its session was lost, or its key was deleted or taken over. Called once per remote
   * hold (reentrant leases on one hold count once), on Baton's session or monitor thread.
   *
   * @param primitive what was held
   * @param key as in {@link #acquired}
   * @param reason why, one of a small fixed set
   * @param detail a human-readable explanation, for logs (not a tag)
   */
  default void leaseLost(Primitive primitive, String key, LossReason reason, String detail) {}

  /**
   * One attempt to renew the session, on Baton's session thread.
   *
   * @param outcome how it ended
   * @param lag how late the attempt started compared with its schedule (thread or GC pauses show here)
   * @param elapsed how long the request took
   */
  default void sessionRenewal(RenewalOutcome outcome, Duration lag, Duration elapsed) {}

  /**
   * The Coordinator's session was lost (every lease held with it is lost, each reported by
   * {@link #leaseLost}); the next use creates a new one. Not called when the Coordinator is closed.
   *
   * @param reason {@link LossReason#SESSION_EXPIRED} or {@link LossReason#SESSION_INVALIDATED}
   * @param detail a human-readable explanation, for logs (not a tag)
   */
  default void sessionLost(LossReason reason, String detail) {}

  /**
   * This process became the leader of an election, on the election's thread, before the
   * {@link LeadershipListener}s hear it.
   *
   * @param key the election's key
   * @param candidateId this process's candidate id
   * @param term the term's fencing token
   */
  default void elected(String key, String candidateId, long term) {}

  /**
   * This process stopped being the leader of an election (resigned, closed, or its lease was lost), on the
   * election's thread, before the {@link LeadershipListener}s hear it.
   *
   * @param key the election's key
   * @param candidateId this process's candidate id
   * @param led how long this process was the leader
   */
  default void revoked(String key, String candidateId, Duration led) {}

  /**
   * Called once, when the Coordinator is built, with a live count of open HTTP connections to Consul (idle
   * and in use; each waiting blocking query holds one). Register it as a gauge; it reads the connection pool
   * on each call and answers 0 once the Coordinator is closed. Consul limits connections per client address
   * (200 by default, shared by every process on the host).
   *
   * @param openConnections answers the current number of open connections; cheap, thread-safe
   */
  default void openConnections(IntSupplier openConnections) {}
}
