package dev.baton.testing;

import dev.baton.Coordinator;
import dev.baton.Lease;
import java.net.URI;
import java.time.Duration;

/**
 * Child-process client for tests: acquires a lock (or, with a 6th argument N, a permit of an N-permit
 * semaphore) and holds it until killed.
 * Args: consul address, key prefix, name, TTL seconds, lock-delay ms [, permits]. Prints {@code HELD <token>}.
 */
public final class HoldLockMain {
  private HoldLockMain() {}

  public static void main(String[] args) throws Exception {
    Coordinator coordinator = Coordinator.builder().address(URI.create(args[0])).token(null).keyPrefix(args[1])
        .sessionTtl(Duration.ofSeconds(Long.parseLong(args[3])))
        .lockDelay(Duration.ofMillis(Long.parseLong(args[4]))).build();
    Lease lease = args.length > 5 ? coordinator.semaphore(args[2], Integer.parseInt(args[5])).acquire()
        : coordinator.lock(args[2]).acquire();
    System.out.println("HELD " + lease.fencingToken());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
