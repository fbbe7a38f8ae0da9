package dev.baton.examples;

import dev.baton.Coordinator;
import dev.baton.DistributedLock;
import dev.baton.Lease;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Several workers in two "processes" (two Coordinators, each with its own Consul session) increment a
 * counter kept in a plain file — read, add one, write back, with no synchronisation but the lock. Each write
 * is fenced: the file also records the fencing token of its last writer and refuses an older token. At the
 * end the counter equals the number of increments.
 */
public final class TryWithResourcesLock {
  private TryWithResourcesLock() {}

  public static void main(String[] args) throws Exception {
    int workersPerClient = 3;
    int increments = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    run(Demo::builder, workersPerClient, increments);
  }

  /** Runs the example; answers the final counter (it must equal 2 x workersPerClient x increments). */
  static long run(Supplier<Coordinator.Builder> builders, int workersPerClient, int increments)
      throws Exception {
    Path file = Files.createTempFile("baton-counter", ".txt");
    Files.writeString(file, "0 0");                             // "<counter> <last token>"
    AtomicLong maxWait = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    try (Coordinator a = builders.get().ownerId("client-a").build();
         Coordinator b = builders.get().ownerId("client-b").build()) {
      System.out.printf("%d workers in 2 clients, %d increments each, counter file %s%n",
          2 * workersPerClient, increments, file);
      for (int w = 0; w < 2 * workersPerClient; w++) {
        DistributedLock lock = (w % 2 == 0 ? a : b).lock("examples/counter");
        String name = (w % 2 == 0 ? "a" : "b") + "-worker-" + w / 2;
        Thread t = new Thread(() -> {
          try {
            for (int i = 0; i < increments; i++) {
              long t0 = System.nanoTime();
              try (Lease lease = lock.acquire(Duration.ofSeconds(30))) {
                maxWait.accumulateAndGet((System.nanoTime() - t0) / 1_000, Math::max);
                incrementFenced(file, lease.fencingToken());
              }
            }
          } catch (Exception e) {
            System.out.println(name + " failed: " + e);
          }
        }, name);
        workers.add(t);
        t.start();
      }
      for (Thread t : workers) t.join();
      String[] state = Files.readString(file).split(" ");
      long expected = 2L * workersPerClient * increments;
      System.out.printf("counter = %s (expected %d), last fencing token %s, longest wait %.1f ms -> %s%n",
          state[0], expected, state[1], maxWait.get() / 1000.0,
          Long.parseLong(state[0]) == expected ? "exact" : "LOST UPDATES");
      System.out.println("holder now: " + a.lock("examples/counter").holder().map(Object::toString)
          .orElse("nobody"));
      return Long.parseLong(state[0]);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The protected resource: read-modify-write, refusing a token older than the last one it saw. */
  private static void incrementFenced(Path file, long token) throws Exception {
    String[] state = Files.readString(file, StandardCharsets.UTF_8).split(" ");
    long lastToken = Long.parseLong(state[1]);
    if (token < lastToken) throw new IllegalStateException("stale token " + token + " < " + lastToken);
    Files.writeString(file, (Long.parseLong(state[0]) + 1) + " " + token, StandardCharsets.UTF_8);
  }
}
