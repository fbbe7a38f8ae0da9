package dev.baton;

import java.time.Duration;

/**
 * Receives Baton's measurements, for a metrics library of your choice: set it with
 * {@link Coordinator.Builder#metrics(BatonMetrics)}. Every method has an empty default, so an implementation
 * overrides what it records. Methods are called on Baton's and the application's threads, synchronously:
 * they must be cheap, thread-safe and must not throw (what they throw is logged and dropped).
 */
public interface BatonMetrics {

  /** Records nothing (the default). */
  BatonMetrics NONE = new BatonMetrics() {};

  /**
   * One HTTP request to Consul (each retry counts), on the thread that made it.
   *
   * @param method the HTTP method
   * @param endpoint the API path without keys, ids and query: {@code kv}, {@code txn}, {@code session/renew},
   *     {@code session/create}, ...
   * @param status the HTTP status, or 0 when no answer arrived (I/O error, timeout, interrupt)
   * @param elapsed from sending the request to its answer
   */
  default void httpCall(String method, String endpoint, int status, Duration elapsed) {}
}
