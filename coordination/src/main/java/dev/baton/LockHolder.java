package dev.baton;

import java.time.Instant;

/**
 * Who holds a lock now, as written into the key's value by the holder.
 *
 * @param ownerId the holder's {@link Coordinator#ownerId()}
 * @param host the holder's host name
 * @param acquiredAt when the holder acquired (its own clock)
 * @param sessionId the Consul session holding the key
 * @param fencingToken the holder's fencing token (the key's ModifyIndex)
 */
public record LockHolder(String ownerId, String host, Instant acquiredAt, String sessionId, long fencingToken) {}
