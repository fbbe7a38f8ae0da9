package dev.baton.internal;

import dev.baton.Lease;
import dev.baton.LeaseLostException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One {@link Lease} handed to the application; several handles may share one remote hold (reentrancy). */
final class LeaseHandle implements Lease {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.lease");

  /** What closing a handle does (release one hold; the last one releases in Consul). */
  interface Release {
    void release();
  }

  private final String key;
  private final long token;
  private final LeaseState state;
  private final SessionKeeper.Session session;
  private final Release release;
  private final Telemetry.Subject telemetry;
  private final long since = System.nanoTime();
  private final AtomicBoolean closed = new AtomicBoolean();

  LeaseHandle(String key, long token, LeaseState state, SessionKeeper.Session session, Release release,
      Telemetry.Subject telemetry) {
    this.key = key;
    this.token = token;
    this.state = state;
    this.session = session;
    this.release = release;
    this.telemetry = telemetry;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public long fencingToken() {
    return token;
  }

  @Override
  public boolean isHeld() {
    return !closed.get() && state.phase() == LeaseState.Phase.HELD && session.isValid();
  }

  @Override
  public void ensureHeld() {
    if (isHeld()) return;
    String reason;
    if (closed.get()) {
      reason = "the lease was closed";
    } else if (state.lostReason() != null) {
      reason = state.lostReason();
    } else if (state.phase() == LeaseState.Phase.RELEASED) {
      reason = "the lease was released (the Coordinator was closed)";
    } else {
      reason = "session " + session.id() + " could not be proven alive within its TTL";
    }
    throw new LeaseLostException(key, reason);
  }

  @Override
  public void onLost(Runnable listener) {
    if (listener == null) throw new IllegalArgumentException("listener must not be null");
    if (state.addListener(listener)) run(key, listener);
  }

  static void run(String key, Runnable listener) {
    try {
      listener.run();
    } catch (RuntimeException e) {
      log.error("onLost listener of the lease on {} threw", key, e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    boolean held = state.phase() == LeaseState.Phase.HELD;   // a lost lease was reported as lost
    try {
      release.release();
    } finally {
      if (held) telemetry.released(token, since);
    }
  }

  @Override
  public String toString() {
    return "Lease{key=" + key + ", token=" + token + ", " + (isHeld() ? "held" : "not held") + "}";
  }
}
