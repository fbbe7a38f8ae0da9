package dev.baton.internal;

/**
 * Leadership terms of one candidate, as a pure state machine: follower, leader of term T, follower, ...
 * {@link #elected} and {@link #revoked} answer whether the transition happened, so the caller announces each
 * exactly once and announcements strictly alternate.
 */
public final class LeadershipState {
  private long term;          // fencing token of the current term, 0 when follower
  private long lastTerm;

  /** Follower to leader of the term with {@code token}; false when already leader or the token is stale. */
  public synchronized boolean elected(long token) {
    if (term != 0 || token <= lastTerm) return false;
    term = token;
    lastTerm = token;
    return true;
  }

  /** Leader to follower; false when not leader. */
  public synchronized boolean revoked() {
    if (term == 0) return false;
    term = 0;
    return true;
  }

  /** The current term's token, 0 when follower. */
  public synchronized long term() {
    return term;
  }
}
