package dev.baton;

/**
 * Consul refused a call because the session it names no longer exists (it was invalidated, destroyed or
 * expired). Consul 1.8 answers this with HTTP 500 {@code invalid session "..."}; it is not retried, since a
 * session never comes back.
 */
public final class ConsulSessionInvalidException extends ConsulException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception for an answer naming an unknown session.
   *
   * @param method the HTTP method of the call, e.g. {@code PUT}
   * @param path the path and query string of the call (never the ACL token)
   * @param status the HTTP status (500 on Consul 1.8)
   * @param consulMessage Consul's error body, or null
   */
  public ConsulSessionInvalidException(String method, String path, int status, String consulMessage) {
    super(method, path, status, consulMessage, "Consul no longer knows the session", null);
  }
}
