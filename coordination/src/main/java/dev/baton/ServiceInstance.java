package dev.baton;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One healthy instance of a service, as {@link ServiceDiscovery} finds it in Consul. Immutable; two instances
 * are equal when every field is.
 *
 * @param id the service id (unique on its node)
 * @param name the service name
 * @param node the name of the Consul node (agent) the instance is registered with
 * @param address where to reach it: the service's address, or the node's address when the service has none
 *     (as Consul documents)
 * @param port the port, 0 when it has none
 * @param tags the tags, in order
 * @param meta the metadata, sorted by key
 */
public record ServiceInstance(String id, String name, String node, String address, int port, List<String> tags,
    Map<String, String> meta) {

  /**
   * Copies the tags and the metadata.
   *
   * @param id the service id
   * @param name the service name
   * @param node the node's name
   * @param address where to reach the instance
   * @param port the port, 0 for none
   * @param tags the tags, in order
   * @param meta the metadata
   * @throws NullPointerException when a field, a tag, a key or a value is null
   */
  public ServiceInstance {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(address, "address");
    tags = List.copyOf(tags);
    meta = Collections.unmodifiableMap(new TreeMap<>(Map.copyOf(meta)));
  }
}
