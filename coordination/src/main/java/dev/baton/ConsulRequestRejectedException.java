package dev.baton;

/**
 * Consul rejected the request as invalid (HTTP 400, or another 4xx that is not 403/404). Never retried:
 * the same request would be rejected again.
 */
public final class ConsulRequestRejectedException extends ConsulException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception for a 4xx answer other than 403 and 404.
   *
   * @param method the HTTP method of the call, e.g. {@code PUT}
   * @param path the path and query string of the call (never the ACL token)
   * @param status the HTTP status
   * @param consulMessage Consul's error body, or null
   */
  public ConsulRequestRejectedException(String method, String path, int status, String consulMessage) {
    super(method, path, status, consulMessage, "Consul rejected the request", null);
  }
}
