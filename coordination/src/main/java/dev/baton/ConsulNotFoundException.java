package dev.baton;

/** Consul answered 404 where the thing asked for must exist (for example renewing a session that is gone). */
public final class ConsulNotFoundException extends ConsulException {
  private static final long serialVersionUID = 1L;

  public ConsulNotFoundException(String method, String path, String consulMessage) {
    super(method, path, 404, consulMessage, "Consul does not know it", null);
  }
}
