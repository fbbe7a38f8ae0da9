package dev.baton;

import java.time.Instant;
import java.util.Map;

/**
 * The current leader of an election, as stored in Consul; readable by any process.
 *
 * @param candidateId the leader's candidate id
 * @param fencingToken the leader's term token (strictly larger for every later term)
 * @param ownerId the leader's {@link Coordinator#ownerId()}
 * @param host the leader's host name
 * @param since when it became leader (its own clock)
 * @param metadata what the leader published with its candidacy
 */
public record LeaderInfo(String candidateId, long fencingToken, String ownerId, String host, Instant since,
    Map<String, String> metadata) {}
