package dev.baton.internal.consul;

import java.time.Duration;

/** What Consul says about a session. */
public record SessionInfo(String id, String name, String node, Duration ttl, Duration lockDelay,
    String behavior, long createIndex) {}
