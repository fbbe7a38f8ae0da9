package dev.baton.internal.consul;

import java.time.Duration;
import java.util.List;

/**
 * What a Consul session is created with.
 *
 * @param name human-readable session name (shows up in Consul's UI)
 * @param ttl session TTL (Consul: 10 s to 24 h)
 * @param lockDelay Consul's lock-delay after an invalidation (0 to 60 s)
 * @param deleteOnInvalidate behavior {@code delete} instead of {@code release}
 * @param checks health checks the session is bound to; null means Consul's default ({@code serfHealth})
 */
public record SessionSpec(String name, Duration ttl, Duration lockDelay, boolean deleteOnInvalidate,
    List<String> checks) {}
