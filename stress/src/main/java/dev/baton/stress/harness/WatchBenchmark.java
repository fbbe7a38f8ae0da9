package dev.baton.stress.harness;

import dev.baton.Coordinator;
import dev.baton.KeyWatch;
import dev.baton.Lease;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.TcpConnections;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Watch latency benchmark (issue 12): how long an update of a watched key takes to reach its listener
 * (written → listener called), with 1, 100 and 1,000 keys watched by one Coordinator (and a row with 1,000
 * locks held as well), next to the baseline measured in the same run: one raw blocking {@code GET
 * /v1/kv/<key>?index=&wait=} loop on one key of its own, woken by the same kind of write. Updates alternate
 * between the baseline and Baton. Also prints the Coordinator's HTTP connections (established TCP
 * connections to the agent, sampled, minus the benchmark's own two) and threads ({@code baton-*}).
 *
 * <pre>
 * java -cp stress/target/baton-stress.jar dev.baton.stress.harness.WatchBenchmark [--consul dev|cluster|URL]
 *     [--keys 1,100,1000] [--updates 200] [--held 1000]
 * </pre>
 */
public final class WatchBenchmark {
  private static final MediaType BYTES = MediaType.get("application/octet-stream");

  private WatchBenchmark() {}

  public static void main(String[] args) throws Exception {
    String consul = "dev";
    List<Integer> sizes = List.of(1, 100, 1000);
    int updates = 200;
    int held = 1000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--consul" -> consul = args[++i];
        case "--keys" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--updates" -> updates = Integer.parseInt(args[++i]);
        case "--held" -> held = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: WatchBenchmark [--consul dev|cluster|URL] [--keys 1,100,1000] [--updates N] "
              + "[--held N]");
          System.exit(64);
        }
      }
    }
    Path dir = Files.createTempDirectory("baton-watch-bench");
    Path binary = ConsulProcess.findBinary();
    try (ConsulAgents agents = switch (consul) {
      case "dev" -> ConsulAgents.startDev(binary, dir.resolve("consul"));
      case "cluster" -> ConsulAgents.startCluster(binary, dir.resolve("consul"));
      default -> ConsulAgents.external(URI.create(consul));
    }) {
      URI address = agents.clientAddress();
      System.out.printf("watch latency, %s; %d updates per row (half baseline, half Baton)%n%n", agents.describe(),
          updates);
      System.out.printf("%-28s %12s %12s %12s %12s %8s %8s %12s %8s%n", "row", "baton p50", "baton p99",
          "raw p50", "raw p99", "p50 x", "p99 x", "connections", "threads");
      for (int n : sizes) row(address, n, 0, updates);
      if (held > 0) row(address, sizes.get(sizes.size() - 1), held, updates);
    }
  }

  private static void row(URI address, int watched, int held, int updates) throws Exception {
    String prefix = "watch-bench-" + System.nanoTime() + "/";
    OkHttpClient writer = client();
    RawWatch raw = new RawWatch(address, prefix + "raw");
    int[] maxConnections = {0};
    try (Coordinator c = Coordinator.builder().address(address).keyPrefix(prefix).build()) {
      List<Lease> leases = new ArrayList<>();
      for (int i = 0; i < held; i++) leases.add(c.lock(String.format("held/k%04d", i)).tryAcquire().orElseThrow());
      Map<String, CompletableFuture<Long>> expected = new ConcurrentHashMap<>();
      List<KeyWatch> watches = new ArrayList<>();
      for (int i = 0; i < watched; i++) {
        watches.add(c.watchKey(String.format("watched/w%04d", i), kv -> kv.ifPresent(v -> {
          CompletableFuture<Long> f = expected.get(v.key() + "=" + v.valueAsString());
          if (f != null) f.complete(System.nanoTime());
        })));
      }
      for (KeyWatch w : watches) {
        if (!w.awaitFirstRead(Duration.ofSeconds(60))) throw new IllegalStateException("no first read of " + w.key());
      }
      raw.start();
      Random random = new Random(watched);
      Stats.LongList baton = new Stats.LongList();
      Stats.LongList rawNanos = new Stats.LongList();
      for (int u = 0; u < updates; u++) {
        String value = "v" + u;
        if (u % 2 == 0) {
          CompletableFuture<Long> seen = raw.expect(value);
          long t0 = System.nanoTime();
          put(writer, address, prefix + "raw", value);
          rawNanos.add(seen.get(10, TimeUnit.SECONDS) - t0);
        } else {
          String name = String.format("watched/w%04d", random.nextInt(watched));
          CompletableFuture<Long> seen = new CompletableFuture<>();
          expected.put(name + "=" + value, seen);
          long t0 = System.nanoTime();
          put(writer, address, prefix + name, value);
          baton.add(seen.get(10, TimeUnit.SECONDS) - t0);
        }
        maxConnections[0] = Math.max(maxConnections[0], TcpConnections.establishedTo(address.getPort()) - 2);
        Thread.sleep(20);                                   // pace: the agent is not the subject here
      }
      long threads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith("baton-")).count();
      long[] b = baton.sorted();
      long[] r = rawNanos.sorted();
      double bp50 = Stats.percentile(b, 50) / 1e6;
      double bp99 = Stats.percentile(b, 99) / 1e6;
      double rp50 = Stats.percentile(r, 50) / 1e6;
      double rp99 = Stats.percentile(r, 99) / 1e6;
      System.out.printf("%-28s %12s %12s %12s %12s %8s %8s %12d %8d%n",
          watched + " watched" + (held > 0 ? ", " + held + " held" : ""), Stats.ms(bp50), Stats.ms(bp99),
          Stats.ms(rp50), Stats.ms(rp99), Stats.num(bp50 / rp50, 2), Stats.num(bp99 / rp99, 2), maxConnections[0],
          threads);
      watches.forEach(KeyWatch::close);
      for (Lease l : leases) l.close();
    } finally {
      raw.close();
      writer.dispatcher().executorService().shutdown();
      writer.connectionPool().evictAll();
    }
  }

  private static OkHttpClient client() {
    return new OkHttpClient.Builder().connectionPool(new ConnectionPool(1, 1, TimeUnit.MINUTES))
        .readTimeout(Duration.ofSeconds(30)).build();
  }

  private static void put(OkHttpClient http, URI address, String key, String value) throws IOException {
    HttpUrl url = HttpUrl.get(address.toString()).newBuilder().addPathSegments("v1/kv/" + key).build();
    try (Response r = http.newCall(new Request.Builder().url(url).put(RequestBody.create(value.getBytes(), BYTES))
        .build()).execute()) {
      if (!r.isSuccessful()) throw new IOException("PUT " + key + ": " + r.code());
    }
  }

  /** The baseline: one thread in a raw blocking GET loop on one key, over one connection of its own. */
  private static final class RawWatch implements AutoCloseable {
    private final OkHttpClient http = client();
    private final HttpUrl url;
    private final Map<String, CompletableFuture<Long>> expected = new ConcurrentHashMap<>();
    private final Thread thread;

    RawWatch(URI address, String key) {
      this.url = HttpUrl.get(address.toString()).newBuilder().addPathSegments("v1/kv/" + key)
          .addQueryParameter("raw", null).build();
      this.thread = new Thread(this::loop, "raw-watch");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    CompletableFuture<Long> expect(String value) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      expected.put(value, f);
      return f;
    }

    private void loop() {
      long index = 0;
      while (!Thread.currentThread().isInterrupted()) {
        HttpUrl u = index == 0 ? url
            : url.newBuilder().addQueryParameter("index", Long.toString(index)).addQueryParameter("wait", "10s").build();
        try (Response r = http.newCall(new Request.Builder().url(u).build()).execute()) {
          String body = r.body().string();
          String header = r.header("X-Consul-Index");
          long next = header == null ? 0 : Long.parseLong(header);
          index = next < index ? 0 : Math.max(1, next);
          if (r.code() == 200) {
            CompletableFuture<Long> f = expected.remove(body);
            if (f != null) f.complete(System.nanoTime());
          }
        } catch (IOException e) {
          if (Thread.currentThread().isInterrupted()) return;
        }
      }
    }

    @Override
    public void close() {
      thread.interrupt();
      http.dispatcher().cancelAll();
      http.connectionPool().evictAll();
    }
  }
}
