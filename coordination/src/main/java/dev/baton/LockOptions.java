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
 *       predecessor: clients acquire in arrival order and a release wakes one waiter, not all. A waiter at the
 *       head of the queue that leaves the free lock untaken for about 2 s loses its turn (it still competes
 *       for the lock): an entry nobody waits for any more never blocks the queue for longer.</li>
 *   <li>{@link #consulCompatible()}: the lock of Consul's own Go client ({@code api.Lock}) and of
 *       {@code consul lock}: the key is {@code <key>/.lock} with Consul's lock Flags, so a Baton holder and a
 *       Go holder (or a {@code consul lock <keyPrefix><name> <command>} process) exclude each other. Otherwise
 *       like the defaults.</li>
 * </ul>
 */
public final class LockOptions {
  private static final LockOptions DEFAULTS = new LockOptions(false, false);
  private static final LockOptions FAIR = new LockOptions(true, false);
  private static final LockOptions CONSUL_COMPATIBLE = new LockOptions(false, true);

  private final boolean fair;
  private final boolean consulCompatible;

  private LockOptions(boolean fair, boolean consulCompatible) {
    this.fair = fair;
    this.consulCompatible = consulCompatible;
  }

  /** {@return the default options: fastest under contention, not FIFO across clients} */
  public static LockOptions defaults() {
    return DEFAULTS;
  }

  /** {@return fair options: clients acquire in arrival order, a release wakes one waiter} */
  public static LockOptions fair() {
    return FAIR;
  }

  /**
   * Options for a lock shared with Consul's Go clients: the lock named {@code name} is the key
   * {@code <keyPrefix><name>/.lock}, written with the Flags value of Consul's Go lock recipe ({@code api.Lock},
   * which {@code consul lock} uses), so that a Baton lease and a Go holder on the same prefix exclude each
   * other in both directions. Go's client refuses a key with other Flags, and so does Baton in this mode: an
   * acquisition that finds the key written by something else fails with a {@link CoordinationException}
   * naming the key and its Flags. The fencing token, lease loss and the tied releases are as with the
   * defaults; Go's holders do not read Baton's tokens. Go's own clients delete the key when they are done;
   * Baton leaves it in place, free.
   *
   * @return options for a lock shared with {@code api.Lock} and {@code consul lock}
   */
  public static LockOptions consulCompatible() {
    return CONSUL_COMPATIBLE;
  }

  /** {@return true for {@link #fair()}} */
  public boolean isFair() {
    return fair;
  }

  /** {@return true for {@link #consulCompatible()}} */
  public boolean isConsulCompatible() {
    return consulCompatible;
  }

  @Override
  public String toString() {
    return fair ? "LockOptions{fair}" : consulCompatible ? "LockOptions{consulCompatible}" : "LockOptions{default}";
  }
}
