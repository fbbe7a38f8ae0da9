package dev.baton.internal.consul;

/** The answer to a (possibly blocking) read: the value and Consul's {@code X-Consul-Index}. */
public record QueryResult<T>(T value, long index) {}
