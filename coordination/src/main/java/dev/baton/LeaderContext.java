package dev.baton;

/** What a {@link LeaderTask} execution knows about the leadership it runs under. */
public interface LeaderContext {
  /** {@return the fencing token of the leadership term this execution belongs to} Pass it with every write. */
  long fencingToken();

  /** {@return true while this process is still leader in the same term} No network call. */
  boolean isStillLeader();
}
