package dev.baton.internal;

/**
 * Consul's rules for the {@code index} of blocking queries, as a pure function.
 *
 * <ul>
 *   <li>The first read uses index 0 (answer at once).</li>
 *   <li>After that the index is never 0 (and never below 1): an index of 0 would turn every later query into
 *       a non-blocking one, i.e. a busy loop.</li>
 *   <li>When Consul answers with a smaller index than the one sent (a snapshot restore, a new cluster), the
 *       index is <em>reset</em> to the returned one: keeping the larger old value would block until Consul's
 *       counter catches up with it, possibly forever. The answer carries the current data, so nothing is lost.</li>
 * </ul>
 */
public final class BlockingIndex {
  private BlockingIndex() {}

  /** The index to send with the next blocking query after Consul answered {@code returned} to {@code sent}. */
  public static long next(long sent, long returned) {
    return Math.max(1, returned);
  }

  /** True when the answer's index went backwards, i.e. the waiter must treat the data as fresh. */
  public static boolean wentBackwards(long sent, long returned) {
    return returned < sent;
  }
}
