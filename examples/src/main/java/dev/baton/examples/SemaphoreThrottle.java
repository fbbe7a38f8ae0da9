package dev.baton.examples;

import dev.baton.Coordinator;
import dev.baton.DistributedSemaphore;
import dev.baton.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Eight workers in two clients share three permits of a semaphore, e.g. to throttle calls to a fragile
 * downstream service. Each call holds a permit for 150 ms; never more than three run at once.
 */
public final class SemaphoreThrottle {
  private SemaphoreThrottle() {}

  public static void main(String[] args) throws Exception {
    run(Demo::builder, 4);
  }

  /** Runs the example; answers the most calls seen in flight at once (never above 3). */
  static int run(Supplier<Coordinator.Builder> builders, int callsPerWorker) throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    try (Coordinator a = builders.get().ownerId("client-a").build();
         Coordinator b = builders.get().ownerId("client-b").build()) {
      for (int w = 0; w < 8; w++) {
        DistributedSemaphore permits = (w % 2 == 0 ? a : b).semaphore("examples/downstream", 3);
        String name = "worker-" + w;
        Thread t = new Thread(() -> {
          for (int i = 0; i < callsPerWorker; i++) {
            try (Lease permit = permits.acquire(Duration.ofSeconds(30))) {
              int now = inFlight.incrementAndGet();
              maxInFlight.accumulateAndGet(now, Math::max);
              System.out.printf("%s calls downstream (%d in flight, permit token %d)%n", name, now,
                  permit.fencingToken());
              Thread.sleep(150);
              inFlight.decrementAndGet();
            } catch (Exception e) {
              System.out.println(name + " failed: " + e);
            }
          }
        }, name);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) t.join();
    }
    System.out.printf("max calls in flight: %d (limit 3)%n", maxInFlight.get());
    return maxInFlight.get();
  }
}
