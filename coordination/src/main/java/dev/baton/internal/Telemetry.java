package dev.baton.internal;

import dev.baton.BatonMetrics;
import dev.baton.BatonMetrics.LossReason;
import dev.baton.BatonMetrics.Primitive;
import dev.baton.BatonMetrics.RenewalOutcome;
import dev.baton.Lease;
import dev.baton.internal.consul.CallObserver;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators see, in one place: the primitives report each state change here once, and this writes the
 * log line, the JFR event ({@link JfrEvents}) and the {@link BatonMetrics} call. One per Coordinator, held by
 * the {@link BatonRuntime}; each primitive instance reports through its {@link Subject}.
 *
 * <p>Nothing is built unless someone listens: a JFR event only while the flight recorder records it, a
 * metrics call only when an implementation was configured, a DEBUG line only when enabled. What a
 * {@link BatonMetrics} implementation throws is logged and dropped.
 *
 * <p>Logger names (documented in the README): {@code dev.baton.lock}, {@code dev.baton.semaphore},
 * {@code dev.baton.election}, {@code dev.baton.rwlock} (state changes of each primitive), {@code dev.baton.session},
 * {@code dev.baton.metrics} (a metrics implementation that threw).
 */
final class Telemetry implements CallObserver {
  private static final Logger METRICS_LOG = LoggerFactory.getLogger("dev.baton.metrics");
  private static final Logger LOCK_LOG = LoggerFactory.getLogger("dev.baton.lock");
  private static final Logger SEMAPHORE_LOG = LoggerFactory.getLogger("dev.baton.semaphore");
  private static final Logger ELECTION_LOG = LoggerFactory.getLogger("dev.baton.election");
  private static final Logger READ_WRITE_LOG = LoggerFactory.getLogger("dev.baton.rwlock");
  private static final Logger SESSION_LOG = LoggerFactory.getLogger("dev.baton.session");
  /** A runtime image without the {@code jdk.jfr} module (jlink) records nothing and loads no JFR class. */
  private static final boolean JFR = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

  /** What a blocking query waited on (the {@code watch} field of {@code dev.baton.WatchWakeup}). */
  enum Watch {
    /** A lock waiter: the lock's key, until it is free. */
    KEY("key"),
    /** A lock waiter sleeping out Consul's lock-delay in a short blocking query on the key. */
    LOCK_DELAY("lock-delay"),
    /** A fair-lock (election) waiter reading the queue. */
    QUEUE("queue"),
    /** A fair-lock (election) waiter: its predecessor's queue entry, until it is gone. */
    PREDECESSOR("predecessor"),
    /** A semaphore waiter: the semaphore's prefix, until a permit may be free. */
    PERMITS("permits"),
    /** A read-write lock waiter: the lock's prefix, until it may enter. */
    READ_WRITE("read-write"),
    /** The held-key monitor: a held key, until it is deleted or taken over. */
    HELD_KEY("held-key");

    final String label;

    Watch(String label) {
      this.label = label;
    }
  }

  /** HTTP calls and acquiring writes of the acquisition running on a thread (counted only for JFR). */
  private static final class Counts {
    int calls;
    int attempts;
  }

  private final BatonMetrics metrics;                   // null: none configured
  private final ThreadLocal<Counts> onThread = ThreadLocal.withInitial(Counts::new);
  private final AtomicBoolean warnedOnce = new AtomicBoolean();

  Telemetry(BatonMetrics metrics) {
    this.metrics = metrics == null || metrics == BatonMetrics.NONE ? null : metrics;
  }

  /** The reporter of one primitive instance. */
  Subject subject(Primitive primitive, String key, int permits) {
    return new Subject(primitive, key, permits);
  }

  // ------------------------------------------------------------------------------------------ HTTP

  /** Every HTTP request, on the thread that made it: the metrics call, and the acquisition's counts. */
  @Override
  public void onCall(String method, String endpoint, int status, long nanos) {
    if (metrics != null) {
      try {
        metrics.httpCall(method, endpoint, status, Duration.ofNanos(nanos));
      } catch (Throwable t) {
        dropped("httpCall", t);
      }
    }
    if (JFR && JfrEvents.countingAcquisitions()) {
      Counts c = onThread.get();
      c.calls++;
      if ("txn".equals(endpoint)) c.attempts++;       // the acquiring writes: txn lock, txn cas
    }
  }

  /** Hands the live connection count to the metrics implementation (once, at build). */
  void openConnections(IntSupplier count) {
    if (metrics == null) return;
    try {
      metrics.openConnections(count);
    } catch (Throwable t) {
      dropped("openConnections", t);
    }
  }

  // ------------------------------------------------------------------------------------------ sessions

  /** One renewal attempt ended (times in nanoseconds). */
  void renewal(String session, RenewalOutcome outcome, long lag, long roundTrip, long timeLeft) {
    lag = Math.max(0, lag);
    if (JFR) JfrEvents.sessionRenewal(session, outcome.name(), lag, roundTrip, timeLeft);
    if (metrics == null) return;
    try {
      metrics.sessionRenewal(outcome, Duration.ofNanos(lag), Duration.ofNanos(roundTrip));
    } catch (Throwable t) {
      dropped("sessionRenewal", t);
    }
  }

