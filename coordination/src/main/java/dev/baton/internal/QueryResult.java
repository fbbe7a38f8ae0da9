package dev.baton.internal;

/** The answer to a (possibly blocking) read: the value and Consul's {@code X-Consul-Index}. */
public record QueryResult<T>(T value, long index) {}
