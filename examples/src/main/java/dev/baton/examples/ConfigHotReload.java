package dev.baton.examples;

import dev.baton.ConfigWatch;
import dev.baton.Coordinator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Configuration hot reload: a billing service serves requests under a rate limit that lives in Consul as JSON
 * ({@code {"requestsPerSecond": 5}}). When an operator changes the key ({@code consul kv put}, here an HTTP
 * PUT), the service's {@link ConfigWatch} decodes the new value and the limit changes at once, without a
 * restart; a broken value is reported and the last good limit stays.
 */
public final class ConfigHotReload {
  private ConfigHotReload() {}

  /** The configuration's shape (Gson decodes the key's JSON into it). */
  public record RateLimits(int requestsPerSecond) {}

  public static void main(String[] args) throws Exception {
    run(Demo::builder, URI.create(System.getenv().getOrDefault("CONSUL_HTTP_ADDR", "http://127.0.0.1:8500")));
  }

  /** Runs the example; answers the limits the service applied, in order. */
  static List<Integer> run(Supplier<Coordinator.Builder> builders, URI consul) throws Exception {
    List<Integer> applied = new CopyOnWriteArrayList<>();
    BlockingQueue<Integer> changes = new LinkedBlockingQueue<>();
    AtomicInteger limit = new AtomicInteger(1);
    try (Coordinator service = builders.get().ownerId("billing-1").build()) {
      String key = service.keyPrefix() + "examples/billing/limits";
      Operator operator = new Operator(consul, key);
      operator.put("{\"requestsPerSecond\": 5}");

      try (ConfigWatch<RateLimits> limits = service.watchConfig("examples/billing/limits", RateLimits.class)) {
        limits.addListener(c -> {
          limit.set(c.requestsPerSecond());
          applied.add(c.requestsPerSecond());
          System.out.printf("billing-1: rate limit is now %d requests/s%n", c.requestsPerSecond());
          changes.add(c.requestsPerSecond());
        });
        limits.addErrorListener(e -> System.out.println("billing-1: ignoring a bad configuration: " + e.getMessage()));

        Thread server = new Thread(() -> serve(limit), "billing-1");
        server.setDaemon(true);
        server.start();
        await(changes, 5);
        for (String next : List.of("{\"requestsPerSecond\": 20}", "{\"requestsPerSecond\": \"lots\"}",
            "{\"requestsPerSecond\": 2}")) {
          Thread.sleep(1500);                          // let the service run at the current limit a while
          System.out.println("operator: consul kv put " + key + " '" + next + "'");
          operator.put(next);
        }
        await(changes, 2);
        Thread.sleep(1500);
        server.interrupt();
        server.join();
      }
    }
    System.out.println("limits applied: " + applied);
    return applied;
  }

  /** Serves "requests" at the current limit and prints how many it served each second. */
  private static void serve(AtomicInteger limit) {
    int served = 0;
    long second = System.nanoTime();
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(1000 / Math.max(1, limit.get()));   // the rate limiter: one request per 1/limit s
      } catch (InterruptedException e) {
        return;
      }
      served++;
      if (System.nanoTime() - second >= TimeUnit.SECONDS.toNanos(1)) {
        System.out.printf("billing-1: served %d requests in the last second (limit %d)%n", served, limit.get());
        served = 0;
        second = System.nanoTime();
      }
    }
  }

  private static void await(BlockingQueue<Integer> changes, int limit) throws InterruptedException {
    Integer seen;
    do {
      seen = changes.poll(30, TimeUnit.SECONDS);
      if (seen == null) throw new IllegalStateException("the limit " + limit + " was never applied");
    } while (seen != limit);
  }

  /** What an operator does with {@code consul kv put}: writes the key over Consul's HTTP API. */
  private record Operator(URI consul, String key) {
    void put(String json) throws Exception {
      HttpRequest put = HttpRequest.newBuilder(consul.resolve("/v1/kv/" + key))
          .PUT(HttpRequest.BodyPublishers.ofString(json)).build();
      HttpResponse<String> r = HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) throw new IllegalStateException("PUT " + key + ": " + r.statusCode() + " " + r.body());
    }
  }
}
