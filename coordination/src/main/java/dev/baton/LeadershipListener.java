package dev.baton;

/**
 * Hears about leadership terms of one {@link LeaderElection}. Calls alternate strictly: onElected, onRevoked,
 * onElected, ... and come from the election's own thread, one at a time.
 */
public interface LeadershipListener {
  /** This candidate became leader; {@code fencingToken} identifies the term (larger for every later term). */
  void onElected(long fencingToken);

  /**
   * Leadership ended (session lost, {@link LeaderElection#resign()} or {@link LeaderElection#close()}). On a
   * resign or close this is called <em>before</em> the lock is released, so work stopped here cannot overlap
   * with the next leader's. Stop acting as leader before returning.
   */
  void onRevoked();
}
