package dev.baton.internal;

import java.net.URI;
import java.util.Objects;

/**
 * Defaults from the environment variables Consul's own tools read ({@code CONSUL_HTTP_ADDR},
 * {@code CONSUL_HTTP_SSL}, {@code CONSUL_HTTP_TOKEN}), and the address rules.
 */
public final class ConsulEnvironment {
  private ConsulEnvironment() {}

  /** {@code CONSUL_HTTP_ADDR} (a bare {@code host:port} means http, https with {@code CONSUL_HTTP_SSL=true}), else the local agent. */
  public static URI defaultAddress() {
    String env = System.getenv("CONSUL_HTTP_ADDR");
    if (env == null || env.isBlank()) return URI.create("http://127.0.0.1:8500");
    String withScheme = env.contains("://") ? env
        : ("true".equalsIgnoreCase(System.getenv("CONSUL_HTTP_SSL")) ? "https://" : "http://") + env;
    try {
      return checkAddress(URI.create(withScheme));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CONSUL_HTTP_ADDR is not a usable address: \"" + env + "\"", e);
    }
  }

  /** {@code CONSUL_HTTP_TOKEN}, or null. */
  public static String defaultToken() {
    return System.getenv("CONSUL_HTTP_TOKEN");
  }

  /**
   * An http or https URL with a host.
   *
   * @throws IllegalArgumentException naming the parameter {@code address} otherwise
   */
  public static URI checkAddress(URI address) {
    Objects.requireNonNull(address, "address must not be null");
    String scheme = address.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException("address must be an http:// or https:// URL: \"" + address + "\"");
    }
    if (address.getHost() == null || address.getHost().isEmpty()) {
      throw new IllegalArgumentException("address has no host: \"" + address + "\"");
    }
    return address;
  }
}
