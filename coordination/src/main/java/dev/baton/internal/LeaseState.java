package dev.baton.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The life of one lease, as a pure state machine: HELD, then either RELEASED (closed by its owner) or LOST
 * (its session was lost, or the key was taken away). The first transition wins; loss listeners fire at most
 * once, also when added after the loss, and never after a release. Callers run the returned listeners
 * outside of any lock.
 */
public final class LeaseState {
  /** Where a lease is. */
  public enum Phase { HELD, RELEASED, LOST }

  private Phase phase = Phase.HELD;
  private List<Runnable> listeners = new ArrayList<>();
  private String lostReason;

  /** HELD to LOST. Answers the listeners to run now (empty when already released or lost). */
  public synchronized List<Runnable> lose(String reason) {
    if (phase != Phase.HELD) return List.of();
    phase = Phase.LOST;
    lostReason = reason;
    List<Runnable> fire = listeners;
    listeners = null;
    return fire;
  }

  /** HELD to RELEASED; false when it was already released or lost (then nothing remote to release). */
  public synchronized boolean release() {
    if (phase != Phase.HELD) return false;
    phase = Phase.RELEASED;
    listeners = null;
    return true;
  }

  /** Adds a loss listener; true when the lease is already lost and the caller must run it now. */
  public synchronized boolean addListener(Runnable listener) {
    switch (phase) {
      case HELD -> listeners.add(listener);
      case LOST -> {
        return true;
      }
      case RELEASED -> { /* never fires */ }
    }
    return false;
  }

  public synchronized Phase phase() {
    return phase;
  }

  /** Why the lease was lost, or null. */
  public synchronized String lostReason() {
    return lostReason;
  }
}
