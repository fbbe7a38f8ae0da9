package dev.baton.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Baton's JDK Flight Recorder events (category "Baton", names {@code dev.baton.*}) and the one method per
 * event that writes it. Only {@link Telemetry} calls in here, and only when the {@code jdk.jfr} module is
 * present. Each method first checks, without allocating, that the flight recorder is running and the event
 * enabled; only then is an event object created and filled. Every event is an instant (its time is when the
 * state changed); durations are explicit fields.
 */
final class JfrEvents {
  private JfrEvents() {}

  static final String CATEGORY = "Baton";

  // ------------------------------------------------------------------------------------------ the events

  @Name("dev.baton.LockAcquire")
  @Label("Lock Acquire")
  @Category(CATEGORY)
  @Description("A lock (or an election's lock) was acquired")
  static final class LockAcquire extends Event {
    @Label("Primitive") @Description("lock or election")
    String primitive;
    @Label("Key") @Description("The Consul key of the lock")
    String key;
    @Label("Wait Time") @Description("From the call to acquire to the grant, local queueing included")
    @Timespan(Timespan.NANOSECONDS)
    long waitTime;
    @Label("Attempts") @Description("Acquiring writes (/v1/txn lock) this thread sent, retries included; 0 for "
        + "a reentrant or handed-over hold")
    int attempts;
    @Label("HTTP Calls") @Description("Requests this thread sent during the acquisition, waits included")
    int httpCalls;
    @Label("Fencing Token")
    long fencingToken;
  }

  @Name("dev.baton.SemaphoreAcquire")
  @Label("Semaphore Acquire")
  @Category(CATEGORY)
  @Description("A semaphore permit was acquired")
  static final class SemaphoreAcquire extends Event {
    @Label("Key") @Description("The semaphore's key")
    String key;
    @Label("Contender") @Description("The contender key holding the permit")
    String contender;
    @Label("Permits")
    int permits;
    @Label("Wait Time") @Description("From the call to acquire to the grant")
    @Timespan(Timespan.NANOSECONDS)
    long waitTime;
    @Label("Attempts") @Description("Check-and-set writes of the holder record (/v1/txn) this thread sent")
    int attempts;
    @Label("HTTP Calls") @Description("Requests this thread sent during the acquisition, waits included")
    int httpCalls;
    @Label("Fencing Token")
    long fencingToken;
  }

  @Name("dev.baton.LeaseHold")
  @Label("Lease Hold")
  @Category(CATEGORY)
  @Description("A lease was closed while held: how long it was held")
  static final class LeaseHold extends Event {
    @Label("Primitive") @Description("lock, semaphore or election")
    String primitive;
    @Label("Key") @Description("The lock's, semaphore's or election's key")
    String key;
    @Label("Hold Time") @Timespan(Timespan.NANOSECONDS)
    long holdTime;
    @Label("Fencing Token")
    long fencingToken;
  }

  @Name("dev.baton.LeaseLost")
  @Label("Lease Lost")
  @Category(CATEGORY)
  @Description("A held lease was lost: its session was lost, or its key deleted or taken over")
  @StackTrace(false)
  static final class LeaseLost extends Event {
    @Label("Primitive") @Description("lock, semaphore or election")
    String primitive;
    @Label("Key") @Description("The lock's, semaphore's or election's key")
    String key;
    @Label("Reason") @Description("SESSION_EXPIRED, SESSION_INVALIDATED, KEY_DELETED, KEY_RELEASED, KEY_TAKEN "
        + "or CLOSED")
    String reason;
    @Label("Detail")
    String detail;
    @Label("Fencing Token")
    long fencingToken;
  }

