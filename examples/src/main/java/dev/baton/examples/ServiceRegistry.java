package dev.baton.examples;

import dev.baton.Coordinator;
import dev.baton.Service;
import dev.baton.ServiceDiscovery;
import dev.baton.ServiceInstance;
import dev.baton.ServiceRegistration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Service registration and discovery: two instances of a billing service register with the agent (each with a
 * TTL check its Coordinator heartbeats), a client discovers the healthy ones and is told whenever the list
 * changes. One instance fails its own check (overload) and recovers; then both shut down and deregister.
 */
public final class ServiceRegistry {
  private ServiceRegistry() {}

  public static void main(String[] args) throws Exception {
    run(Demo::builder);
  }

  /** Runs the example; answers the healthy instances' ids the client was told, in order. */
  static List<List<String>> run(Supplier<Coordinator.Builder> builders) throws Exception {
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    BlockingQueue<List<String>> changes = new LinkedBlockingQueue<>();
    try (Coordinator client = builders.get().ownerId("checkout").build();
         Coordinator one = builders.get().ownerId("billing-1").build();
         Coordinator two = builders.get().ownerId("billing-2").build();
         ServiceDiscovery billing = client.discovery("billing")) {
      billing.addListener(instances -> {
        System.out.println("checkout: healthy billing instances: " + describe(instances));
        List<String> ids = instances.stream().map(ServiceInstance::id).toList();
        seen.add(ids);
        changes.add(ids);
      });
      await(changes);

      ServiceRegistration first = one.register(instance("billing-1", 8081));
      System.out.println("billing-1: registered; its Coordinator passes the TTL check every "
          + first.service().ttl().dividedBy(3).toMillis() + " ms");
      await(changes, "billing-1");
      try (ServiceRegistration second = two.register(instance("billing-2", 8082))) {
        System.out.println("billing-2: registered");
        await(changes, "billing-1", "billing-2");

        System.out.println("billing-2: overloaded, failing its own check");
        second.markUnhealthy("overloaded: 950 requests in flight");
        await(changes, "billing-1");
        System.out.println("billing-2: recovered");
        second.markHealthy();
        await(changes, "billing-1", "billing-2");

        System.out.println("billing-1: shutting down (deregisters)");
        first.close();
        await(changes, "billing-2");
        System.out.println("checkout: would call " + describe(billing.healthy()));
        System.out.println("billing-2: shutting down");
      }
      await(changes);
    }
    System.out.println("instances seen: " + seen);
    return seen;
  }

  /** One instance of the billing service, its check passed every second (TTL 3 s). */
  private static Service instance(String id, int port) {
    return Service.builder("billing").id(id).address("127.0.0.1").port(port).tags("v2")
        .ttl(Duration.ofSeconds(3)).deregisterCriticalAfter(Duration.ofMinutes(1)).build();
  }

  private static String describe(List<ServiceInstance> instances) {
    return instances.isEmpty() ? "none"
        : instances.stream().map(i -> i.id() + " (" + i.address() + ":" + i.port() + ")")
            .collect(Collectors.joining(", "));
  }

  /** Waits until the client has been told exactly these instances. */
  private static void await(BlockingQueue<List<String>> changes, String... ids) throws InterruptedException {
    List<String> expected = List.of(ids);
    List<String> next;
    do {
      next = changes.poll(30, TimeUnit.SECONDS);
      if (next == null) throw new IllegalStateException("the client was never told " + expected);
    } while (!next.equals(expected));
  }
}
