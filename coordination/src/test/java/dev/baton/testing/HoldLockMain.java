package dev.baton.testing;

import dev.baton.Coordinator;
import dev.baton.LeaderElection;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Child-process client for tests: acquires a lock (6th argument absent or {@code lock}), a permit of an
 * N-permit semaphore (6th argument N), leadership ({@code election}), or the read or write lock of a
 * read-write lock ({@code read}, {@code write}) and holds it until killed.
 * Args: consul address, key prefix, name, TTL seconds, lock-delay ms ({@code -}: the builder's default)
 * [, permits]. The system property {@code baton.test.healthCheckTtlMs} binds the session to a health check with
 * that TTL. Prints {@code HELD <token>}.
 */
public final class HoldLockMain {
  private HoldLockMain() {}

  public static void main(String[] args) throws Exception {
    Coordinator.Builder builder = Coordinator.builder().address(URI.create(args[0])).token(null).keyPrefix(args[1])
        .sessionTtl(Duration.ofSeconds(Long.parseLong(args[3])));
    if (!args[4].equals("-")) builder.lockDelay(Duration.ofMillis(Long.parseLong(args[4])));
    Long checkTtl = Long.getLong("baton.test.healthCheckTtlMs");
    if (checkTtl != null) builder.healthCheckTtl(Duration.ofMillis(checkTtl));
    Coordinator coordinator = builder.build();
    String kind = args.length > 5 ? args[5] : "lock";
    long token;
    if (kind.equals("election")) {
      LeaderElection election = coordinator.election(args[2], "child-" + ProcessHandle.current().pid());
      election.start();
      while (!election.awaitLeadership(Duration.ofMinutes(1))) {
        System.out.println("WAITING");
      }
      token = election.currentLeader().orElseThrow().fencingToken();
    } else if (kind.equals("read")) {
      token = coordinator.readWriteLock(args[2]).readLock().acquire().fencingToken();
    } else if (kind.equals("write")) {
      token = coordinator.readWriteLock(args[2]).writeLock().acquire().fencingToken();
    } else if (kind.equals("lock")) {
      token = coordinator.lock(args[2]).acquire().fencingToken();
    } else {
      token = coordinator.semaphore(args[2], Integer.parseInt(kind)).acquire().fencingToken();
    }
    System.out.println("HELD " + token);
    System.out.flush();
    new CountDownLatch(1).await();                   // holds until the test kills this process
  }
}
