package dev.baton.testing;

/**
 * The application's work while it holds a lease, or its think time between acquisitions, in tests and child
 * programs: it takes time on purpose (so that holders overlap, a fault lands inside a hold, or an interrupt
 * finds the task running). Never used to wait for something to happen: that is {@link Await}'s or a latch's
 * job.
 */
public final class Work {
  private Work() {}

  /** Works for {@code millis} milliseconds; an interrupt ends the work early. */
  public static void take(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }
}
