package dev.baton;

/**
 * Hears about leadership terms of one {@link LeaderElection}. Calls alternate strictly: onElected, onRevoked,
 * onElected, ... and come from the election's own thread only, one at a time (also the {@code onElected} a
 * listener added during a term hears), so the last call a listener heard matches whether the candidate leads.
 * What a listener throws is logged.
 */
public interface LeadershipListener {
  /**
   * This candidate became leader. Start acting as leader; return soon, the election waits for it.
   *
   * @param fencingToken identifies the term (larger for every later term); pass it with every write
   */
  void onElected(long fencingToken);

  /**
   * Leadership ended (session lost, {@link LeaderElection#resign()} or {@link LeaderElection#close()}). On a
   * resign or close this is called <em>before</em> the lock is released, so work stopped here cannot overlap
   * with the next leader's. Stop acting as leader before returning.
   */
  void onRevoked();
}
