package dev.baton;

import java.time.Duration;
import java.util.Optional;

/**
 * Leader election among the candidates that use the same name: at most one leader at a time, with a fencing
 * token per term. Obtain it from {@link Coordinator#election(String, String)}, register listeners, then
 * {@link #start()}. Followers wait in Consul blocking queries, in arrival order (a resigning leader queues
 * up behind the others).
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

  /** The election's Consul key. */
  String key();

  /** This candidate's id. */
  String candidateId();

  /** Becomes a candidate (idempotent). Returns at once; leadership is announced to listeners. */
  void start();

  /** True while this candidate is leader and its lease is provably held. No network call. */
  boolean isLeader();

  /**
   * Waits until this candidate is leader (and its listeners have heard {@code onElected}).
   *
   * @return false when {@code timeout} passed first
   */
  boolean awaitLeadership(Duration timeout) throws InterruptedException;

  /** The current leader as stored in Consul (for anybody, candidate or not); empty when there is none. */
  Optional<LeaderInfo> currentLeader();

  /** Adds a listener; if this candidate is leader now, it hears {@code onElected} at once. */
  void addListener(LeadershipListener listener);

  /** Gives leadership up (if leader) and stays a candidate, queued behind the other candidates. */
  void resign();

  /** Leaves the election: revokes leadership if held, releases, stops the election thread. Idempotent. */
  @Override
  void close();
}
