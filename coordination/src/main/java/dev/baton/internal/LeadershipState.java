package dev.baton.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Leadership terms of one candidate and what each of its listeners was told, as a pure state machine (no I/O,
 * no clock): follower, leader of term T, follower, ... {@link #elected} and {@link #revoked} answer whether the
 * transition happened, so each is announced exactly once. {@link #pending} answers the callbacks that bring
 * every listener up to date with the current term, in order, and counts them as told: one thread (the
 * election's) asks for them and delivers them, so every listener hears strictly alternating callbacks, one at
 * a time, and once they are delivered its last one matches the current term — also a listener added while
 * leading (it hears {@code onElected} of the running term) or while a term ends (it hears nothing of it).
 *
 * @param <L> the listener type
 */
public final class LeadershipState<L> {
  /** One callback to deliver: {@code onElected(term)} when {@code term != 0}, else {@code onRevoked()}. */
  public record Callback<L>(L listener, long term) {
    /** {@return true for onElected, false for onRevoked} */
    public boolean elected() {
      return term != 0;
    }
  }

  /** A listener (once per registration) and the term it was last told: 0 before any or after onRevoked. */
  private static final class Told<L> {
    final L listener;
    long term;

    Told(L listener) {
      this.listener = listener;
    }
  }

  private final List<Told<L>> listeners = new ArrayList<>();
  private long term;          // fencing token of the current term, 0 when follower
  private long lastTerm;
  private boolean delivering; // callbacks handed out by pending() and not yet delivered()

  /** Registers a listener; it has been told nothing yet (so it is up to date while follower). */
  public synchronized void add(L listener) {
    listeners.add(new Told<>(listener));
  }

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

  /**
   * The callbacks that bring every listener up to date with the current term, in delivery order, counted as
   * told: to a listener told another term, {@code onRevoked}; then, while leader, {@code onElected(term)} to
   * every listener not told this term. The caller delivers them all, then calls {@link #delivered()}.
   */
  public synchronized List<Callback<L>> pending() {
    List<Callback<L>> out = new ArrayList<>();
    for (Told<L> t : listeners) {
      if (t.term == term) continue;
      if (t.term != 0) out.add(new Callback<>(t.listener, 0));
      if (term != 0) out.add(new Callback<>(t.listener, term));
      t.term = term;
    }
    delivering |= !out.isEmpty();
    return out;
  }

  /** The callbacks of the last {@link #pending()} have been delivered. */
  public synchronized void delivered() {
    delivering = false;
  }

  /** {@return true when a listener has not been told the current term (e.g. one added while leading)} */
  public synchronized boolean outdated() {
    for (Told<L> t : listeners) {
      if (t.term != term) return true;
    }
    return false;
  }

  /** {@return true while leader and every listener has heard {@code onElected} of this term} */
  public synchronized boolean announced() {
    return term != 0 && !delivering && !outdated();
  }
}
