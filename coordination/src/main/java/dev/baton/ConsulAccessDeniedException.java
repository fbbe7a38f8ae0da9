package dev.baton;

/**
 * Consul denied access: the ACL token (or its absence) does not allow this call. Consul answers 403, or, for a
 * transaction ({@code /v1/txn}), 409 with {@code Permission denied} among its errors; both are reported as
 * this exception with {@link #status()} 403 and Consul's message. Never retried.
 */
public final class ConsulAccessDeniedException extends ConsulException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception for a 403 answer.
   *
   * @param method the HTTP method of the call, e.g. {@code PUT}
   * @param path the path and query string of the call (never the ACL token)
   * @param consulMessage Consul's error body, or null
   */
  public ConsulAccessDeniedException(String method, String path, String consulMessage) {
    super(method, path, 403, consulMessage, "Consul denied access (check the ACL token's policy)", null);
  }
}
