package dev.baton;

/** The lease was lost (or already closed): whatever it protected may now be held by someone else. */
public final class LeaseLostException extends CoordinationException {
  private static final long serialVersionUID = 1L;

  /** The Consul key of the lost lease. */
  private final String key;

  /**
   * An exception for a lease that is no longer held.
   *
   * @param key the Consul key of the lease
   * @param reason why it is no longer held, e.g. the session loss's reason
   */
  public LeaseLostException(String key, String reason) {
    super("lease on " + key + " is no longer held: " + reason);
    this.key = key;
  }

  /** {@return the Consul key of the lost lease (with the Coordinator's key prefix)} */
  public String key() {
    return key;
  }
}