  /** The session was lost (not by closing): the WARN line, the event, the metric. */
  void sessionLost(String session, LossReason reason, String detail) {
    SESSION_LOG.warn("Consul session {} lost: {}; leases held with it are no longer valid", session, detail);
    if (JFR) JfrEvents.sessionLost(session, reason.name(), detail);
    if (metrics == null) return;
    try {
      metrics.sessionLost(reason, detail);
    } catch (Throwable t) {
      dropped("sessionLost", t);
    }
  }

  // ------------------------------------------------------------------------------------------ elections

  void elected(String key, String candidate, long term) {
    ELECTION_LOG.info("election {}: {} is leader (term {})", key, candidate, term);
    if (JFR) JfrEvents.leaderElected(key, candidate, term);
    if (metrics == null) return;
    try {
      metrics.elected(key, candidate, term);
    } catch (Throwable t) {
      dropped("elected", t);
    }
  }

  /** Leadership of {@code term} ended; {@code electedAt} is the {@link System#nanoTime()} of the election. */
  void revoked(String key, String candidate, long term, String cause, long electedAt) {
    long led = System.nanoTime() - electedAt;
    ELECTION_LOG.info("election {}: {} is no longer leader ({}, term {})", key, candidate, cause, term);
    if (JFR) JfrEvents.leaderRevoked(key, candidate, term, cause, led);
    if (metrics == null) return;
    try {
      metrics.revoked(key, candidate, Duration.ofNanos(led));
    } catch (Throwable t) {
      dropped("revoked", t);
    }
  }

  // ------------------------------------------------------------------------------------------ plumbing

  private void dropped(String method, Throwable t) {
    if (t instanceof VirtualMachineError e) throw e;
    if (warnedOnce.compareAndSet(false, true)) {
      METRICS_LOG.warn("BatonMetrics.{} threw; ignored (further failures are logged at DEBUG)", method, t);
    } else {
      METRICS_LOG.debug("BatonMetrics.{} threw; ignored", method, t);
    }
  }

  private static Logger logOf(Primitive primitive) {
    return switch (primitive) {
      case LOCK -> LOCK_LOG;
      case SEMAPHORE -> SEMAPHORE_LOG;
      case ELECTION -> ELECTION_LOG;
      case READ_WRITE_LOCK -> READ_WRITE_LOG;
    };
  }

  /**
   * The reporter of one lock, semaphore or election: what it reports is tagged with its kind and key (for a
   * semaphore the semaphore's key, not the contender key of one permit).
   */
  final class Subject {
    private final Primitive primitive;
    private final String key;
    private final int permits;
    private final String kind;
    private final Logger log;

    private Subject(Primitive primitive, String key, int permits) {
      this.primitive = primitive;
      this.key = key;
      this.permits = permits;
      this.kind = primitive.name().toLowerCase(java.util.Locale.ROOT);
      this.log = logOf(primitive);
    }

    /** An acquisition starts on this thread: answers its start time, for {@link #acquired}. */
    long acquiring() {
      if (JFR && JfrEvents.countingAcquisitions()) {
        Counts c = onThread.get();
        c.calls = 0;
        c.attempts = 0;
      }
      return System.nanoTime();
    }

    /** The acquisition that started at {@code started} (on this thread) produced {@code lease}. */
    void acquired(Lease lease, long started) {
      long waited = System.nanoTime() - started;
      if (JFR && JfrEvents.countingAcquisitions()) {
        Counts c = onThread.get();
        if (primitive == Primitive.SEMAPHORE) {
          JfrEvents.semaphoreAcquire(key, lease.key(), permits, waited, c.attempts, c.calls, lease.fencingToken());
        } else {
          JfrEvents.lockAcquire(kind, key, waited, c.attempts, c.calls, lease.fencingToken());
        }
      }
      if (log.isDebugEnabled()) {
        log.debug("acquired {} (fencing token {}, waited {} ms)", lease.key(), lease.fencingToken(),
            waited / 1_000_000);
      }
      if (metrics == null) return;
      try {
        metrics.acquired(primitive, key, Duration.ofNanos(waited));
      } catch (Throwable t) {
        dropped("acquired", t);
      }
    }

    /** A lease granted at {@code since} ({@link System#nanoTime()}) was closed while held. */
    void released(long token, long since) {
      long held = System.nanoTime() - since;
      if (JFR) JfrEvents.leaseHold(kind, key, held, token);
      if (log.isDebugEnabled()) log.debug("released {} (fencing token {}, held {} ms)", key, token, held / 1_000_000);
      if (metrics == null) return;
      try {
        metrics.released(primitive, key, Duration.ofNanos(held));
      } catch (Throwable t) {
        dropped("released", t);
      }
    }

    /** The hold with {@code token} was lost (reported once per hold). */
    void lost(long token, LossReason reason, String detail) {
      log.info("{} {}: lease lost ({}, token {}): {}", kind, key, reason, token, detail);
      if (JFR) JfrEvents.leaseLost(kind, key, reason.name(), detail, token);
      if (metrics == null) return;
      try {
        metrics.leaseLost(primitive, key, reason, detail);
      } catch (Throwable t) {
        dropped("leaseLost", t);
      }
    }

    /**
     * A blocking query on {@code watched} from {@code previous} returned {@code index}. An immediate read
     * (previous 0) is no wake-up and is not reported.
     */
    void woke(Watch watch, String watched, long previous, long index) {
      if (JFR && previous != 0) JfrEvents.watchWakeup(kind, watch.label, watched, previous, index);
    }

    @Override
    public String toString() {
      return kind + " " + key;
    }
  }
}
