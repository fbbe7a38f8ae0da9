package dev.baton;

/**
 * Consul could not be reached or could not serve the call in time: connection refused or reset, timeouts,
 * HTTP 5xx (including {@code No cluster leader}) or 429, after the retries that are safe for the call.
 */
public final class ConsulUnavailableException extends ConsulException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception for a call that got no usable answer in time.
   *
   * @param method the HTTP method of the call, e.g. {@code PUT}
   * @param path the path and query string of the call (never the ACL token)
   * @param status the HTTP status of the last attempt, or 0 when no answer arrived
   * @param consulMessage Consul's error body, or null
   * @param cause the I/O error of the last attempt, or null
   */
  public ConsulUnavailableException(String method, String path, int status, String consulMessage,
      Throwable cause) {
    super(method, path, status, consulMessage, "Consul unavailable", cause);
  }
}
