package dev.baton;

/**
 * Base of every exception Baton throws (unchecked). Subclasses say what went wrong: Consul refused the
 * request ({@link ConsulAccessDeniedException}, {@link ConsulRequestRejectedException}), Consul could not be
 * reached in time ({@link ConsulUnavailableException}), or a lease was lost.
 *
 * <p>Messages name the key or the HTTP method and path involved, never the ACL token.
 */
public class CoordinationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CoordinationException(String message) {
    super(message);
  }

  public CoordinationException(String message, Throwable cause) {
    super(message, cause);
  }
}
