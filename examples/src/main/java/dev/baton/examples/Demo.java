package dev.baton.examples;

/**
 * The README demo: runs the examples one after another against {@code CONSUL_HTTP_ADDR}.
 * Argument: seconds for the session demo at the end (default: until Ctrl-C).
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    banner("1. Lock: workers in two clients increment a file under try-with-resources leases");
    TryWithResourcesLock.run(Demo::builder, 3, 50);
    banner("2. Semaphore: eight workers share three permits");
    SemaphoreThrottle.run(Demo::builder, 3);
    banner("3. Leader-elected job: three workers, one runs the job; the leader is killed, another takes over");
    LeaderElectedJob.run(Demo::builder, java.time.Duration.ofSeconds(3));
    banner("4. Configuration hot reload: a service's rate limit follows a key in Consul");
    ConfigHotReload.run(Demo::builder, java.net.URI.create(System.getenv().getOrDefault("CONSUL_HTTP_ADDR",
        "http://127.0.0.1:8500")));
    banner("5. Service registry: two billing instances register, a client follows the healthy ones");
    ServiceRegistry.run(Demo::builder);
    banner("6. Session: one Consul session per client, renewed every TTL/3 (Ctrl-C to stop)");
    SessionDemo.main(args);
  }

  /** Every demo client: address from CONSUL_HTTP_ADDR, keys under baton-demo/. */
  static dev.baton.Coordinator.Builder builder() {
    return dev.baton.Coordinator.builder().keyPrefix("baton-demo/");
  }

  static void banner(String title) {
    System.out.println();
    System.out.println("=== " + title);
  }
}
