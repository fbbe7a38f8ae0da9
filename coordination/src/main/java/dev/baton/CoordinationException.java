package dev.baton;

/**
 * Base of every exception Baton throws (unchecked). Subclasses say what went wrong: Consul refused the
 * request ({@link ConsulAccessDeniedException}, {@link ConsulRequestRejectedException}), Consul could not be
 * reached in time ({@link ConsulUnavailableException}), or a lease was lost ({@link LeaseLostException}).
 * Baton also throws it directly, e.g. when a Coordinator is used after {@link Coordinator#close()}, or a
 * method that does not declare {@link InterruptedException} is interrupted (the interrupt flag is then kept).
 *
 * <pre>
 * CoordinationException
 * ├── ConsulException                   Consul answered with an error or could not be reached
 * │   ├── ConsulAccessDeniedException      403
 * │   ├── ConsulNotFoundException          404 where something must exist
 * │   ├── ConsulRequestRejectedException   400 and other 4xx; never retried
 * │   ├── ConsulSessionInvalidException    the session is gone
 * │   └── ConsulUnavailableException       I/O errors, timeouts, 5xx, 429 after the retries
 * └── LeaseLostException                  a lease is lost, e.g. {@link Lease#ensureHeld()}
 * </pre>
 *
 * <p>Messages name the key or the HTTP method and path involved, never the ACL token.
 */
public class CoordinationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message.
   *
   * @param message what went wrong, naming the key or call involved
   */
  public CoordinationException(String message) {
    super(message);
  }

  /**
   * An exception with a message and a cause.
   *
   * @param message what went wrong, naming the key or call involved
   * @param cause the underlying error, e.g. an {@link InterruptedException}
   */
  public CoordinationException(String message, Throwable cause) {
    super(message, cause);
  }
}