  @Name("dev.baton.SessionRenewal")
  @Label("Session Renewal")
  @Category(CATEGORY)
  @Description("One attempt to renew the Coordinator's Consul session")
  @StackTrace(false)
  static final class SessionRenewal extends Event {
    @Label("Session")
    String session;
    @Label("Outcome") @Description("RENEWED, FAILED (retried sooner), SESSION_GONE or TOO_LATE")
    String outcome;
    @Label("Lag") @Description("How late the attempt started compared with its schedule")
    @Timespan(Timespan.NANOSECONDS)
    long lag;
    @Label("Round Trip") @Timespan(Timespan.NANOSECONDS)
    long roundTrip;
    @Label("Time Left") @Description("Time left before the local deadline when the attempt started")
    @Timespan(Timespan.NANOSECONDS)
    long timeLeft;
  }

  @Name("dev.baton.SessionLost")
  @Label("Session Lost")
  @Category(CATEGORY)
  @Description("The Coordinator's Consul session was lost; every lease held with it is lost")
  @StackTrace(false)
  static final class SessionLost extends Event {
    @Label("Session")
    String session;
    @Label("Reason") @Description("SESSION_EXPIRED or SESSION_INVALIDATED")
    String reason;
    @Label("Detail")
    String detail;
  }

  @Name("dev.baton.LeaderElected")
  @Label("Leader Elected")
  @Category(CATEGORY)
  @Description("This process became the leader of an election")
  @StackTrace(false)
  static final class LeaderElected extends Event {
    @Label("Election Key")
    String key;
    @Label("Candidate")
    String candidate;
    @Label("Term") @Description("The term's fencing token")
    long term;
  }

  @Name("dev.baton.LeaderRevoked")
  @Label("Leader Revoked")
  @Category(CATEGORY)
  @Description("This process stopped being the leader of an election")
  @StackTrace(false)
  static final class LeaderRevoked extends Event {
    @Label("Election Key")
    String key;
    @Label("Candidate")
    String candidate;
    @Label("Term") @Description("The ended term's fencing token")
    long term;
    @Label("Cause") @Description("resigned, closed or lease lost")
    String cause;
    @Label("Led For") @Timespan(Timespan.NANOSECONDS)
    long ledFor;
  }

  @Name("dev.baton.WatchWakeup")
  @Label("Watch Wake-up")
  @Category(CATEGORY)
  @Description("A blocking query of a waiter or of the held-key monitor returned")
  @StackTrace(false)
  static final class WatchWakeup extends Event {
    @Label("Primitive") @Description("lock, semaphore or election")
    String primitive;
    @Label("Watch") @Description("What was watched: key, lock-delay, queue, predecessor, permits, held-key")
    String watch;
    @Label("Key") @Description("The watched key or prefix")
    String key;
    @Label("Index Moved") @Description("False when the wait ended without a change (Consul's wait time)")
    boolean indexMoved;
    @Label("Previous Index")
    long previousIndex;
    @Label("Index")
    long index;
  }

  // ------------------------------------------------------------------------------------------ writing them

  /** Resolved on first use, i.e. only once the flight recorder is initialized. */
  private static final class Types {
    static final EventType LOCK_ACQUIRE = EventType.getEventType(LockAcquire.class);
    static final EventType SEMAPHORE_ACQUIRE = EventType.getEventType(SemaphoreAcquire.class);
    static final EventType LEASE_HOLD = EventType.getEventType(LeaseHold.class);
    static final EventType LEASE_LOST = EventType.getEventType(LeaseLost.class);
    static final EventType SESSION_RENEWAL = EventType.getEventType(SessionRenewal.class);
    static final EventType SESSION_LOST = EventType.getEventType(SessionLost.class);
    static final EventType LEADER_ELECTED = EventType.getEventType(LeaderElected.class);
    static final EventType LEADER_REVOKED = EventType.getEventType(LeaderRevoked.class);
    static final EventType WATCH_WAKEUP = EventType.getEventType(WatchWakeup.class);
  }

  /** True while acquisitions should count their HTTP calls: an acquire event is being recorded. */
  static boolean countingAcquisitions() {
    return FlightRecorder.isInitialized()
        && (Types.LOCK_ACQUIRE.isEnabled() || Types.SEMAPHORE_ACQUIRE.isEnabled());
  }

