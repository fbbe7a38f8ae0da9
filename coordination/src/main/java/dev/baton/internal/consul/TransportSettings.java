package dev.baton.internal.consul;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Immutable settings of a {@link ConsulTransport}. {@link #toString()} never shows the ACL token.
 */
public final class TransportSettings {
  final URI address;
  final String token;
  final String datacenter;
  /** The query parameter of plain reads' consistency mode ({@code consistent}, {@code stale}), or null. */
  final String consistency;
  final Duration requestTimeout;
  final Duration operationDeadline;
  final SSLSocketFactory sslSocketFactory;
  final X509TrustManager trustManager;
  /** The most HTTP connections open to Consul at once (see {@link #withMaxConnections}). */
  final int maxConnections;

  /** The smallest {@link #withMaxConnections} accepted. */
  public static final int MIN_CONNECTIONS = 8;
  /** The default of {@link #withMaxConnections}. */
  public static final int DEFAULT_CONNECTIONS = 16;

  public TransportSettings(URI address, String token, String datacenter, String consistency,
      Duration requestTimeout, Duration operationDeadline, SSLSocketFactory sslSocketFactory,
      X509TrustManager trustManager) {
    this(address, token, datacenter, consistency, requestTimeout, operationDeadline, sslSocketFactory, trustManager,
        DEFAULT_CONNECTIONS);
  }

  private TransportSettings(URI address, String token, String datacenter, String consistency,
      Duration requestTimeout, Duration operationDeadline, SSLSocketFactory sslSocketFactory,
      X509TrustManager trustManager, int maxConnections) {
    if (maxConnections < MIN_CONNECTIONS) {
      throw new IllegalArgumentException("maxConnections must be at least " + MIN_CONNECTIONS + ": " + maxConnections);
    }
    this.maxConnections = maxConnections;
    this.address = Objects.requireNonNull(address, "address");
    this.token = token == null || token.isBlank() ? null : token;
    this.datacenter = datacenter;
    if (consistency != null && !consistency.equals("consistent") && !consistency.equals("stale")) {
      throw new IllegalArgumentException("consistency must be null, \"consistent\" or \"stale\": " + consistency);
    }
    this.consistency = consistency;
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.operationDeadline = Objects.requireNonNull(operationDeadline, "operationDeadline");
    this.sslSocketFactory = sslSocketFactory;
    this.trustManager = trustManager;
  }

  /** Plain settings for tests and tools: default consistency, 3 s per request, 10 s per operation. */
  public static TransportSettings of(URI address, String token) {
    return new TransportSettings(address, token, null, null, Duration.ofSeconds(3),
        Duration.ofSeconds(10), null, null);
  }

  /**
   * These settings with at most {@code n} HTTP connections open at once, split into lanes that never wait for
   * each other: {@link #sessionCalls()} for the session (create, renew, destroy), {@link #agentCalls()} for the
   * agent (health check heartbeats, service registrations), {@link #shortCalls()} for every other short call, {@link #watchQueries()} for the watch engine's blocking queries and
   * {@link #directWaits()} for waiters' own blocking queries.
   */
  public TransportSettings withMaxConnections(int n) {
    return new TransportSettings(address, token, datacenter, consistency, requestTimeout, operationDeadline,
        sslSocketFactory, trustManager, n);
  }

  public int maxConnections() { return maxConnections; }

  /** Connections reserved for the session's calls. */
  public int sessionCalls() { return 2; }

  /** Connections reserved for the agent's calls (heartbeats, service registrations). */
  public int agentCalls() { return 1; }

  /** Connections of the other short calls (reads, writes, transactions). */
  public int shortCalls() { return (maxConnections - sessionCalls() - agentCalls()) / 2; }

  /** Blocking queries of the watch engine (held keys, user watches, waiters beyond {@link #directWaits()}). */
  public int watchQueries() {
    return Math.max(3, (blocking() + 1) / 2);
  }

  /** Waiters that may run a blocking query of their own at once; the others wait through the engine. */
  public int directWaits() {
    return blocking() - watchQueries();
  }

  private int blocking() {
    return maxConnections - sessionCalls() - agentCalls() - shortCalls();
  }

  public URI address() { return address; }

  public Duration requestTimeout() { return requestTimeout; }

  public Duration operationDeadline() { return operationDeadline; }

  @Override
  public String toString() {
    return "TransportSettings{address=" + address + ", token=" + (token == null ? "none" : "<hidden>")
        + ", datacenter=" + datacenter + ", consistency=" + (consistency == null ? "default" : consistency) + ", requestTimeout=" + requestTimeout
        + ", operationDeadline=" + operationDeadline + ", tls=" + (sslSocketFactory != null)
        + ", maxConnections=" + maxConnections + "}";
  }
}
