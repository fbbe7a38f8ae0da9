package dev.baton;

/**
 * Consul rejected the request as invalid (HTTP 400, or another 4xx that is not 403/404). Never retried:
 * the same request would be rejected again.
 */
public final class ConsulRequestRejectedException extends ConsulException {
  private static final long serialVersionUID = 1L;

  public ConsulRequestRejectedException(String method, String path, int status, String consulMessage) {
    super(method, path, status, consulMessage, "Consul rejected the request", null);
  }
}
