package dev.baton;

/**
 * Consul answered an HTTP call with an error, or could not be reached. Carries the HTTP method, the path
 * (with its query string, never the ACL token, which travels in a header) and Consul's own message.
 */
public class ConsulException extends CoordinationException {
  private static final long serialVersionUID = 1L;

  private final String method;
  private final String path;
  private final int status;
  private final String consulMessage;

  public ConsulException(String method, String path, int status, String consulMessage, String what,
      Throwable cause) {
    super(what + ": " + method + " " + path + (status > 0 ? " -> HTTP " + status : "")
        + (consulMessage == null || consulMessage.isBlank() ? "" : ": " + consulMessage.strip()), cause);
    this.method = method;
    this.path = path;
    this.status = status;
    this.consulMessage = consulMessage == null ? "" : consulMessage.strip();
  }

  /** The HTTP method of the failed call, e.g. {@code PUT}. */
  public String method() {
    return method;
  }

  /** The path and query string of the failed call, e.g. {@code /v1/kv/baton/jobs?acquire=...}. */
  public String path() {
    return path;
  }

  /** The HTTP status Consul answered with, or 0 when no answer arrived. */
  public int status() {
    return status;
  }

  /** The body of Consul's error answer (trimmed), or an empty string. */
  public String consulMessage() {
    return consulMessage;
  }
}
