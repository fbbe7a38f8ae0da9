package dev.baton;

import java.time.Duration;

/**
 * What every watch of a Coordinator ({@link KeyWatch}, {@link PrefixWatch}, {@link ConfigWatch}) has in
 * common.
 *
 * <p><b>Delivery.</b> A watch reads its key(s) once when it starts and calls its listener with that state,
 * then again on every change, in order, each change once, on a thread of the Coordinator's (never the
 * caller's, never two calls of one listener at once). When a listener is slower than the changes, the changes
 * that arrive meanwhile are coalesced: it is next called with the latest state only. (Consul's blocking
 * queries report states, not events: writes that land within one round trip of the watch's query — a few
 * milliseconds — may also be seen as one change, the last.) A listener that throws
 * is logged and keeps being called. While Consul cannot be reached, the last state stays (listeners are not
 * called) and the watch retries with backoff; after the outage the engine reads once per query (not once per
 * watch) and listeners are called only where something changed.
 *
 * <p><b>Cost.</b> Watches share the Coordinator's watch engine: however many keys are watched (and held),
 * they are read by a bounded number of blocking queries ({@link Coordinator.Builder#maxConnections}); many
 * watches of neighbouring keys may be served by one recursive query.
 *
 * <p><b>Consistency.</b> Watches read in Consul's default mode unless created with another
 * {@link Consistency}; {@link Consistency#STALE} suits configuration (any server answers, possibly a little
 * behind), and is never used by the library's own lease decisions.
 */
public interface Watch extends AutoCloseable {
  /**
   * Waits until the watch has read its state for the first time (and handed it to the listener's queue).
   *
   * @param timeout how long to wait at most
   * @return true once the first read is done, false when {@code timeout} passed first
   * @throws InterruptedException when interrupted while waiting
   */
  boolean awaitFirstRead(Duration timeout) throws InterruptedException;

  /** Stops the watch (idempotent): no listener is called once this returns, except one already running. */
  @Override
  void close();
}
