package dev.baton;

/** The lease was lost (or already closed): whatever it protected may now be held by someone else. */
public final class LeaseLostException extends CoordinationException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public LeaseLostException(String key, String reason) {
    super("lease on " + key + " is no longer held: " + reason);
    this.key = key;
  }

  /** The Consul key of the lost lease. */
  public String key() {
    return key;
  }
}