  static void lockAcquire(String primitive, String key, long waitNanos, int attempts, int calls, long token) {
    if (!FlightRecorder.isInitialized() || !Types.LOCK_ACQUIRE.isEnabled()) return;
    LockAcquire e = new LockAcquire();
    if (!e.shouldCommit()) return;
    e.primitive = primitive;
    e.key = key;
    e.waitTime = waitNanos;
    e.attempts = attempts;
    e.httpCalls = calls;
    e.fencingToken = token;
    e.commit();
  }

  static void semaphoreAcquire(String key, String contender, int permits, long waitNanos, int attempts,
      int calls, long token) {
    if (!FlightRecorder.isInitialized() || !Types.SEMAPHORE_ACQUIRE.isEnabled()) return;
    SemaphoreAcquire e = new SemaphoreAcquire();
    if (!e.shouldCommit()) return;
    e.key = key;
    e.contender = contender;
    e.permits = permits;
    e.waitTime = waitNanos;
    e.attempts = attempts;
    e.httpCalls = calls;
    e.fencingToken = token;
    e.commit();
  }

  static void leaseHold(String primitive, String key, long holdNanos, long token) {
    if (!FlightRecorder.isInitialized() || !Types.LEASE_HOLD.isEnabled()) return;
    LeaseHold e = new LeaseHold();
    if (!e.shouldCommit()) return;
    e.primitive = primitive;
    e.key = key;
    e.holdTime = holdNanos;
    e.fencingToken = token;
    e.commit();
  }

  static void leaseLost(String primitive, String key, String reason, String detail, long token) {
    if (!FlightRecorder.isInitialized() || !Types.LEASE_LOST.isEnabled()) return;
    LeaseLost e = new LeaseLost();
    if (!e.shouldCommit()) return;
    e.primitive = primitive;
    e.key = key;
    e.reason = reason;
    e.detail = detail;
    e.fencingToken = token;
    e.commit();
  }

  static void sessionRenewal(String session, String outcome, long lagNanos, long roundTripNanos,
      long timeLeftNanos) {
    if (!FlightRecorder.isInitialized() || !Types.SESSION_RENEWAL.isEnabled()) return;
    SessionRenewal e = new SessionRenewal();
    if (!e.shouldCommit()) return;
    e.session = session;
    e.outcome = outcome;
    e.lag = lagNanos;
    e.roundTrip = roundTripNanos;
    e.timeLeft = timeLeftNanos;
    e.commit();
  }

  static void sessionLost(String session, String reason, String detail) {
    if (!FlightRecorder.isInitialized() || !Types.SESSION_LOST.isEnabled()) return;
    SessionLost e = new SessionLost();
    if (!e.shouldCommit()) return;
    e.session = session;
    e.reason = reason;
    e.detail = detail;
    e.commit();
  }

  static void leaderElected(String key, String candidate, long term) {
    if (!FlightRecorder.isInitialized() || !Types.LEADER_ELECTED.isEnabled()) return;
    LeaderElected e = new LeaderElected();
    if (!e.shouldCommit()) return;
    e.key = key;
    e.candidate = candidate;
    e.term = term;
    e.commit();
  }

  static void leaderRevoked(String key, String candidate, long term, String cause, long ledNanos) {
    if (!FlightRecorder.isInitialized() || !Types.LEADER_REVOKED.isEnabled()) return;
    LeaderRevoked e = new LeaderRevoked();
    if (!e.shouldCommit()) return;
    e.key = key;
    e.candidate = candidate;
    e.term = term;
    e.cause = cause;
    e.ledFor = ledNanos;
    e.commit();
  }

  static void watchWakeup(String primitive, String watch, String key, long previousIndex, long index) {
    if (!FlightRecorder.isInitialized() || !Types.WATCH_WAKEUP.isEnabled()) return;
    WatchWakeup e = new WatchWakeup();
    if (!e.shouldCommit()) return;
    e.primitive = primitive;
    e.watch = watch;
    e.key = key;
    e.indexMoved = index != previousIndex;
    e.previousIndex = previousIndex;
    e.index = index;
    e.commit();
  }
}
