package dev.baton.internal.consul;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a service is registered with at the agent ({@code PUT /v1/agent/service/register}): the service and one
 * TTL check that its registrant heartbeats.
 *
 * @param id the service id, unique on the agent
 * @param name the service name
 * @param address the service's address, or null for the node's
 * @param port the port, 0 for none
 * @param tags the tags
 * @param meta the metadata
 * @param checkId the TTL check's id
 * @param ttl the check's TTL
 * @param deregisterCriticalAfter how long the check may be critical before the agent removes the service, or
 *     null for never
 * @param passing the check's initial status: passing, otherwise critical
 */
public record ServiceDefinition(String id, String name, String address, int port, List<String> tags,
    Map<String, String> meta, String checkId, Duration ttl, Duration deregisterCriticalAfter, boolean passing) {

  /** The same service with the check starting {@code passing} or critical. */
  public ServiceDefinition withPassing(boolean passing) {
    return new ServiceDefinition(id, name, address, port, tags, meta, checkId, ttl, deregisterCriticalAfter,
        passing);
  }
}
