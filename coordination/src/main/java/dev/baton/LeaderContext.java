package dev.baton;

/** What a {@link LeaderTask} execution knows about the leadership it runs under. */
public interface LeaderContext {
  /** The fencing token of the leadership term this execution belongs to. */
  long fencingToken();

  /** True while this process is still leader in the same term (no network call). */
  boolean isStillLeader();
}
