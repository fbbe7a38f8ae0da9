package dev.baton;

import dev.baton.internal.BatonRuntime;
import dev.baton.internal.ConsulEnvironment;
import dev.baton.internal.Names;
import dev.baton.internal.Primitives;
import dev.baton.internal.TlsFiles;
import dev.baton.internal.consul.TransportSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of Baton: one client of one Consul agent, with one Consul session shared by everything it
 * holds. Create it once per process with {@link #builder()}, share it between threads, close it on shutdown.
 *
 * <pre>{@code
 * try (Coordinator coordinator = Coordinator.builder()
 *     .address(URI.create("http://127.0.0.1:8500"))
 *     .keyPrefix("myapp/")
 *     .build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>The session is created lazily (on first use), renewed every TTL/3 by a daemon thread, and considered
 * lost as soon as this process can no longer prove it alive: Consul answered that it is gone, or no renewal
 * succeeded within the TTL (the local safety deadline). {@link SessionListener}s hear about it; the next use
 * creates a fresh session. {@link #close()} destroys the session and stops the threads.
 *
 * <p>Thread-safe. {@link #toString()} never shows the ACL token.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.coordinator");

  private final BatonRuntime runtime;
  private final String keyPrefix;
  private final String ownerId;
  private final Duration sessionTtl;
  private final Duration lockDelay;

  private Coordinator(String keyPrefix, BatonRuntime.Config config) {
    this.keyPrefix = keyPrefix;
    this.ownerId = config.ownerId();
    this.sessionTtl = config.sessionTtl();
    this.lockDelay = config.lockDelay();
    this.runtime = new BatonRuntime(config);
  }

  /** {@return a new builder; address and token default to {@code CONSUL_HTTP_ADDR} and {@code CONSUL_HTTP_TOKEN}} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the prefix under which every key of this Coordinator lives; always ends with {@code /}} */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * {@return this client's identity as written into the keys it holds} Default: host, pid and a random suffix.
   */
  public String ownerId() {
    return ownerId;
  }

  /** {@return the TTL of this Coordinator's sessions; they are renewed every TTL/3} */
  public Duration sessionTtl() {
    return sessionTtl;
  }

  /** {@return the lock-delay of this Coordinator's sessions (see {@link Builder#lockDelay(Duration)})} */
  public Duration lockDelay() {
    return lockDelay;
  }

  /**
   * The id of the current Consul session, creating it when there is none yet (or the last one was lost).
   *
   * @return the session id, as Consul shows it in {@code /v1/session/list}
   * @throws ConsulException when Consul refuses or cannot be reached
   * @throws CoordinationException when interrupted (the interrupt flag is kept) or closed
   */
  public String sessionId() {
    try {
      return runtime.sessionId();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while creating the Consul session", e);
    }
  }

  /**
   * Registers a listener for session creation, renewal and loss. It hears only what happens from now on.
   *
   * @param listener called on Baton's session thread; see {@link SessionListener}
   */
  public void addSessionListener(SessionListener listener) {
    runtime.addSessionListener(listener);
  }

  /**
   * Unregisters a listener added with {@link #addSessionListener(SessionListener)}; unknown ones are ignored.
   *
   * @param listener the listener to remove
   */
  public void removeSessionListener(SessionListener listener) {
    runtime.removeSessionListener(listener);
  }

  /**
   * The lock named {@code name} (key {@code keyPrefix() + name}), default options. Cheap: no network call;
   * locks of the same name share their state within this Coordinator.
   *
   * @param name the lock's name below {@link #keyPrefix()}, e.g. {@code jobs/report}
   * @return the lock; nothing is acquired yet
   * @throws IllegalArgumentException when the name is empty, blank, starts with '/', has '..' segments or
   *     control characters
   */
  public DistributedLock lock(String name) {
    return lock(name, LockOptions.defaults());
  }

  /**
   * The lock named {@code name} with {@code options}. Every client of the same lock should use the same
   * options.
   *
   * @param name the lock's name below {@link #keyPrefix()}
   * @param options {@link LockOptions#defaults()}, {@link LockOptions#fair()} or
   *     {@link LockOptions#consulCompatible()}
   * @return the lock; nothing is acquired yet
   * @throws IllegalArgumentException when the name is invalid (see {@link #lock(String)})
   */
  public DistributedLock lock(String name, LockOptions options) {
    Objects.requireNonNull(options, "options must not be null");
    if (options.isConsulCompatible()) return Primitives.consulCompatibleLock(runtime, key(name));
    return Primitives.lock(runtime, key(name), options.isFair());
  }

  /**
   * The semaphore named {@code name} with {@code permits} permits (keys below {@code keyPrefix() + name + "/"}).
   * Every client of the same semaphore must use the same number of permits. Cheap: no network call.
   *
   * @param name the semaphore's name below {@link #keyPrefix()}
   * @param permits how many leases may be held at once, across all clients
   * @return the semaphore; nothing is acquired yet
   * @throws IllegalArgumentException when the name is invalid or {@code permits < 1}
   */
  public DistributedSemaphore semaphore(String name, int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1: " + permits + " (semaphore " + name + ")");
    }
    return Primitives.semaphore(runtime, key(name), permits);
  }

  /**
   * The read-write lock named {@code name} (keys below {@code keyPrefix() + name + "/"}): many readers or one
   * writer, writers first. Cheap: no network call; read-write locks of the same name share their per-thread
   * holds within this Coordinator.
   *
   * @param name the lock's name below {@link #keyPrefix()}, e.g. {@code catalog}
   * @return the read-write lock; nothing is acquired yet
   * @throws IllegalArgumentException when the name is invalid (see {@link #lock(String)})
   */
  public DistributedReadWriteLock readWriteLock(String name) {
    return Primitives.readWriteLock(runtime, key(name));
  }

  /**
   * The leader election named {@code name} with this process as candidate {@code candidateId}. Call
   * {@link LeaderElection#start()} to take part; close it to leave.
   *
   * @param name the election's name below {@link #keyPrefix()}
   * @param candidateId this candidate's id as others see it in {@link LeaderElection#currentLeader()}
   * @return the election, not started yet
   * @throws IllegalArgumentException when the name is invalid or the candidate id is blank or has control
   *     characters
   */
  public LeaderElection election(String name, String candidateId) {
    return election(name, candidateId, Map.of());
  }

  /**
   * Like {@link #election(String, String)}, publishing {@code metadata} with the leadership.
   *
   * @param name the election's name below {@link #keyPrefix()}
   * @param candidateId this candidate's id
   * @param metadata published in {@link LeaderInfo#metadata()} while this candidate leads (copied)
   * @return the election, not started yet
   * @throws IllegalArgumentException when the name or the candidate id is invalid
   */
  public LeaderElection election(String name, String candidateId, Map<String, String> metadata) {
    if (candidateId == null || candidateId.isBlank() || candidateId.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("candidateId must be non-blank printable text: \"" + candidateId + "\"");
    }
    Objects.requireNonNull(metadata, "metadata must not be null");
    return Primitives.election(runtime, key(name), candidateId, metadata);
  }

  /**
   * Runs {@code task} every {@code period} (fixed rate) while this process is the leader of the election
   * {@code name} (candidate id: {@link #ownerId()}). Leadership loss interrupts the running execution and
   * stops the schedule; whichever process is elected next continues it. The job takes part in the election
   * at once; close it to leave.
   *
   * @param name the election's name below {@link #keyPrefix()}
   * @param period the time between the starts of two executions
   * @param task the work; see {@link LeaderTask}
   * @return the running job
   * @throws IllegalArgumentException when the name is invalid or the period is not positive
   */
  public LeaderJob scheduleOnLeader(String name, Duration period, LeaderTask task) {
    Objects.requireNonNull(period, "period must not be null");
    if (period.isZero() || period.isNegative()) throw new IllegalArgumentException("period must be positive: " + period);
    Objects.requireNonNull(task, "task must not be null");
    return Primitives.scheduleOnLeader(runtime, key(name), period, task);
  }

  /**
   * Watches the key {@code name} (key {@code keyPrefix() + name}) in Consul's default consistency mode: the
   * listener is called with its state once the watch has read it, then whenever that key changes. See
   * {@link Watch} for delivery, cost and consistency. No network call happens on the caller's thread.
   *
   * @param name the key below {@link #keyPrefix()}, e.g. {@code config/feature-flags}
   * @param listener told the key (relative to the key prefix), or empty when it does not exist
   * @return the watch; close it when done (closing the Coordinator closes it too)
   * @throws IllegalArgumentException when the name is invalid or the listener null
   */
  public KeyWatch watchKey(String name, Consumer<Optional<KeyValue>> listener) {
    return watchKey(name, Consistency.DEFAULT, listener);
  }

  /**
   * {@link #watchKey(String, Consumer)} in consistency mode {@code consistency}.
   *
   * @param name the key below {@link #keyPrefix()}
   * @param consistency {@link Consistency#DEFAULT} (the default), {@link Consistency#CONSISTENT}, or
   *     {@link Consistency#STALE} (any server answers; fine for configuration)
   * @param listener told the key, or empty when it does not exist
   * @return the watch
   * @throws IllegalArgumentException when an argument is invalid
   */
  public KeyWatch watchKey(String name, Consistency consistency, Consumer<Optional<KeyValue>> listener) {
    String key = key(name);
    requireNonNull("consistency", consistency);
    requireNonNull("listener", listener);
    return runtime.userWatches().key(key.substring(keyPrefix.length()), consistency, listener);
  }

  /**
   * Watches every key that starts with {@code prefix} (below {@code keyPrefix()}; end it with {@code /} to
   * watch one folder) in Consul's default consistency mode: the listener is called with all of them once the
   * watch has read them, then whenever one of them changes, appears or disappears. See {@link Watch}.
   *
   * @param prefix e.g. {@code config/billing/}
   * @param listener told every key under the prefix (relative to the key prefix, sorted) and its value
   * @return the watch; close it when done
   * @throws IllegalArgumentException when the prefix is invalid or the listener null
   */
  public PrefixWatch watchPrefix(String prefix, Consumer<Map<String, KeyValue>> listener) {
    return watchPrefix(prefix, Consistency.DEFAULT, listener);
  }

  /**
   * {@link #watchPrefix(String, Consumer)} in consistency mode {@code consistency}.
   *
   * @param prefix e.g. {@code config/billing/}
   * @param consistency the mode (default {@link Consistency#DEFAULT})
   * @param listener told every key under the prefix and its value
   * @return the watch
   * @throws IllegalArgumentException when an argument is invalid
   */
  public PrefixWatch watchPrefix(String prefix, Consistency consistency,
      Consumer<Map<String, KeyValue>> listener) {
    String path = Names.requireValidPath("prefix", prefix);
    requireNonNull("consistency", consistency);
    requireNonNull("listener", listener);
    return runtime.userWatches().prefix(path, consistency, listener);
  }

  /**
   * Typed configuration for hot reload: the key {@code name} holds JSON, decoded with Gson into
   * {@code type} whenever it changes (Consul's default consistency mode). {@link ConfigWatch#get()} throws
   * {@link IllegalStateException} until a value has been read and decoded; wait for the first read with
   * {@link ConfigWatch#awaitFirstRead}. A value that does not decode keeps the last good one.
   *
   * @param name the key below {@link #keyPrefix()}, e.g. {@code config/billing}
   * @param type the configuration's class (a record or a class Gson can build)
   * @param <T> the configuration's type
   * @return the watch; close it when done
   * @throws IllegalArgumentException when the name is invalid or the type null
   */
  public <T> ConfigWatch<T> watchConfig(String name, Class<T> type) {
    return watchConfig(name, type, Consistency.DEFAULT);
  }

  /**
   * {@link #watchConfig(String, Class)} in consistency mode {@code consistency}; {@link Consistency#STALE}
   * lets any server answer (cheapest; a change may arrive a little later).
   *
   * @param name the key below {@link #keyPrefix()}
   * @param type the configuration's class
   * @param consistency the mode (default {@link Consistency#DEFAULT})
   * @param <T> the configuration's type
   * @return the watch
   * @throws IllegalArgumentException when an argument is invalid
   */
  public <T> ConfigWatch<T> watchConfig(String name, Class<T> type, Consistency consistency) {
    String key = key(name);
    requireNonNull("type", type);
    requireNonNull("consistency", consistency);
    return runtime.userWatches().config(key.substring(keyPrefix.length()), type, consistency);
  }

  /**
   * Registers {@code service} with this Coordinator's Consul agent ({@code PUT /v1/agent/service/register})
   * with a TTL check that this Coordinator passes every TTL/3 on a daemon thread until the registration is
   * closed; see {@link ServiceRegistration}. The check starts passing. Closing the Coordinator deregisters every
   * service it registered, before it releases anything it holds.
   *
   * @param service the service; without an id, its id is {@code service.name() + "-" + ownerId()}
   * @return the open registration
   * @throws IllegalArgumentException when the service is null, or its default id is invalid (the owner id has
   *     whitespace or '/')
   * @throws IllegalStateException when this Coordinator has an open registration of that id already
   * @throws ConsulAccessDeniedException when the ACL token may not register the service (403)
   * @throws ConsulRequestRejectedException when the agent refuses the definition (400)
   * @throws ConsulUnavailableException when the agent cannot be reached (the service may have been registered
   *     all the same: it is deregistered in the background)
   * @throws CoordinationException when interrupted (the interrupt flag is kept) or closed
   */
  public ServiceRegistration register(Service service) {
    requireNonNull("service", service);
    Service withId = service.withDefaultId(service.name() + "-" + ownerId);
    try {
      return runtime.register(withId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while registering service " + withId.id().orElseThrow(), e);
    }
  }

  /**
   * The healthy instances of the service {@code service}, kept up to date from now on until the discovery is
   * closed: a blocking query on {@code /v1/health/service/<service>?passing} in this Coordinator's watch
   * engine (see {@link Watch} for delivery). No network call happens on the caller's thread.
   *
   * <p>Each watched service (and tag) is a blocking query of its own; discoveries of the same service share
   * it. The engine holds at most its share of {@link Builder#maxConnections(int)} connections for its queries
   * (4 with the default 16): with more watched services (plus a query for the watched and held keys) than that,
   * queries take turns — a query waits for a connection until another one's answer returns (at most 15 s), so
   * changes can reach listeners that much later. Raise {@code maxConnections} for many services.
   *
   * @param service the service's name: letters, digits, {@code -}, {@code _} and {@code .}
   * @return the discovery; close it when done (closing the Coordinator closes it too)
   * @throws IllegalArgumentException when the name is invalid
   * @throws CoordinationException when the Coordinator is closed
   */
  public ServiceDiscovery discovery(String service) {
    return runtime.discovery(Service.requireValidName("service", service), null);
  }

  /**
   * {@link #discovery(String)} of the instances with the tag {@code tag} only ({@code &tag=}).
   *
   * @param service the service's name
   * @param tag the tag instances must have
   * @return the discovery; close it when done
   * @throws IllegalArgumentException when the name or the tag is invalid (the tag: null, blank or with control
   *     characters)
   * @throws CoordinationException when the Coordinator is closed
   */
  public ServiceDiscovery discovery(String service, String tag) {
    Service.requireValidName("service", service);
    return runtime.discovery(service, Service.requireValidTag("tag", tag));
  }

  private static void requireNonNull(String parameter, Object value) {
    if (value == null) throw new IllegalArgumentException(parameter + " must not be null");
  }

  /** Services registered now (for tests: none is left behind). */
  int registeredServices() {
    return runtime.registeredServices();
  }

  /** Local gates in use (for tests: none is left behind). */
  int localGates() {
    return runtime.localGates();
  }

  /** The full Consul key of a primitive named {@code name} (validated). */
  String key(String name) {
    return keyPrefix + Names.requireValidName("name", name);
  }

  /**
   * Stops elections and leader jobs, deregisters the services it registered, releases everything held,
   * destroys the session (Consul releases what it still held) and stops the threads. Idempotent.
   */
  @Override
  public void close() {
    runtime.close();
  }

  @Override
  public String toString() {
    return "Coordinator{keyPrefix=" + keyPrefix + ", " + runtime + "}";
  }

  /**
   * Builds a {@link Coordinator}. Not thread-safe. Every setter validates its argument at once and throws
   * {@link IllegalArgumentException} naming the parameter and the bad value.
   */
  public static final class Builder {
    /** Consul's lower limit for a session TTL: 10 s. */
    public static final Duration MIN_TTL = Duration.ofSeconds(10);
    /** Consul's upper limit for a session TTL: 24 h. */
    public static final Duration MAX_TTL = Duration.ofHours(24);
    /** Consul's upper limit for lock-delay: 60 s. */
    public static final Duration MAX_LOCK_DELAY = Duration.ofSeconds(60);

    private URI address;
    private String token;
    private boolean tokenSet;
    private String keyPrefix = "baton/";
    private Duration sessionTtl = Duration.ofSeconds(15);
    private Duration lockDelay;
    private Duration requestTimeout = Duration.ofSeconds(3);
    private Duration operationTimeout = Duration.ofSeconds(10);
    private String datacenter;
    private Consistency consistency = Consistency.DEFAULT;
    private List<String> sessionChecks;
    private boolean deleteKeysOnSessionLoss;
    private String ownerId;
    private Path caCertificate;
    private Path clientCertificate;
    private Path clientKey;
    private SSLSocketFactory sslSocketFactory;
    private X509TrustManager trustManager;
    private BatonMetrics metrics = BatonMetrics.NONE;
    private int maxConnections = TransportSettings.DEFAULT_CONNECTIONS;
    private Duration healthCheckTtl;

    private Builder() {}

    /**
     * Consul's HTTP address, {@code http://} or {@code https://}. Default: {@code CONSUL_HTTP_ADDR} (a
     * bare {@code host:port} there means http), else {@code http://127.0.0.1:8500}.
     *
     * @param address an http or https URL with a host, e.g. {@code https://consul.internal:8501}
     * @return this builder
     * @throws IllegalArgumentException when it is not an http or https URL with a host
     */
    public Builder address(URI address) {
      this.address = ConsulEnvironment.checkAddress(address);
      return this;
    }

    /**
     * {@link #address(URI)} from a string.
     *
     * @param address e.g. {@code http://127.0.0.1:8500}
     * @return this builder
     * @throws IllegalArgumentException when it is not a valid URI, or not an http or https URL with a host
     */
    public Builder address(String address) {
      Objects.requireNonNull(address, "address must not be null");
      try {
        return address(URI.create(address));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("address is not a valid URI: \"" + address + "\"", e);
      }
    }

    /**
     * The ACL token sent as {@code X-Consul-Token}; default {@code CONSUL_HTTP_TOKEN}. Never logged, never in
     * exception messages or {@code toString()}.
     *
     * @param token the token, or null to send none (even when {@code CONSUL_HTTP_TOKEN} is set)
     * @return this builder
     */
    public Builder token(String token) {
      this.token = token;
      this.tokenSet = true;
      return this;
    }

    /**
     * Prefix of every key Baton writes (default {@code baton/}); a trailing {@code /} is added if missing.
     * Clients that should meet on the same locks must use the same prefix.
     *
     * @param keyPrefix e.g. {@code myapp/}
     * @return this builder
     * @throws IllegalArgumentException when it is blank, starts with '/', has '..' segments or control
     *     characters
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = Names.requireValidPrefix("keyPrefix", keyPrefix);
      return this;
    }

    /**
     * The session TTL, 10 s to 24 h (Consul's limits), default 15 s. A lease is valid only while a renewal
     * sent within the last TTL (or the last {@link #lockDelay(Duration) lock-delay}, when that is shorter)
     * succeeded, and the session is renewed every third of that window: a shorter TTL detects a lost
     * connection sooner and costs more renewals.
     *
     * @param ttl between {@link #MIN_TTL} and {@link #MAX_TTL}
     * @return this builder
     * @throws IllegalArgumentException when it is outside Consul's limits
     */
    public Builder sessionTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "sessionTtl must not be null");
      if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
        throw new IllegalArgumentException("sessionTtl must be between 10s and 24h (Consul's limits): " + ttl);
      }
      this.sessionTtl = ttl;
      return this;
    }

    /**
     * Consul's lock-delay, 0 to 60 s: after Consul invalidates this client's session, nobody can acquire the
     * keys it held for this long. Default: the session TTL, capped at Consul's 60 s.
     *
     * <p>Consul may invalidate a session at any moment after its last renewal — at once when an operator
     * destroys it, after a few seconds when the node's {@code serfHealth} check fails in a partition — and
     * another client may then acquire one lock-delay later. This client therefore gives up its leases (its
     * local deadline) at the last successful renewal's start plus the shorter of the TTL and the lock-delay,
     * and renews every third of that: the next holder never gets in before this one has stopped, whatever the
     * two values (a TTL of 2 minutes with the default 60 s lock-delay renews every 20 s). A short lock-delay
     * means frequent renewals, each of which must succeed within it. 0 gives no such guarantee (the local
     * deadline is then one TTL) and is logged as a warning by {@link #build()}: use it only when every write
     * to the protected resource is checked against the fencing token.
     *
     * @param lockDelay between 0 and {@link #MAX_LOCK_DELAY}
     * @return this builder
     * @throws IllegalArgumentException when it is negative or above 60 s
     */
    public Builder lockDelay(Duration lockDelay) {
      Objects.requireNonNull(lockDelay, "lockDelay must not be null");
      if (lockDelay.isNegative() || lockDelay.compareTo(MAX_LOCK_DELAY) > 0) {
        throw new IllegalArgumentException("lockDelay must be between 0 and 60s (Consul's limits): "
            + lockDelay);
      }
      this.lockDelay = lockDelay;
      return this;
    }

    /**
     * Binds the session to a TTL health check of this client's own, so that Consul invalidates it within about
     * {@code checkTtl} of this process crashing or freezing, instead of after up to twice the session TTL: a
     * crashed holder's locks and leadership move on in seconds. Default: not set (the session is bound to the
     * node's {@code serfHealth} only).
     *
     * <p>The Coordinator registers the check with the agent it talks to, as the TTL check of a small service
     * {@code baton-session} with id {@code baton-session-<ownerId>} (a service check: a node check that went
     * critical would take every service of the node out of discovery), marks it passing every third of
     * {@code checkTtl}, and creates its session with this check and {@code serfHealth}. A clean
     * {@link Coordinator#close()} deregisters it; after a crash the agent removes it one minute after it went
     * critical. Unless {@link #lockDelay(Duration)} is set, the lock-delay becomes {@code checkTtl} (renewals
     * every third of it), so that a waiter gets a crashed holder's lock about {@code 2 × checkTtl} after the
     * crash: {@code healthCheckTtl(Duration.ofSeconds(2))} fails over in about 4 s.
     *
     * <p>Safety is unchanged: heartbeats prove nothing about the session on the servers and never extend a
     * lease; a lease still ends at the last successful session renewal plus min(session TTL, lock-delay), before
     * anyone else can acquire after an invalidation at any moment. The price: a pause longer than
     * {@code checkTtl} (a long GC, a frozen VM, an agent that does not answer) loses the session.
     *
     * @param checkTtl at least 1 s, at most 10 minutes
     * @return this builder
     * @throws IllegalArgumentException when it is outside those bounds
     */
    public Builder healthCheckTtl(Duration checkTtl) {
      Objects.requireNonNull(checkTtl, "healthCheckTtl must not be null");
      if (checkTtl.compareTo(Duration.ofSeconds(1)) < 0 || checkTtl.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("healthCheckTtl must be between 1s and 10m: " + checkTtl);
      }
      this.healthCheckTtl = checkTtl;
      return this;
    }

    /**
     * Timeout of one HTTP request that is not a blocking query (default 3 s).
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when it is zero or negative
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /**
     * How long one operation may keep retrying while Consul is unavailable (default 10 s); then it throws
     * {@link ConsulUnavailableException}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when it is zero or negative
     */
    public Builder operationTimeout(Duration timeout) {
      this.operationTimeout = positive("operationTimeout", timeout);
      return this;
    }

    /**
     * The Consul datacenter ({@code ?dc=}); default: the agent's own.
     *
     * @param datacenter the datacenter's name, or null for the agent's own
     * @return this builder
     * @throws IllegalArgumentException when it has characters other than letters, digits, '_', '.', '-'
     */
    public Builder datacenter(String datacenter) {
      if (datacenter != null && (datacenter.isBlank() || !datacenter.matches("[A-Za-z0-9_.-]+"))) {
        throw new IllegalArgumentException("datacenter must be letters, digits, '_', '.', '-': \""
            + datacenter + "\"");
      }
      this.datacenter = datacenter;
      return this;
    }

    /**
     * Consistency mode of plain reads (default: Consul's default). Waits always use the default mode.
     *
     * @param consistency the mode
     * @return this builder
     */
    public Builder consistency(Consistency consistency) {
      this.consistency = Objects.requireNonNull(consistency, "consistency must not be null");
      return this;
    }

    /**
     * The most HTTP connections this Coordinator opens to Consul at once (default
     * {@value dev.baton.internal.consul.TransportSettings#DEFAULT_CONNECTIONS}, at least
     * {@value dev.baton.internal.consul.TransportSettings#MIN_CONNECTIONS}), however many keys it holds, watches
     * or waits for. Consul refuses more than {@code http_max_conns_per_client} (200 by default) connections
     * from one IP address, which all processes on one host share. The budget is split into lanes that never
     * wait for each other: 2 for the session (its renewals never queue behind anything else), 1 for the agent
     * (health check heartbeats and service registrations: a heartbeat that waits could let a check go
     * critical), about half the
     * rest for short calls (acquire, release, reads), the remainder for blocking queries — those of the watch
     * engine (held keys and watches, however many: neighbouring keys share a recursive query once there are
     * more than its share) and those of waiters (a waiter beyond them waits through the engine instead).
     * With the default 16: 2 session, 1 agent, 6 short calls, 4 watch-engine queries, 3 waiters' own queries.
     *
     * @param maxConnections the budget
     * @return this builder
     * @throws IllegalArgumentException when it is below the minimum
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < TransportSettings.MIN_CONNECTIONS) {
        throw new IllegalArgumentException("maxConnections must be at least " + TransportSettings.MIN_CONNECTIONS
            + ": " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * Health checks the session is bound to; when one fails Consul invalidates the session. Default (not
     * called): Consul's default, the node's {@code serfHealth}. An empty list binds to no check.
     *
     * @param checks check ids, e.g. {@code serfHealth} and a service's check (copied)
     * @return this builder
     * @throws IllegalArgumentException when a check id is null or blank
     */
    public Builder sessionChecks(List<String> checks) {
      Objects.requireNonNull(checks, "sessionChecks must not be null");
      List<String> copy = new ArrayList<>();
      for (String c : checks) {
        if (c == null || c.isBlank()) throw new IllegalArgumentException("sessionChecks has a blank check id");
        copy.add(c);
      }
      this.sessionChecks = List.copyOf(copy);
      return this;
    }

    /**
     * Session behavior {@code delete}: keys held when the session is invalidated are deleted instead of
     * released (default false, i.e. {@code release}).
     *
     * @param delete true for {@code delete}, false for {@code release}
     * @return this builder
     */
    public Builder deleteKeysOnSessionLoss(boolean delete) {
      this.deleteKeysOnSessionLoss = delete;
      return this;
    }

    /**
     * This client's identity written into the keys it holds (default: host-pid-random); shows in
     * {@link LockHolder#ownerId()}, {@link LeaderInfo#ownerId()} and the session's name.
     *
     * @param ownerId non-blank printable text
     * @return this builder
     * @throws IllegalArgumentException when it is blank or has control characters
     */
    public Builder ownerId(String ownerId) {
      if (ownerId == null || ownerId.isBlank() || ownerId.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("ownerId must be non-blank printable text: \"" + ownerId + "\"");
      }
      this.ownerId = ownerId;
      return this;
    }

    /**
     * Trust the CA certificate(s) in this PEM file for https, instead of the JDK's default trust store. The
     * file is read by {@link #build()}.
     *
     * @param pemFile one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException when the file is not readable
     */
    public Builder tlsCaCertificate(Path pemFile) {
      this.caCertificate = readable("tlsCaCertificate", pemFile);
      return this;
    }

    /**
     * Present this client certificate (PEM chain) with its PKCS#8 PEM private key for mutual TLS. The files
     * are read by {@link #build()}.
     *
     * @param certificatePem the client certificate, optionally followed by its chain
     * @param privateKeyPem the certificate's private key, PKCS#8 PEM ({@code BEGIN PRIVATE KEY})
     * @return this builder
     * @throws IllegalArgumentException when a file is not readable
     */
    public Builder tlsClientCertificate(Path certificatePem, Path privateKeyPem) {
      this.clientCertificate = readable("tlsClientCertificate certificate", certificatePem);
      this.clientKey = readable("tlsClientCertificate private key", privateKeyPem);
      return this;
    }

    /**
     * Full control of TLS: the socket factory and trust manager to use for https. Takes precedence over
     * {@link #tlsCaCertificate(Path)} and {@link #tlsClientCertificate(Path, Path)}.
     *
     * @param socketFactory creates the TLS sockets (client certificates go into its key managers)
     * @param trustManager verifies Consul's certificate
     * @return this builder
     */
    public Builder tls(SSLSocketFactory socketFactory, X509TrustManager trustManager) {
      this.sslSocketFactory = Objects.requireNonNull(socketFactory, "socketFactory must not be null");
      this.trustManager = Objects.requireNonNull(trustManager, "trustManager must not be null");
      return this;
    }

    /**
     * Where Baton reports its measurements (HTTP calls, acquisitions, hold times, losses, session renewals,
     * leadership, open connections); default {@link BatonMetrics#NONE}. See {@link BatonMetrics}, and the
     * README's "Metrics and JFR" section for a bridge to Micrometer.
     *
     * @param metrics the listener; its methods are called synchronously and must be cheap and thread-safe
     * @return this builder
     */
    public Builder metrics(BatonMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics must not be null");
      return this;
    }

    /**
     * Builds the Coordinator. No network call happens here; the session is created on first use.
     *
     * @return a new Coordinator; close it when done
     * @throws IllegalArgumentException when a TLS file cannot be parsed
     */
    public Coordinator build() {
      URI addr = address != null ? address : ConsulEnvironment.defaultAddress();
      String tok = tokenSet ? token : ConsulEnvironment.defaultToken();
      Duration delay = lockDelay;
      if (delay == null && healthCheckTtl != null) {
        delay = healthCheckTtl.compareTo(sessionTtl) < 0 ? healthCheckTtl : sessionTtl;
        if (delay.compareTo(MAX_LOCK_DELAY) > 0) delay = MAX_LOCK_DELAY;
      } else if (delay == null) {
        delay = sessionTtl.compareTo(MAX_LOCK_DELAY) > 0 ? MAX_LOCK_DELAY : sessionTtl;
      } else if (delay.isZero()) {
        log.warn("lockDelay 0: after a forced invalidation (node failure, operator) another client may acquire "
            + "a lock before this one notices the loss; fence every write with the lease's token");
      }
      SSLSocketFactory factory = sslSocketFactory;
      X509TrustManager trust = trustManager;
      if (factory == null && (caCertificate != null || clientCertificate != null)) {
        TlsFiles.Tls tls = TlsFiles.read(caCertificate, clientCertificate, clientKey);
        factory = tls.socketFactory();
        trust = tls.trustManager();
      }
      String mode = switch (consistency) {
        case CONSISTENT -> "consistent";
        case STALE -> "stale";
        case DEFAULT -> null;
      };
      TransportSettings settings = new TransportSettings(addr, tok, datacenter, mode, requestTimeout,
          operationTimeout, factory, trust).withMaxConnections(maxConnections);
      BatonRuntime.Config config = new BatonRuntime.Config(settings, keyPrefix,
          ownerId != null ? ownerId : BatonRuntime.defaultOwnerId(), sessionTtl, delay, deleteKeysOnSessionLoss,
          sessionChecks, healthCheckTtl, metrics);
      return new Coordinator(keyPrefix, config);
    }

    private static Path readable(String parameter, Path p) {
      Objects.requireNonNull(p, parameter + " must not be null");
      if (!Files.isReadable(p)) throw new IllegalArgumentException(parameter + " is not a readable file: " + p);
      return p;
    }

    private static Duration positive(String parameter, Duration d) {
      Objects.requireNonNull(d, parameter + " must not be null");
      if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(parameter + " must be positive: " + d);
      return d;
    }

    @Override
    public String toString() {
      return "Coordinator.Builder{address=" + address + ", token=" + (tokenSet && token != null ? "<hidden>"
          : "unset") + ", keyPrefix=" + keyPrefix + ", sessionTtl=" + sessionTtl + "}";
    }
  }

}
