package dev.baton.internal;

import dev.baton.Service;
import dev.baton.internal.consul.ConsulTransport;
import java.time.Duration;
import java.util.Map;

/**
 * The TTL check a health-bound session is tied to ({@code Coordinator.Builder.healthCheckTtl}): Consul
 * invalidates the session within about one check TTL of this process dying or freezing, instead of after up
 * to twice the session TTL, so a crashed holder's locks move on in seconds.
 *
 * <h2>How</h2>
 * One design with the services users register ({@link ServiceRegistry}): the check is the TTL check of a small
 * service of the client's own ({@code baton-session}, id {@code baton-session-<owner id>}), registered with the
 * agent the Coordinator talks to, starting passing, and marked passing every third of its TTL — by a registry
 * of its own, so that it is deregistered only after the session is destroyed (the other way round, Consul
 * would invalidate the session and start the lock-delay before this client released its keys). The session is created with this check and {@code serfHealth}
 * (so a node failure still invalidates it). A service check, not a node check: a critical node check would
 * take every service of the node out of discovery, and the agent removes a critical service (and its check)
 * by itself one minute after a crash ({@code DeregisterCriticalServiceAfter}); a clean close deregisters it
 * at once. An agent restart forgets what was registered over HTTP: the next heartbeat finds the check
 * unknown and registers it again (the session bound to the old check is invalidated by Consul, reported as
 * lost at its next renewal, and the next use creates a fresh one).
 *
 * <h2>Why it is safe</h2>
 * A heartbeat accepted by the local agent proves nothing about the session on the servers, so heartbeats
 * never extend a lease. The lease's local deadline comes from the session renewals only, exactly as without a
 * check ({@link SessionKeeper#validityWindow}): a renewal that succeeded was applied on the servers after it
 * was sent, so the session was alive then; whatever invalidates it later — this check going critical, a node
 * failure seen by gossip, an operator — lets another client acquire no earlier than one lock-delay after the
 * invalidation. The holder gives up at the renewal's send time plus min(session TTL, lock-delay) and renews
 * every third of that, so it has stopped before anyone else can get in, for an invalidation at any moment.
 * The check only makes the invalidation come sooner after a crash; it never shortens what the holder
 * believes.
 *
 * <h2>How fast</h2>
 * A crash at {@code t} stops heartbeats; the last one was at most TTL/3 earlier, so the check goes critical
 * by {@code t + checkTtl}, the agent reports the change to the servers at once, they invalidate the session and
 * release its keys, and a waiter acquires one lock-delay later: failover ≈ check TTL + lock-delay. Hence the
 * defaults when a check TTL is set: the lock-delay defaults to the check TTL (renewals every third of it), so
 * {@code healthCheckTtl(2 s)} fails over in about 4 s. The price: a pause longer than the check TTL (a long GC,
 * a frozen VM, an agent that does not answer) loses the session and every lease with it.
 */
final class SessionHealthCheck implements AutoCloseable {
  /** The agent removes the crashed process's check (and service) this long after it went critical. */
  static final Duration REAP_AFTER = Duration.ofMinutes(1);
  /** The service the check belongs to. */
  static final String SERVICE = "baton-session";

  private final ServiceRegistry registry;
  private final Service service;
  private boolean registered;

  SessionHealthCheck(ConsulTransport consul, String ownerId, Duration ttl) {
    this.registry = new ServiceRegistry(consul);
    this.service = Service.builder(SERVICE).id(SERVICE + "-" + ownerId.replaceAll("[\\s/]", "_")).ttl(ttl)
        .deregisterCriticalAfter(REAP_AFTER).meta(Map.of("owner", ownerId)).build();
  }

  /** The check's id, for the session's checks. */
  String checkId() {
    return "service:" + service.id().orElseThrow();
  }

  /**
   * Registers the check (passing) and starts its heartbeats unless that happened already; called before every
   * session creation (a session cannot be created with an unknown or critical check). After an agent restart
   * the registry's next heartbeat finds the check unknown and registers it again.
   */
  synchronized void ensureRegistered() throws InterruptedException {
    if (registered) return;
    registry.register(service);
    registered = true;
  }

  /** Stops the heartbeats and removes the check from the agent (after the session is destroyed). */
  @Override
  public void close() {
    registry.close();
  }
}
