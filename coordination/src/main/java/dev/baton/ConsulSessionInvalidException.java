package dev.baton;

/**
 * Consul refused a call because the session it names no longer exists (it was invalidated, destroyed or
 * expired). Consul 1.8 answers this with HTTP 500 {@code invalid session "..."}; it is not retried, since a
 * session never comes back.
 */
public final class ConsulSessionInvalidException extends ConsulException {
  private static final long serialVersionUID = 1L;

  public ConsulSessionInvalidException(String method, String path, int status, String consulMessage) {
    super(method, path, status, consulMessage, "Consul no longer knows the session", null);
  }
}
