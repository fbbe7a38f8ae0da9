package dev.baton.internal.consul;

/**
 * Told about every HTTP request the transport sends (each retry counts), on the thread that made the call,
 * after the answer (or the failure) arrived. Must be cheap and must not throw.
 */
@FunctionalInterface
public interface CallObserver {
  /** Observes nothing. */
  CallObserver NONE = (method, endpoint, status, nanos) -> {};

  /**
   * One request.
   *
   * @param method HTTP method
   * @param endpoint the API path without keys, ids or query, e.g. {@code kv}, {@code txn}, {@code session/renew}
   * @param status HTTP status, or 0 when no answer arrived (I/O error, timeout, interrupt)
   * @param nanos time from sending to the answer
   */
  void onCall(String method, String endpoint, int status, long nanos);
}
