package dev.baton.it;

import dev.baton.Coordinator;
import dev.baton.DistributedLock;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import dev.baton.SessionListener;
import dev.baton.testing.Work;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One independent client (its own {@link Coordinator}, hence its own Consul session and HTTP connections)
 * that takes a lease in a loop: acquire, use it (see {@link Use}), record the hold in the {@link HoldLog},
 * release, pause a little. Failures (Consul unreachable, timeouts, lost leases) are counted and the loop
 * goes on. {@link #of} is the lock client of most scenarios.
 */
final class Contender implements AutoCloseable {
  /** A session event seen by this client's Coordinator, on the nanoTime clock. */
  record SessionEvent(String kind, String sessionId, long atNanos, String reason) {}

  /** How the client takes its lease: a lock's or a semaphore's {@code acquire}. */
  interface Acquire {
    Lease acquire(Duration timeout) throws InterruptedException, TimeoutException;
  }

  /**
   * What the client does with {@code lease}, acquired at {@code start}; answers the hold to record (with the
   * loss reason when {@link Lease#ensureHeld()} reported the lease lost). An interrupt ({@link #close()})
   * ends the hold there.
   */
  interface Use {
    HoldLog.Hold use(Contender self, Lease lease, long start) throws InterruptedException;
  }

  final String name;
  final Coordinator coordinator;
  final List<SessionEvent> sessionEvents = new CopyOnWriteArrayList<>();
  final AtomicInteger failures = new AtomicInteger();
  final AtomicInteger leasesLost = new AtomicInteger();
  final AtomicInteger releaseFailures = new AtomicInteger();
  final AtomicInteger staleWrites = new AtomicInteger();
  volatile Throwable lastFailure;
  /** The lease this client is holding right now (null between holds). */
  volatile Lease current;

  private final Acquire acquire;
  private final Use use;
  private final HoldLog log;
  private final Thread thread;
  private volatile boolean running = true;

  Contender(String name, Coordinator coordinator, Acquire acquire, Use use, HoldLog log) {
    this.name = name;
    this.coordinator = coordinator;
    this.acquire = acquire;
    this.use = use;
    this.log = log;
    coordinator.addSessionListener(new SessionListener() {
      @Override
      public void onSessionCreated(String id) {
        sessionEvents.add(new SessionEvent("created", id, System.nanoTime(), null));
      }

      @Override
      public void onSessionLost(String id, String reason) {
        sessionEvents.add(new SessionEvent("lost", id, System.nanoTime(), reason));
      }
    });
    this.thread = new Thread(this::loop, "contender-" + name);
    this.thread.setDaemon(true);
  }

  /**
   * A client of the node at {@code address} with the settings of the scenarios (see {@link Clients}) that
   * takes lock {@code lockName} and writes to the {@link FencedResource} three times a hold with the fencing
   * token, checking {@link Lease#ensureHeld()} before each write. A hold ends after the last write's pause,
   * or when the loss is reported.
   */
  static Contender of(String name, URI address, String keyPrefix, String lockName, HoldLog log,
      FencedResource resource) {
    Coordinator coordinator = Clients.coordinator(address, keyPrefix, name);
    DistributedLock lock = coordinator.lock(lockName);
    return new Contender(name, coordinator, lock::acquire, (self, lease, start) -> {
      String lost = null;
      try {
        for (int i = 0; i < 3; i++) {
          lease.ensureHeld();
          if (!resource.write(name, lease.fencingToken())) self.staleWrites.incrementAndGet();
          Work.take(5);
        }
      } catch (LeaseLostException e) {
        lost = e.getMessage();
      }
      return new HoldLog.Hold(name, lease.fencingToken(), start, System.nanoTime(), lost);
    }, log);
  }

  Contender start() {
    thread.start();
    return this;
  }

  private void loop() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (running) {
      Lease lease;
      try {
        lease = acquire.acquire(Duration.ofSeconds(20));
      } catch (InterruptedException e) {
        return;
      } catch (TimeoutException | RuntimeException e) {
        failures.incrementAndGet();
        lastFailure = e;
        if (!pause(100)) return;
        continue;
      }
      current = lease;
      long start = System.nanoTime();
      HoldLog.Hold hold;
      boolean interrupted = false;
      try {
        hold = use.use(this, lease, start);
      } catch (InterruptedException e) {
        interrupted = true;
        hold = new HoldLog.Hold(name, lease.fencingToken(), start, System.nanoTime(), null);
      }
      if (hold.lost() != null) leasesLost.incrementAndGet();
      log.add(hold);
      current = null;
      try {
        lease.close();
      } catch (RuntimeException e) {
        releaseFailures.incrementAndGet();
        lastFailure = e;
      }
      if (interrupted || !pause(random.nextInt(5, 30))) return;
    }
  }

  private boolean pause(long millis) {
    try {
      Work.take(millis);
      return running;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** Session ids this client created, in order. */
  List<String> sessionsCreated() {
    return sessionEvents.stream().filter(e -> e.kind().equals("created")).map(SessionEvent::sessionId).toList();
  }

  /** Stops the loop (waits for it) and closes the Coordinator. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    coordinator.close();
  }

  @Override
  public String toString() {
    return name + "{failures=" + failures + ", lost=" + leasesLost + ", releaseFailures=" + releaseFailures
        + ", staleWrites=" + staleWrites + ", last=" + lastFailure + "}";
  }
}
