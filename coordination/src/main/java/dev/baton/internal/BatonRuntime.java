package dev.baton.internal;

import dev.baton.BatonMetrics;
import dev.baton.CoordinationException;
import dev.baton.Service;
import dev.baton.ServiceDiscovery;
import dev.baton.ServiceRegistration;
import dev.baton.SessionListener;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.SessionSpec;
import dev.baton.internal.consul.TransportSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every primitive of one Coordinator shares, handed to each of them at creation: the transport, the
 * session keeper, the local gates, the lease registry (loss fan-out, release on close, held-key monitor), the
 * telemetry (logs, JFR events, metrics), the registry of long-lived children (elections, jobs), the owner
 * id, the watch engine with the user watches and service discovery, and the registered services. The public {@code Coordinator} creates one, gets primitives for it from {@link Primitives} and closes
 * it; nothing in here knows the {@code Coordinator} or any primitive.
 */
public final class BatonRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.coordinator");

  /**
   * What a runtime is built from (validated by the Coordinator's builder).
   *
   * @param transport HTTP settings
   * @param keyPrefix where every key of this client lives (user watches answer keys relative to it)
   * @param ownerId this client's identity, written into held keys
   * @param sessionTtl the session TTL
   * @param lockDelay the session's lock-delay
   * @param deleteKeysOnSessionLoss session behavior {@code delete}
   * @param sessionChecks health checks the session is bound to (null: Consul's default)
   * @param healthCheckTtl the TTL of the session's own health check, heartbeated by this client (null: none)
   * @param metrics told about HTTP requests (on the calling thread), acquisitions, losses, renewals, ...
   */
  public record Config(TransportSettings transport, String keyPrefix, String ownerId, Duration sessionTtl,
      Duration lockDelay,
      boolean deleteKeysOnSessionLoss, List<String> sessionChecks, Duration healthCheckTtl,
      BatonMetrics metrics) {}

  final Telemetry telemetry;
  final ConsulTransport consul;
  final SessionKeeper sessions;
  final LocalGate.Registry gates = new LocalGate.Registry();
  final LeaseRegistry leases;
  /** Runs every blocking query: held keys, user watches, waiters beyond their own connections. */
  final Watches watches;
  /** The watches users create. */
  private final UserWatches userWatches;
  /** The services registered with the agent, and their heartbeats. */
  private final ServiceRegistry services;
  /** Watches writes whose outcome is unknown and removes them if they land late. */
  final Orphans orphans;
  /**
   * Holds of reentrant primitives by (key, thread, mode), while held: every object of one name in this
   * Coordinator sees the same ones (the read-write lock's reentrancy, downgrade and upgrade refusal).
   */
  final Map<Object, Object> threadHolds = new ConcurrentHashMap<>();
  /** Lock waiters' announcements that last beyond one acquisition (one per key, each watched). */
  final Announcements announcements = new Announcements();
  /** The state lock keys were last seen in, so lock writes are tied to it without a read. */
  final KnownIndexes indexes = new KnownIndexes();
  final String ownerId;
  final Duration sessionTtl;
  final Duration lockDelay;
  /** The health check the session is bound to, heartbeated by this client; null without one. */
  private final SessionHealthCheck healthCheck;
  /** Elections and leader jobs: closed (revoked, tasks stopped) before anything is released. */
  private final Set<AutoCloseable> children = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public BatonRuntime(Config config) {
    this.telemetry = new Telemetry(config.metrics());
    this.consul = new ConsulTransport(config.transport(), telemetry);
    this.ownerId = config.ownerId();
    this.sessionTtl = config.sessionTtl();
    this.lockDelay = config.lockDelay();
    this.healthCheck = config.healthCheckTtl() == null ? null
        : new SessionHealthCheck(consul, ownerId, config.healthCheckTtl());
    List<String> checks = config.sessionChecks();
    if (healthCheck != null) {
      List<String> bound = new java.util.ArrayList<>(checks == null ? List.of("serfHealth") : checks);
      bound.add(healthCheck.checkId());
      checks = List.copyOf(bound);
    }
    SessionSpec spec = new SessionSpec("baton:" + ownerId, sessionTtl, lockDelay, config.deleteKeysOnSessionLoss(),
        checks);
    this.watches = new Watches(consul, config.transport().watchQueries(), config.transport().directWaits());
    this.userWatches = new UserWatches(watches, config.keyPrefix());
    this.orphans = new Orphans(watches);
    this.services = new ServiceRegistry(consul);
    this.leases = new LeaseRegistry(consul, watches);
    this.sessions = new SessionKeeper(consul, spec, healthCheck == null ? () -> {} : healthCheck::ensureRegistered,
        System::nanoTime, telemetry, (sessionId, reason, detail) ->
        leases.loseAll(sessionId, reason, "session " + sessionId + " lost: " + detail));
    telemetry.openConnections(consul::openConnections);
  }

  /** The default owner id: host, pid and a random suffix. */
  public static String defaultOwnerId() {
    return HolderValue.HOST + "-" + ProcessHandle.current().pid() + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  // ------------------------------------------------------------------------------- what the facade asks for

  /** The id of the current session, created when there is none. */
  public String sessionId() throws InterruptedException {
    return sessions.current().id();
  }

  /** Local gates in use (diagnostics: none is left behind once nothing is held or awaited). */
  public int localGates() {
    return gates.size();
  }

  /** Where user watches are created. */
  public UserWatches userWatches() {
    if (closed) throw new CoordinationException("the Coordinator is closed");
    return userWatches;
  }

  /**
   * Registers {@code service} (its id set) with the agent and heartbeats its TTL check until the registration
   * or the runtime is closed.
   *
   * @throws IllegalStateException when this runtime has a registration of that id already
   */
  public ServiceRegistration register(Service service) throws InterruptedException {
    if (closed) throw new CoordinationException("the Coordinator is closed");
    return services.register(service);
  }

  /** The healthy instances of {@code service} (validated), those tagged {@code tag} only unless it is null. */
  public ServiceDiscovery discovery(String service, String tag) {
    if (closed) throw new CoordinationException("the Coordinator is closed");
    return new ServiceWatch(userWatches.listenerThreads(), consul.settings().operationDeadline(), service, tag)
        .start(watches);
  }

  /** Services registered now (diagnostics). */
  public int registeredServices() {
    return services.registered();
  }

  public void addSessionListener(SessionListener listener) {
    sessions.addListener(listener);
  }

  public void removeSessionListener(SessionListener listener) {
    sessions.removeListener(listener);
  }

  // ------------------------------------------------------------------------------- what primitives use

  /** Registers something to close first on {@link #close()}. */
  void own(AutoCloseable child) {
    if (closed) throw new CoordinationException("the Coordinator is closed");
    children.add(child);
  }

  void disown(AutoCloseable child) {
    children.remove(child);
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Closes elections and jobs, deregisters the services, releases every lease, destroys the session, stops the
   * threads. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    for (AutoCloseable child : children) {  // leaders stop their work before their locks are released
      try {
        child.close();
      } catch (Exception e) {
        log.warn("closing {} failed", child, e);
      }
    }
    children.clear();
    services.close();                // an instance stops being found before what it holds is released
    leases.releaseAll();             // release first: a destroyed session's keys stay blocked for the lock-delay
    announcements.close();           // then nobody can hand a key to this client any more
    leases.close();
    orphans.close();
    watches.close();
    userWatches.close();
    sessions.close();
    if (healthCheck != null) healthCheck.close();   // after the session: its loss must not race the close
    consul.close();
  }

  @Override
  public String toString() {
    return "owner=" + ownerId + ", " + consul.settings();
  }
}
