package dev.baton;

/**
 * Consul could not be reached or could not serve the call in time: connection refused or reset, timeouts,
 * HTTP 5xx (including {@code No cluster leader}) or 429, after the retries that are safe for the call.
 */
public final class ConsulUnavailableException extends ConsulException {
  private static final long serialVersionUID = 1L;

  public ConsulUnavailableException(String method, String path, int status, String consulMessage,
      Throwable cause) {
    super(method, path, status, consulMessage, "Consul unavailable", cause);
  }
}
