package dev.baton;

/** Work that runs only on the elected leader; see {@link Coordinator#scheduleOnLeader}. */
@FunctionalInterface
public interface LeaderTask {
  /**
   * One execution. Leadership loss interrupts the running thread: long work should check
   * {@link LeaderContext#isStillLeader()} or react to interrupts, and pass {@link LeaderContext#fencingToken()}
   * to whatever it writes. An exception is logged; the schedule goes on.
   *
   * @param context the leadership term this execution runs under
   * @throws Exception anything; logged, the next execution runs as scheduled
   */
  void run(LeaderContext context) throws Exception;
}
