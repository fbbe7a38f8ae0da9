package dev.baton;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The healthy instances of one service (optionally only those with one tag), kept up to date by a blocking
 * query on {@code /v1/health/service/<name>?passing} from {@link Coordinator#discovery(String)} until closed.
 * An instance is healthy when all its checks and its node's checks pass.
 *
 * <p>Delivery and cost are those of every {@link Watch}: listeners are called in order, on a thread of the
 * Coordinator's, each change once (coalesced only when a listener is slower than the changes), a throwing
 * listener is logged; through an outage the last list stays. Each watched service (and tag) is a blocking query
 * of the Coordinator's watch engine; see {@link Coordinator#discovery(String)}.
 */
public interface ServiceDiscovery extends Watch {
  /** {@return the service's name} */
  String service();

  /** {@return the tag instances must have, if any} */
  Optional<String> tag();

  /**
   * The healthy instances as last read: cheap, no network call once the first read is done. Before it, waits
   * for it up to the Coordinator's operation timeout. After {@link #close()}, the last list read.
   *
   * @return the instances, sorted by id and node (unmodifiable; empty when none is healthy)
   * @throws CoordinationException when Consul gave no answer within the operation timeout (the cause is the
   *     last error, if any), when closed before a first read, or when interrupted (the flag is kept)
   */
  List<ServiceInstance> healthy();

  /**
   * Calls {@code listener} with the healthy instances whenever they change, and once at once with the current
   * ones if they have been read already (else after the first read).
   *
   * @param listener told the instances, sorted by id and node (unmodifiable)
   * @throws IllegalArgumentException when the listener is null
   */
  void addListener(Consumer<List<ServiceInstance>> listener);
}
