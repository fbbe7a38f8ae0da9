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

  public TransportSettings(URI address, String token, String datacenter, String consistency,
      Duration requestTimeout, Duration operationDeadline, SSLSocketFactory sslSocketFactory,
      X509TrustManager trustManager) {
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

  public URI address() { return address; }

  public Duration requestTimeout() { return requestTimeout; }

  public Duration operationDeadline() { return operationDeadline; }

  @Override
  public String toString() {
    return "TransportSettings{address=" + address + ", token=" + (token == null ? "none" : "<hidden>")
        + ", datacenter=" + datacenter + ", consistency=" + (consistency == null ? "default" : consistency) + ", requestTimeout=" + requestTimeout
        + ", operationDeadline=" + operationDeadline + ", tls=" + (sslSocketFactory != null) + "}";
  }
}
