package dev.baton;

/**
 * Consul answered an HTTP call with an error, or could not be reached. Carries the HTTP method, the path
 * (with its query string, never the ACL token, which travels in a header) and Consul's own message.
 */
public class ConsulException extends CoordinationException {
  private static final long serialVersionUID = 1L;

  /** The HTTP method of the failed call. */
  private final String method;
  /** The path and query string of the failed call. */
  private final String path;
  /** The HTTP status, or 0 when no answer arrived. */
  private final int status;
  /** Consul's error body, trimmed; never null. */
  private final String consulMessage;

  /**
   * An exception for a failed call. The message is {@code what}, the method and path, the status and
   * Consul's message.
   *
   * @param method the HTTP method of the call, e.g. {@code PUT}
   * @param path the path and query string of the call (never the ACL token)
   * @param status the HTTP status, or 0 when no answer arrived
   * @param consulMessage Consul's error body, or null
   * @param what what went wrong, in a few words, e.g. {@code "Consul unavailable"}
   * @param cause the underlying error, or null
   */
  public ConsulException(String method, String path, int status, String consulMessage, String what,
      Throwable cause) {
    super(what + ": " + method + " " + path + (status > 0 ? " -> HTTP " + status : "")
        + (consulMessage == null || consulMessage.isBlank() ? "" : ": " + consulMessage.strip()), cause);
    this.method = method;
    this.path = path;
    this.status = status;
    this.consulMessage = consulMessage == null ? "" : consulMessage.strip();
  }

  /** {@return the HTTP method of the failed call, e.g. {@code PUT}} */
  public String method() {
    return method;
  }

  /**
   * {@return the path and query string of the failed call, e.g. {@code /v1/kv/baton/jobs?acquire=...}} Never
   * contains the ACL token, which travels in a header.
   */
  public String path() {
    return path;
  }

  /** {@return the HTTP status Consul answered with, or 0 when no answer arrived (I/O error, timeout)} */
  public int status() {
    return status;
  }

  /** {@return the body of Consul's error answer (trimmed), or an empty string} */
  public String consulMessage() {
    return consulMessage;
  }
}
