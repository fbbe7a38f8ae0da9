package dev.baton;

/**
 * How a {@link DistributedLock} behaves. Immutable.
 *
 * <ul>
 *   <li>{@link #defaults()}: waiters watch the lock key; on release every waiting client tries once and one
 *       wins (inside one JVM the local gate is FIFO already). When a thread of the same client waits at the
 *       gate, a release hands the lock to it without a round trip to Consul's release (one write instead of
 *       two), at most 8 times in a row; then the lock is released in Consul so that other clients get their
 *       turn. Fastest under contention, not FIFO across clients.</li>
 *   <li>{@link #fair()}: contenders queue under {@code <key>/.queue/} in Consul and each watches only its
 *       predecessor: clients acquire in arrival order and a release wakes one waiter, not all.</li>
 * </ul>
 */
public final class LockOptions {
  private static final LockOptions DEFAULTS = new LockOptions(false);
  private static final LockOptions FAIR = new LockOptions(true);

  private final boolean fair;

  private LockOptions(boolean fair) {
    this.fair = fair;
  }

  /** {@return the default options: fastest under contention, not FIFO across clients} */
  public static LockOptions defaults() {
    return DEFAULTS;
  }

  /** {@return fair options: clients acquire in arrival order, a release wakes one waiter} */
  public static LockOptions fair() {
    return FAIR;
  }

  /** {@return true for {@link #fair()}} */
  public boolean isFair() {
    return fair;
  }

  @Override
  public String toString() {
    return fair ? "LockOptions{fair}" : "LockOptions{default}";
  }
}
