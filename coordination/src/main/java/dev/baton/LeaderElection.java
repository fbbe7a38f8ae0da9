package dev.baton;

import java.time.Duration;
import java.util.Optional;

/**
 * Leader election among the candidates that use the same name: at most one leader at a time, with a fencing
 * token per term. Obtain it from {@link Coordinator#election(String, String)}, register listeners, then
 * {@link #start()}. Followers wait in Consul blocking queries, in arrival order (a resigning leader queues
 * up behind the others).
 *
 * <p>Thread-safe. Each election runs one daemon thread while started; listeners are called on it, and only on
 * it, one callback at a time.
 *
 * <p>An ACL denial ({@link ConsulAccessDeniedException}: the token may not write the election's keys) is not
 * retried: the candidate stops taking part, and {@link #awaitLeadership} and {@link #isLeader} throw the
 * denial until {@link #start()} is called again. Other failures to take part (Consul unreachable, the session
 * lost) are logged and retried every second.
 *
 * <pre>{@code
 * try (LeaderElection election = coordinator.election("billing/leader", "node-7")) {
 *   election.addListener(new LeadershipListener() {
 *     public void onElected(long token) { startWork(token); }
 *     public void onRevoked() { stopWork(); }
 *   });
 *   election.start();
 *   ...
 * }
 * }</pre>
 */
public interface LeaderElection extends AutoCloseable {

  /** {@return the election's Consul key (with the Coordinator's key prefix)} */
  String key();

  /** {@return this candidate's id} */
  String candidateId();

  /**
   * Becomes a candidate (idempotent). Returns at once; leadership is announced to listeners. After the
   * candidate stopped on an ACL denial, takes part again.
   *
   * @throws CoordinationException when the election was closed
   */
  void start();

  /**
   * Whether this candidate leads now. No network call.
   *
   * @return true while this candidate is leader and its lease is provably held
   * @throws ConsulAccessDeniedException when the candidate stopped because Consul denied it access
   */
  boolean isLeader();

  /**
   * Waits until this candidate is leader (and its listeners have heard {@code onElected}).
   *
   * @param timeout how long to wait at most
   * @return true when leader; false when {@code timeout} passed first or the election is closed
   * @throws InterruptedException when interrupted while waiting
   * @throws ConsulAccessDeniedException when Consul denied the candidate access (e.g. a token that may read
   *     the election's keys but not write them): the candidate stopped taking part
   */
  boolean awaitLeadership(Duration timeout) throws InterruptedException;

  /**
   * The current leader as stored in Consul, for anybody, candidate or not (one GET).
   *
   * @return the leader, or empty when there is none
   * @throws ConsulException when Consul refuses or stays unreachable beyond the operation timeout
   */
  Optional<LeaderInfo> currentLeader();

  /**
   * Adds a listener and returns at once. If this candidate is leader now, the listener hears {@code onElected}
   * of the running term soon, from the election's thread (before any {@code onRevoked} of that term, and
   * before {@link #awaitLeadership} returns true again). Add listeners before {@link #start()} to hear every
   * term.
   *
   * @param listener the listener; what it throws is logged
   * @throws IllegalArgumentException when it is null
   */
  void addListener(LeadershipListener listener);

  /**
   * Gives leadership up (if leader) and stays a candidate, queued behind the other candidates. Returns at
   * once; {@link LeadershipListener#onRevoked()} follows on the election's thread.
   */
  void resign();

  /** Leaves the election: revokes leadership if held, releases, stops the election thread. Idempotent. */
  @Override
  void close();
}
