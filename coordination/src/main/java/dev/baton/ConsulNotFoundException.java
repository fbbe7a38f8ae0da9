package dev.baton;

/** Consul answered 404 where the thing asked for must exist (for example renewing a session that is gone). */
public final class ConsulNotFoundException extends ConsulException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception for a 404 answer.
   *
   * @param method the HTTP method of the call, e.g. {@code PUT}
   * @param path the path and query string of the call (never the ACL token)
   * @param consulMessage Consul's error body, or null
   */
  public ConsulNotFoundException(String method, String path, String consulMessage) {
    super(method, path, 404, consulMessage, "Consul does not know it", null);
  }
}
