package dev.baton.internal;

import dev.baton.BatonMetrics.LossReason;
import dev.baton.BatonMetrics.RenewalOutcome;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.CoordinationException;
import dev.baton.SessionListener;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.SessionSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consul session per Coordinator: created lazily, renewed every TTL/3 in the background, declared lost
 * by its {@link SessionClock} deadline or by Consul's 404, and replaced by a fresh one for the next user.
 *
 * <p>Consul calls: {@code PUT /v1/session/create} (TTL, lock-delay, behavior, checks),
 * {@code PUT /v1/session/renew/:id} every TTL/3 (sooner after a failed attempt),
 * {@code PUT /v1/session/destroy/:id} on close and, best effort, after a loss by deadline.
 *
 * <p>Two daemon threads: one renews, one fires the deadline check, so a renewal stuck in retries never
 * delays the loss announcement. Listeners run on those threads and must not block.
 */
public final class SessionKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.session");
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final int SESSION_TRIES = 3;

  /** One session: its id and its local deadline. */
  public final class Session {
    private final String id;
    private final SessionClock clock;

    private Session(String id, SessionClock clock) {
      this.id = id;
      this.clock = clock;
    }

    public String id() {
      return id;
    }

    /** True while the session is provably alive (before its local deadline, not reported gone). */
    public boolean isValid() {
      return clock.isValid(nanoTime.getAsLong());
    }

    /** The local deadline, on the {@link System#nanoTime()} scale. */
    public long deadlineNanos() {
      return clock.deadline();
    }

    @Override
    public String toString() {
      return "Session{" + id + (clock.isLost() ? ", lost" : "") + "}";
    }
  }

  /** Told that a session is lost before the listeners are (the lease registry: its leases are lost). */
  @FunctionalInterface
  interface LossHandler {
    void lost(String sessionId, LossReason reason, String detail);
  }

  /** What must be in place before a session is created (the health check it is bound to). */
  @FunctionalInterface
  interface Preparation {
    void run() throws InterruptedException;
  }

  private final ConsulTransport consul;
  private final SessionSpec spec;
  private final Preparation beforeCreate;
  private final Telemetry telemetry;
  private final LossHandler onLoss;
  private final LongSupplier nanoTime;
  /** How long a successful renewal proves the session valid: see {@link #validityWindow}. */
  private final long windowNanos;
  private final long renewEveryNanos;
  private final long retryEveryNanos;
  private final ScheduledExecutorService timers;
  private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
  private final Object createLock = new Object();
  private volatile Session current;
  private volatile boolean closed;

  SessionKeeper(ConsulTransport consul, SessionSpec spec, Preparation beforeCreate, LongSupplier nanoTime,
      Telemetry telemetry, LossHandler onLoss) {
    this.consul = Objects.requireNonNull(consul);
    this.spec = Objects.requireNonNull(spec);
    this.beforeCreate = Objects.requireNonNull(beforeCreate);
    this.telemetry = Objects.requireNonNull(telemetry);
    this.onLoss = Objects.requireNonNull(onLoss);
    this.nanoTime = Objects.requireNonNull(nanoTime);
    this.windowNanos = validityWindow(spec.ttl(), spec.lockDelay()).toNanos();
    this.renewEveryNanos = windowNanos / 3;
    this.retryEveryNanos = Math.min(renewEveryNanos, Duration.ofSeconds(1).toNanos());
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "baton-session-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    this.timers = pool;
  }

  public void addListener(SessionListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(SessionListener listener) {
    listeners.remove(listener);
  }

  /** The valid session, created now when there is none (or the last one was lost). */
  public Session current() throws InterruptedException {
    Session s = current;
    if (s != null && s.isValid()) return s;
    synchronized (createLock) {
      s = current;
      if (s != null && s.isValid()) return s;
      if (closed) throw new CoordinationException("the Coordinator is closed");
      if (s != null) lost(s, LossReason.SESSION_EXPIRED, "its local deadline passed before a renewal succeeded");
      beforeCreate.run();
      long started = nanoTime.getAsLong();
      String id = consul.sessionCreate(spec);
      Session fresh = new Session(id, new SessionClock(windowNanos, started));
      if (closed) {                      // close() raced with the create: do not leak the session
        destroyQuietly(id);
        throw new CoordinationException("the Coordinator is closed");
      }
      current = fresh;
      log.info("created Consul session {} (ttl {}, lock-delay {}{})", id, spec.ttl(), spec.lockDelay(),
          spec.checks() == null ? "" : ", checks " + spec.checks());
      scheduleDeadlineCheck(fresh);
      scheduleRenewal(fresh, renewEveryNanos);
      fire(l -> l.onSessionCreated(id));
      return fresh;
    }
  }

  /** The current session if one exists and is valid; never creates one. */
  public Session currentIfValid() {
    Session s = current;
    return s != null && s.isValid() ? s : null;
  }

  /**
   * How long after a renewal was <em>sent</em> its success proves the session valid: the TTL, or the
   * lock-delay when that is shorter (and not 0). Consul lets a session expire no earlier than TTL after a
   * renewal it saw; but it may invalidate the session at any moment (an operator, a failing health check) and
   * then lets another client acquire its keys one lock-delay later. A renewal that succeeded was applied
   * after it was sent, so an invalidation came later still: the earliest moment another client can acquire
   * is {@code sent + min(TTL, lock-delay)}, and this client gives up no later than that. With lock-delay 0
   * nothing but the TTL can be promised (fencing tokens must protect the resource).
   */
  static Duration validityWindow(Duration ttl, Duration lockDelay) {
    return lockDelay.isZero() || lockDelay.compareTo(ttl) >= 0 ? ttl : lockDelay;
  }

  /** Work done with one session. */
  @FunctionalInterface
  public interface SessionWork<T, X extends Exception> {
    T run(Session session) throws InterruptedException, X;
  }

  /** Thrown by {@link SessionWork} when its session was lost while it worked: try again with a fresh one. */
  public static final class SessionLost extends CoordinationException {
    private static final long serialVersionUID = 1L;

    public SessionLost(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code work} with {@code first}; when the session died under it (Consul answered that it is gone,
   * or the work threw {@link SessionLost}), runs it again with a fresh session, {@value #SESSION_TRIES} times
   * at most. The one place for "session died, retry with a fresh one".
   */
  public <T, X extends Exception> T withSession(Session first, SessionWork<T, X> work)
      throws InterruptedException, X {
    Session s = first;
    for (int tries = 1; ; tries++) {
      try {
        return work.run(s);
      } catch (ConsulSessionInvalidException e) {
        reportGone(s);
        if (tries == SESSION_TRIES) throw e;
      } catch (SessionLost e) {
        if (tries == SESSION_TRIES) throw e;
      }
      s = current();
    }
  }

  /** A Consul answer proved the session gone (e.g. {@code invalid session}): announce the loss now. */
  public void reportGone(Session s) {
    lost(s, LossReason.SESSION_INVALIDATED, "Consul no longer knows it (invalidated or destroyed)");
  }

  private void scheduleRenewal(Session s, long delayNanos) {
    if (closed) return;
    long due = nanoTime.getAsLong() + delayNanos;
    timers.schedule(() -> renew(s, due), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void scheduleDeadlineCheck(Session s) {
    if (closed) return;
    long delay = Math.max(0, s.clock.deadline() - nanoTime.getAsLong());
    timers.schedule(() -> {
      if (s.clock.expireIfDue(nanoTime.getAsLong())) {
        announceLoss(s, LossReason.SESSION_EXPIRED, "no renewal succeeded within "
            + Duration.ofNanos(windowNanos).toMillis() + " ms (the session TTL, or the lock-delay when shorter); "
            + "Consul may be unreachable");
      } else if (!s.clock.isLost()) {
        scheduleDeadlineCheck(s);       // renewed meanwhile: check again at the new deadline
      }
    }, delay, TimeUnit.NANOSECONDS);
  }

  /** One renewal attempt, scheduled for {@code due} (nanoTime scale). */
  private void renew(Session s, long due) {
    if (closed || s.clock.isLost()) return;
    long started = nanoTime.getAsLong();
    long timeLeft = s.clock.deadline() - started;
    try {
      boolean known = consul.sessionRenew(s.id).isPresent();
      long answered = nanoTime.getAsLong();
      boolean valid = known && s.clock.renewed(started, answered);
      telemetry.renewal(s.id, !known ? RenewalOutcome.SESSION_GONE : valid ? RenewalOutcome.RENEWED
          : RenewalOutcome.TOO_LATE, started - due, answered - started, timeLeft);
      if (!known) {
        if (s.clock.markLost()) {
          announceLoss(s, LossReason.SESSION_INVALIDATED, "Consul no longer knows it (invalidated or destroyed)");
        }
      } else if (valid) {
        fire(l -> l.onSessionRenewed(s.id));
        scheduleRenewal(s, renewEveryNanos);
      } else if (s.clock.markLost()) {
        announceLoss(s, LossReason.SESSION_EXPIRED, "the renewal answered after the local deadline");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();    // executor shutting down
    } catch (RuntimeException e) {
      if (closed) return;
      telemetry.renewal(s.id, RenewalOutcome.FAILED, started - due, nanoTime.getAsLong() - started, timeLeft);
      log.debug("renewing session {} failed, retrying: {}", s.id, e.toString());
      scheduleRenewal(s, retryEveryNanos);
    }
  }

  private void lost(Session s, LossReason reason, String detail) {
    if (s.clock.markLost()) announceLoss(s, reason, detail);
  }

  private void announceLoss(Session s, LossReason reason, String detail) {
    telemetry.sessionLost(s.id, reason, detail);   // the WARN line, the JFR event, the metric
    onLoss.lost(s.id, reason, detail);
    fire(l -> l.onSessionLost(s.id, detail));
    if (!closed) {
      // After a loss by deadline Consul may still hold the session: destroy it so its keys free sooner.
      timers.execute(() -> destroyQuietly(s.id));
    }
  }

  private void destroyQuietly(String id) {
    try {
      consul.sessionDestroy(id);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("could not destroy session {} (it expires by itself): {}", id, e.toString());
    }
  }

  private void fire(java.util.function.Consumer<SessionListener> event) {
    for (SessionListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        log.error("session listener {} threw", l, e);
      }
    }
  }

  /** Stops renewing, tells listeners the session is gone and destroys it in Consul. Idempotent. */
  @Override
  public void close() {
    Session s;
    synchronized (createLock) {
      if (closed) return;
      closed = true;
      s = current;
    }
    timers.shutdownNow();
    if (s != null) {
      if (s.clock.markLost()) {
        onLoss.lost(s.id, LossReason.CLOSED, "the Coordinator was closed");
        fire(l -> l.onSessionLost(s.id, "the Coordinator was closed"));
      }
      destroyQuietly(s.id);
    }
  }
}
