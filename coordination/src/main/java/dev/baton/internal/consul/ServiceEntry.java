package dev.baton.internal.consul;

import java.util.List;
import java.util.Map;

/**
 * One instance of a service as {@code /v1/health/service/<name>} answers it: the service and the node it is
 * registered on.
 *
 * @param node the node's name
 * @param nodeAddress the node's address
 * @param id the service id (unique per node)
 * @param name the service name
 * @param address the service's own address ({@code ""} when it has none: then the node's address applies)
 * @param port the port (0: none)
 * @param tags the tags
 * @param meta the metadata
 */
public record ServiceEntry(String node, String nodeAddress, String id, String name, String address, int port,
    List<String> tags, Map<String, String> meta) {}
