package dev.baton;

/**
 * A service registered with the Coordinator's Consul agent by {@link Coordinator#register(Service)}, with a TTL
 * check that the Coordinator passes every TTL/3 on a daemon thread of its own while this registration is
 * open: the instance is healthy for as long as the process runs and reaches its agent.
 *
 * <ul>
 *   <li><b>Heartbeats</b> are retried on errors (with backoff, within the Coordinator's operation timeout);
 *       when none gets through for a TTL, Consul turns the check critical and the instance leaves the healthy
 *       ones, until the next heartbeat gets through.</li>
 *   <li><b>Agent restarts.</b> An agent forgets the services registered over its HTTP API when it restarts
 *       without its data directory: the next heartbeat finds the check unknown and registers the service
 *       again (with the state {@link #markUnhealthy(String)} set, if any).</li>
 *   <li><b>The application's own verdict.</b> {@link #markUnhealthy(String)} fails the check (maintenance,
 *       overload): the note becomes the check's output, and heartbeats keep it critical (they do not turn it
 *       green) until {@link #markHealthy()}.</li>
 *   <li><b>Closing</b> ({@link #close()}, or closing the Coordinator) stops the heartbeats and deregisters
 *       the service.</li>
 * </ul>
 *
 * <p>Thread-safe. Check updates of one registration are sent one at a time, in order, so a heartbeat that
 * was on its way never undoes a later {@link #markUnhealthy(String)}.
 */
public interface ServiceRegistration extends AutoCloseable {
  /** {@return the service's id at the agent} */
  String id();

  /** {@return the service as registered, its id filled in} */
  Service service();

  /**
   * Fails the service's check with {@code note} as its output and keeps it failed: heartbeats go on (so the
   * registration stays) but report critical with this note until {@link #markHealthy()}. Sent at once; when
   * Consul cannot be reached the heartbeats keep sending it.
   *
   * @param note why, e.g. {@code "maintenance"} (shown as the check's output; Consul keeps 4 KB of it)
   * @throws IllegalArgumentException when the note is null
   * @throws IllegalStateException when the registration is closed
   * @throws ConsulException when Consul refuses the update or cannot be reached (the state is kept and sent
   *     with the next heartbeat)
   * @throws CoordinationException when interrupted (the interrupt flag is kept)
   */
  void markUnhealthy(String note);

  /**
   * Passes the service's check again after {@link #markUnhealthy(String)}; heartbeats keep it passing. Sent at
   * once; when Consul cannot be reached the heartbeats keep sending it.
   *
   * @throws IllegalStateException when the registration is closed
   * @throws ConsulException when Consul refuses the update or cannot be reached (the state is kept)
   * @throws CoordinationException when interrupted (the interrupt flag is kept)
   */
  void markHealthy();

  /**
   * Stops the heartbeats and deregisters the service from the agent. Idempotent. When the agent cannot be
   * reached, the failure is logged: the check then turns critical after the TTL, and the agent removes the
   * service after {@link Service#deregisterCriticalAfter()}, if set.
   */
  @Override
  void close();
}
