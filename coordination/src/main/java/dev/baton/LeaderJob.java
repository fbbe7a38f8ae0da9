package dev.baton;

/**
 * A task scheduled on the leader of an election: runs only while this process leads, is interrupted the
 * moment leadership is lost, and continues on whichever process is elected next. Close it to stop taking part.
 */
public interface LeaderJob extends AutoCloseable {
  /** The election behind the job. */
  LeaderElection election();

  /** Executions started in this process so far. */
  long executions();

  /** Stops the schedule, interrupts a running execution and waits for it, then leaves the election. */
  @Override
  void close();
}
