package dev.baton;

/**
 * A task scheduled on the leader of an election: runs only while this process leads, is interrupted the
 * moment leadership is lost, and continues on whichever process is elected next. Close it to stop taking part.
 * Obtain it from {@link Coordinator#scheduleOnLeader(String, java.time.Duration, LeaderTask)}. Thread-safe.
 */
public interface LeaderJob extends AutoCloseable {
  /** {@return the election behind the job, e.g. for {@link LeaderElection#currentLeader()}} */
  LeaderElection election();

  /** {@return the number of executions started in this process so far} */
  long executions();

  /** Stops the schedule, interrupts a running execution and waits for it, then leaves the election. */
  @Override
  void close();
}
