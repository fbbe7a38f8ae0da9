package dev.baton.internal;

import dev.baton.internal.consul.ConsulTransport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TTL check a health-bound session is tied to ({@code Coordinator.Builder.healthCheckTtl}): Consul
 * invalidates the session within about one check TTL of this process dying or freezing, instead of after up
 * to twice the session TTL, so a crashed holder's locks move on in seconds.
 *
 * <h2>How</h2>
 * The check is registered with the agent the Coordinator talks to, as the TTL check of a small service of
 * its own ({@code baton-session}, id {@code baton-session-<owner id>}), starting passing, and marked passing
 * every third of its TTL from a daemon thread. The session is created with this check and {@code serfHealth}
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
  private static final Logger log = LoggerFactory.getLogger("dev.baton.session");
  /** The agent removes the crashed process's check (and service) this long after it went critical. */
  static final Duration REAP_AFTER = Duration.ofMinutes(1);
  /** The service the check belongs to. */
  static final String SERVICE = "baton-session";

  private final ConsulTransport consul;
  private final String serviceId;
  private final String checkId;
  private final String ownerId;
  private final Duration ttl;
  private final ScheduledExecutorService heartbeats;
  private volatile boolean registered;
  private volatile boolean closed;

  SessionHealthCheck(ConsulTransport consul, String ownerId, Duration ttl) {
    this.consul = consul;
    this.ownerId = ownerId;
    this.serviceId = SERVICE + "-" + ownerId;
    this.checkId = "service:" + serviceId;
    this.ttl = ttl;
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "baton-heartbeat");
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    this.heartbeats = pool;
  }

  /** The check's id, for the session's checks. */
  String checkId() {
    return checkId;
  }

  /**
   * Registers the check (passing) unless it is registered already, and starts the heartbeats; called before
   * every session creation (a session cannot be created with an unknown or critical check).
   */
  synchronized void ensureRegistered() throws InterruptedException {
    if (registered) return;
    register();
    long every = Math.max(1, ttl.toNanos() / 3);
    heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.NANOSECONDS);
  }

  private void register() throws InterruptedException {
    consul.agentRegisterCheckedService(serviceId, SERVICE, Map.of("owner", ownerId), checkId, ttl, REAP_AFTER);
    registered = true;
    log.info("registered the session's health check {} (ttl {}) with the agent", checkId, ttl);
  }

  private void heartbeat() {
    if (closed) return;
    try {
      if (!consul.agentCheckPass(checkId)) {
        log.warn("the agent no longer knows the session's health check {} (it restarted?): registering it again; "
            + "the session bound to the old one is lost", checkId);
        register();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!closed) log.debug("heartbeat of {} failed (the next one retries): {}", checkId, e.toString());
    }
  }

  /** Stops the heartbeats and removes the check from the agent (after the session is destroyed). */
  @Override
  public void close() {
    closed = true;
    heartbeats.shutdownNow();
    if (!registered) return;
    try {
      consul.agentDeregisterService(serviceId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("could not deregister {} (the agent removes it {} after it went critical): {}", serviceId,
          REAP_AFTER, e.toString());
    }
  }
}
