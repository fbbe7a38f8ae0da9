package dev.baton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A service to register with {@link Coordinator#register(Service)}: its name, id, address, port, tags and
 * metadata, and the TTL of the check the Coordinator keeps passing while the registration is open. Immutable;
 * built with {@link #builder(String)}, whose setters validate their argument at once and throw
 * {@link IllegalArgumentException} naming the field.
 *
 * <pre>{@code
 * Service billing = Service.builder("billing").id("billing-1").address("10.0.0.7").port(8080)
 *     .tags("v2", "eu").meta(Map.of("zone", "a"))
 *     .ttl(Duration.ofSeconds(5)).deregisterCriticalAfter(Duration.ofMinutes(1))
 *     .build();
 * }</pre>
 */
public final class Service {
  /** The shortest check TTL: 1 s. */
  public static final Duration MIN_TTL = Duration.ofSeconds(1);
  /** The longest check TTL: 24 h. */
  public static final Duration MAX_TTL = Duration.ofHours(24);
  /** The check TTL unless {@link Builder#ttl(Duration)} says otherwise: 10 s. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
  /** The shortest {@link Builder#deregisterCriticalAfter(Duration)} Consul applies: 1 minute. */
  public static final Duration MIN_DEREGISTER_CRITICAL_AFTER = Duration.ofMinutes(1);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private final String name;
  private final String id;
  private final String address;
  private final int port;
  private final List<String> tags;
  private final Map<String, String> meta;
  private final Duration ttl;
  private final Duration deregisterCriticalAfter;

  private Service(Builder b, String id) {
    this.name = b.name;
    this.id = id;
    this.address = b.address;
    this.port = b.port;
    this.tags = b.tags;
    this.meta = b.meta;
    this.ttl = b.ttl;
    this.deregisterCriticalAfter = b.deregisterCriticalAfter;
  }

  private Service(Service s, String id) {
    this.name = s.name;
    this.id = id;
    this.address = s.address;
    this.port = s.port;
    this.tags = s.tags;
    this.meta = s.meta;
    this.ttl = s.ttl;
    this.deregisterCriticalAfter = s.deregisterCriticalAfter;
  }

  /**
   * A builder of the service {@code name}.
   *
   * @param name the service's name: letters, digits, {@code -}, {@code _} and {@code .} (for DNS, only letters,
   *     digits and {@code -})
   * @return a builder with no id (the Coordinator's default), no address (the node's), no port, no tags, no
   *     metadata, the {@link #DEFAULT_TTL} and no deregistration of a critical service
   * @throws IllegalArgumentException when the name is null, empty or has other characters
   */
  public static Builder builder(String name) {
    return new Builder(requireValidName("name", name));
  }

  /** {@return the service's name} */
  public String name() {
    return name;
  }

  /**
   * {@return the service's id, unique on its agent} Empty when not set: {@link Coordinator#register(Service)}
   * then uses {@code name + "-" +} {@link Coordinator#ownerId()}, which {@link ServiceRegistration#service()}
   * shows.
   */
  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  /** {@return the service's address; empty: the address of the agent's node} */
  public Optional<String> address() {
    return Optional.ofNullable(address);
  }

  /** {@return the service's port, 0 when it has none} */
  public int port() {
    return port;
  }

  /** {@return the service's tags, in order (unmodifiable)} */
  public List<String> tags() {
    return tags;
  }

  /** {@return the service's metadata, sorted by key (unmodifiable)} */
  public Map<String, String> meta() {
    return meta;
  }

  /** {@return the TTL of the service's check: it turns critical when no heartbeat arrives for this long} */
  public Duration ttl() {
    return ttl;
  }

  /**
   * {@return how long the check may stay critical before the agent removes the service} Empty: never (Consul's
   * default).
   */
  public Optional<Duration> deregisterCriticalAfter() {
    return Optional.ofNullable(deregisterCriticalAfter);
  }

  /** This service with {@code id} as its id when it has none (validated). */
  Service withDefaultId(String defaultId) {
    if (id != null) return this;
    try {
      return new Service(this, requireValidId("id", defaultId));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (the default id, name-ownerId: set one with id())", e);
    }
  }

  @Override
  public String toString() {
    return "Service{name=" + name + ", id=" + id + ", address=" + address + ", port=" + port + ", tags=" + tags
        + ", meta=" + meta + ", ttl=" + ttl + ", deregisterCriticalAfter=" + deregisterCriticalAfter + "}";
  }

  // ------------------------------------------------------------------------------------------ validation

  /** A service name: letters, digits, '-', '_', '.'. */
  static String requireValidName(String parameter, String value) {
    if (value == null) throw new IllegalArgumentException(parameter + " must not be null");
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(parameter + " must be letters, digits, '-', '_' or '.': \""
          + printable(value) + "\"");
    }
    return value;
  }

  /** A tag: not blank, no control characters. */
  static String requireValidTag(String parameter, String value) {
    if (value == null) throw new IllegalArgumentException(parameter + " must not be null");
    if (value.isBlank() || value.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(parameter + " must be non-blank printable text: \"" + printable(value)
          + "\"");
    }
    return value;
  }

  /** An id or address: not empty, no whitespace, control characters or '/'. */
  private static String requireValidId(String parameter, String value) {
    if (value == null) throw new IllegalArgumentException(parameter + " must not be null");
    if (value.isEmpty() || value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)
        || c == '/')) {
      throw new IllegalArgumentException(parameter + " must be non-empty, without whitespace, control "
          + "characters or '/': \"" + printable(value) + "\"");
    }
    return value;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (Character.isISOControl(c)) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
    }
    return b.toString();
  }

  /**
   * Builds a {@link Service}. Not thread-safe. Every setter validates its argument at once and throws
   * {@link IllegalArgumentException} naming the field and the bad value.
   */
  public static final class Builder {
    private final String name;
    private String id;
    private String address;
    private int port;
    private List<String> tags = List.of();
    private Map<String, String> meta = Map.of();
    private Duration ttl = DEFAULT_TTL;
    private Duration deregisterCriticalAfter;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The service's id, unique on its agent (default: {@code name + "-" +} {@link Coordinator#ownerId()}).
     * Registering an id that the agent knows already replaces that registration.
     *
     * @param id non-empty, no whitespace, control characters or {@code /}
     * @return this builder
     * @throws IllegalArgumentException when the id is invalid
     */
    public Builder id(String id) {
      this.id = requireValidId("id", id);
      return this;
    }

    /**
     * The address clients reach the service at (default: none, i.e. the address of the agent's node).
     *
     * @param address an IP address or host name
     * @return this builder
     * @throws IllegalArgumentException when it is null, empty, or has whitespace, control characters or '/'
     */
    public Builder address(String address) {
      this.address = requireValidId("address", address);
      return this;
    }

    /**
     * The service's port (default 0: none).
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException when it is outside 0..65535
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535 (0: none): " + port);
      this.port = port;
      return this;
    }

    /**
     * The service's tags, replacing any set before (default: none); {@link Coordinator#discovery(String,
     * String)} finds the instances with a tag.
     *
     * @param tags non-blank printable text each
     * @return this builder
     * @throws IllegalArgumentException when the array or a tag is null, or a tag is blank or has control
     *     characters
     */
    public Builder tags(String... tags) {
      if (tags == null) throw new IllegalArgumentException("tags must not be null");
      List<String> copy = new ArrayList<>(tags.length);
      for (int i = 0; i < tags.length; i++) copy.add(requireValidTag("tags[" + i + "]", tags[i]));
      this.tags = List.copyOf(copy);
      return this;
    }

    /**
     * The service's metadata, replacing any set before (default: none), with Consul's limits: at most 64
     * pairs, keys of 1 to 128 letters, digits, {@code -} and {@code _} not starting with {@code consul-},
     * values of at most 512 characters.
     *
     * @param meta the pairs (copied)
     * @return this builder
     * @throws IllegalArgumentException when the map, a key or a value is null, or the limits are exceeded
     */
    public Builder meta(Map<String, String> meta) {
      if (meta == null) throw new IllegalArgumentException("meta must not be null");
      if (meta.size() > 64) throw new IllegalArgumentException("meta must have at most 64 pairs: " + meta.size());
      Map<String, String> copy = new TreeMap<>();
      for (Map.Entry<String, String> e : meta.entrySet()) {
        String key = e.getKey();
        if (key == null) throw new IllegalArgumentException("meta must not have a null key");
        if (!META_KEY.matcher(key).matches() || key.startsWith("consul-")) {
          throw new IllegalArgumentException("meta key must be 1 to 128 letters, digits, '-' or '_', not "
              + "starting with 'consul-': \"" + printable(key) + "\"");
        }
        if (e.getValue() == null) throw new IllegalArgumentException("meta value of " + key + " must not be null");
        if (e.getValue().length() > 512) {
          throw new IllegalArgumentException("meta value of " + key + " must have at most 512 characters: "
              + e.getValue().length());
        }
        copy.put(key, e.getValue());
      }
      this.meta = Collections.unmodifiableMap(copy);
      return this;
    }

    /**
     * The TTL of the service's check (default {@link Service#DEFAULT_TTL}): the Coordinator passes the check every
     * TTL/3; when no heartbeat arrives for a TTL (the process hangs or died, the agent is unreachable) the
     * check turns critical and the instance leaves the healthy ones.
     *
     * @param ttl {@link Service#MIN_TTL} to {@link Service#MAX_TTL}
     * @return this builder
     * @throws IllegalArgumentException when it is null or outside that range
     */
    public Builder ttl(Duration ttl) {
      if (ttl == null) throw new IllegalArgumentException("ttl must not be null");
      if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
        throw new IllegalArgumentException("ttl must be between 1s and 24h: " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Lets the agent remove the service once its check has been critical for this long (default: never,
     * Consul's default) — what cleans up after a process that died without deregistering. Consul's reaper
     * looks every 30 s or so, so removal comes up to that much later.
     *
     * @param after at least {@link Service#MIN_DEREGISTER_CRITICAL_AFTER} (Consul raises anything shorter to it)
     * @return this builder
     * @throws IllegalArgumentException when it is null or shorter than a minute
     */
    public Builder deregisterCriticalAfter(Duration after) {
      if (after == null) throw new IllegalArgumentException("deregisterCriticalAfter must not be null");
      if (after.compareTo(MIN_DEREGISTER_CRITICAL_AFTER) < 0) {
        throw new IllegalArgumentException("deregisterCriticalAfter must be at least 1 minute (Consul's minimum): "
            + after);
      }
      this.deregisterCriticalAfter = after;
      return this;
    }

    /**
     * Builds the service.
     *
     * @return an immutable service
     */
    public Service build() {
      return new Service(this, id);
    }

    @Override
    public String toString() {
      return "Service.Builder{name=" + name + ", id=" + id + "}";
    }
  }
}
