package dev.baton.internal;

/**
 * The local safety deadline of one Consul session, as a pure state machine (no clock reads, no I/O).
 *
 * <p>A session is valid while {@code now < lastRenewStartedAt + window}, where the window is the shorter of
 * the TTL and the lock-delay ({@code SessionKeeper.validityWindow}). Consul never lets a session expire
 * earlier than TTL after it last saw a renewal, and after a forced invalidation (an operator, a failed health
 * check) keeps its keys from others for the lock-delay; a renewal that succeeded reached Consul after this
 * process sent it, so a client that gives up at the deadline gives up before anyone else can acquire.
 *
 * <p>Lost is final: once anybody observed the session invalid (a validity check past the deadline, a 404 on
 * renew, the owner closing), a renewal answer that arrives later never makes it valid again. The loss is
 * <em>announced</em> exactly once: {@link #expireIfDue} and {@link #markLost} return true to the one caller
 * that must tell the listeners.
 *
 * <p>Thread-safe; times are {@link System#nanoTime()}-style readings passed in by the caller.
 */
public final class SessionClock {
  private final long ttlNanos;
  private long deadline;
  private boolean lost;
  private boolean announced;

  /** A session whose creation request was sent at {@code createStartedAt}. */
  public SessionClock(long ttlNanos, long createStartedAt) {
    if (ttlNanos <= 0) throw new IllegalArgumentException("ttlNanos must be positive: " + ttlNanos);
    this.ttlNanos = ttlNanos;
    this.deadline = createStartedAt + ttlNanos;
  }

  /**
   * A renewal sent at {@code renewStartedAt} succeeded and its answer arrived at {@code now}. Extends the
   * deadline unless the session is already lost or the deadline passed meanwhile (then it is lost now).
   *
   * @return true when the session is still valid (deadline extended)
   */
  public synchronized boolean renewed(long renewStartedAt, long now) {
    if (observe(now)) return false;
    long candidate = renewStartedAt + ttlNanos;
    if (candidate - deadline > 0) deadline = candidate;
    return true;
  }

  /** When {@code now} is at or past the deadline the session is lost; true only to the first announcer. */
  public synchronized boolean expireIfDue(long now) {
    return observe(now) && claimAnnouncement();
  }

  /** Marks the session lost (Consul said it is gone, or the owner closed); true only to the first announcer. */
  public synchronized boolean markLost() {
    lost = true;
    return claimAnnouncement();
  }

  /** Valid: not lost and before the deadline. Observing the deadline passed makes the loss final. */
  public synchronized boolean isValid(long now) {
    return !observe(now);
  }

  public synchronized boolean isLost() {
    return lost;
  }

  /** The current deadline (nanoTime scale). */
  public synchronized long deadline() {
    return deadline;
  }

  private boolean observe(long now) {
    if (!lost && now - deadline >= 0) lost = true;
    return lost;
  }

  private boolean claimAnnouncement() {
    if (announced) return false;
    announced = true;
    return true;
  }
}
