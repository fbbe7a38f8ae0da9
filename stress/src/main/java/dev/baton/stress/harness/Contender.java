package dev.baton.stress.harness;

import dev.baton.Coordinator;
import dev.baton.DistributedReadWriteLock;
import dev.baton.LeaderElection;
import dev.baton.LeadershipListener;
import dev.baton.Lease;
import dev.baton.SessionListener;
import dev.baton.testing.CallCounter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One contender process of the harness, driven by its parent over stdin/stdout.
 *
 * <p>{@code Contender <baton|raw> <lock|semaphore|election|rwlock> <consulAddress> <threads> <jvm> <incarnation>
 * [permits=P] [holdMs=H] [ttl=S] [lockDelay=S] [checkTtl=S] [readRatio=R]}; {@code checkTtl}: Baton's sessions
 * are health-bound ({@code Coordinator.Builder.healthCheckTtl}); {@code readRatio}: the share of a read-write
 * lock's acquisitions that take the read lock (each drawn at random; default 0.9). Baton, lock, semaphore or
 * read-write lock: one {@link Coordinator} (one session) shared by the threads. Baton, election: one Coordinator per thread (each candidate its own session, as
 * separate processes would be). Raw (lock only): every thread its own {@link RawLockClient} (own session, own
 * connection). Sessions exist before the parent is told {@code READY <ownerId>}. Commands:
 * <ul>
 *   <li>{@code RUN <name> <startNanos> <endNanos> <recordsFile|->}: every thread waits until
 *       {@code startNanos} ({@link System#nanoTime()}: one clock for all processes on Linux), then loops
 *       acquire, hold, release on {@code name} (election: wait to be elected, hold, resign) until a release
 *       returns after {@code endNanos}. Acquisitions that return inside the window are recorded with
 *       {@link EventLog}; so are session events. Prints {@code PROGRESS <acquisitions>} every second and
 *       {@code FINISHED <acquisitions> <httpCalls> <errors>} at the end. Threads still waiting 5 s after the end
 *       (a holder was killed) are interrupted.</li>
 *   <li>{@code STOP <endNanos>} (while a run is in progress): the run ends at {@code endNanos} instead, if that
 *       is earlier ({@code --until-acquisitions}).</li>
 *   <li>{@code EXIT}: closes the clients (releasing everything, destroying the sessions) and exits.</li>
 * </ul>
 * Errors of single acquisitions are recorded and the loop goes on; a failure of the process itself prints
 * {@code FAILED <reason>} and exits 1.
 */
public final class Contender {
  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** One contender thread's loop. */
  private interface Worker {
    /** {@code end}: the end of the run, which a {@code STOP} command may move earlier while it runs. */
    void loop(String name, long start, AtomicLong end, EventLog log) throws InterruptedException;

    /** HTTP requests of this worker's own client (0 when it shares the process's Coordinator). */
    long requests();

    void close();
  }

  private final String impl;
  private final String primitive;
  private final URI address;
  private final int jvm;
  private final String owner;
  private final int permits;
  private final double readRatio;
  private final long holdNanos;
  private final Duration ttl;
  private final Duration lockDelay;
  private final Duration checkTtl;
  private final AtomicLong acquisitions = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong lastValid = new AtomicLong(Records.NONE);
  private final List<Coordinator> coordinators = new ArrayList<>();
  private final Map<Coordinator, CallCounter> probes = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile EventLog log = EventLog.NONE;
  /** The end of the run in progress ({@code STOP} moves it earlier). */
  private final AtomicLong phaseEnd = new AtomicLong();

  private Contender(String[] args) {
    impl = args[0];
    primitive = args[1];
    address = URI.create(args[2]);
    jvm = Integer.parseInt(args[4]);
    owner = "stress-j" + jvm + "-i" + args[5] + "-p" + ProcessHandle.current().pid();
    Map<String, String> opts = new HashMap<>();
    for (int i = 6; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      opts.put(kv[0], kv[1]);
    }
    permits = Integer.parseInt(opts.getOrDefault("permits", "1"));
    readRatio = Double.parseDouble(opts.getOrDefault("readRatio", "0.9"));
    holdNanos = (long) (Double.parseDouble(opts.getOrDefault("holdMs", "0")) * 1e6);
    ttl = seconds(opts.get("ttl"));
    lockDelay = seconds(opts.get("lockDelay"));
    checkTtl = seconds(opts.get("checkTtl"));
    if (impl.equals("raw") && !primitive.equals("lock")) {
      throw new IllegalArgumentException("the raw recipe is a lock only");
    }
  }

  private static Duration seconds(String value) {
    return value == null ? null : Duration.ofMillis((long) (Double.parseDouble(value) * 1000));
  }

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try {
      new Contender(args).run(Integer.parseInt(args[3]), out);
    } catch (Throwable t) {
      t.printStackTrace();
      out.println("FAILED " + t.toString().replace('\n', ' '));
      System.exit(1);
    }
    System.exit(0);
  }

  private void run(int threads, PrintStream out) throws Exception {
    List<Worker> workers = new ArrayList<>();
    Coordinator shared = impl.equals("baton") && !primitive.equals("election") ? coordinator(owner) : null;
    for (int i = 0; i < threads; i++) {
      int contender = jvm * 100 + i;
      workers.add(switch (impl + "/" + primitive) {
        case "baton/lock" -> new CycleWorker(contender, batonClient(shared, name -> shared.lock(name).acquire()));
        case "baton/semaphore" ->
            new CycleWorker(contender, batonClient(shared, name -> shared.semaphore(name, permits).acquire()));
        case "baton/rwlock" -> new CycleWorker(contender, readWriteClient(shared));
        case "baton/election" -> new ElectionWorker(contender, coordinator(owner + "-" + contender));
        case "raw/lock" -> new CycleWorker(contender, rawClient(new RawLockClient(address, owner + "-t" + i),
            RawLockClient.value(owner + "-" + contender)));
        default -> throw new IllegalArgumentException("unknown implementation/primitive: " + impl + "/" + primitive);
      });
    }
    for (Coordinator c : coordinators) c.sessionId();          // sessions exist before any measurement

    out.println("READY " + owner);
    // stdin is read by its own thread: STOP must get through while a run is in progress
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      try {
        String l;
        while ((l = in.readLine()) != null) {
          String[] cmd = l.trim().split(" ");
          if (cmd[0].equals("STOP")) {
            long stop = Long.parseLong(cmd[1]);
            phaseEnd.accumulateAndGet(stop, (cur, s) -> s - cur < 0 ? s : cur);
          } else {
            commands.add(l);
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        // the parent is gone: end as on EOF
      }
      commands.add("EXIT");
    }, "commands");
    reader.setDaemon(true);
    reader.start();
    while (true) {
      String line = commands.take();
      String[] cmd = line.trim().split(" ");
      if (cmd[0].equals("EXIT")) break;
      if (!cmd[0].equals("RUN")) throw new IllegalArgumentException("unknown command: " + line);
      runPhase(workers, cmd[1], Long.parseLong(cmd[2]), Long.parseLong(cmd[3]),
          cmd[4].equals("-") ? null : Path.of(cmd[4]), out);
    }
    for (Worker w : workers) w.close();
    for (Coordinator c : coordinators) c.close();
  }

  /** {@code ownerId}: an election's candidates have their own (and so their own health check), as processes would. */
  private Coordinator coordinator(String ownerId) {
    Coordinator.Builder b = Coordinator.builder().address(address).keyPrefix("baton-stress/").ownerId(ownerId);
    if (ttl != null) b.sessionTtl(ttl);
    if (lockDelay != null) b.lockDelay(lockDelay);
    if (checkTtl != null) b.healthCheckTtl(checkTtl);
    CallCounter probe = new CallCounter();
    Coordinator c = b.metrics(probe).build();
    c.addSessionListener(new SessionListener() {
      @Override
      public void onSessionCreated(String sessionId) {
        log.line("C " + valid() + " " + sessionId);
      }

      @Override
      public void onSessionRenewed(String sessionId) {
        log.line("N " + valid() + " " + sessionId);
      }

      @Override
      public void onSessionLost(String sessionId, String reason) {
        log.line("X " + System.nanoTime() + " " + sessionId + " " + reason.replace('\n', ' '));
      }
    });
    coordinators.add(c);
    probes.put(c, probe);
    return c;
  }

  /** Now, remembered as the latest time a session of this process was provably valid. */
  private long valid() {
    long t = System.nanoTime();
    lastValid.accumulateAndGet(t, Math::max);
    return t;
  }

  private long requests(List<Worker> workers) {
    long n = 0;
    for (CallCounter p : probes.values()) n += Math.max(0, p.all());
    for (Worker w : workers) n += w.requests();
    return n;
  }

  private void runPhase(List<Worker> workers, String name, long start, long endNanos, Path file, PrintStream out)
      throws InterruptedException {
    AtomicLong end = phaseEnd;
    end.set(endNanos);
    EventLog phaseLog = file == null ? EventLog.NONE : EventLog.open(file);
    log = phaseLog;
    if (lastValid.get() != Records.NONE) phaseLog.line("K " + lastValid.get());
    long callsBefore = requests(workers);
    acquisitions.set(0);
    errors.set(0);
    List<Thread> threads = new ArrayList<>();
    for (Worker w : workers) {
      Thread t = new Thread(() -> {
        try {
          w.loop(name, start, end, phaseLog);
        } catch (InterruptedException e) {
          // stopped after the end of the run
        }
      }, "contender-" + threads.size());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    boolean interrupted = false;
    for (Thread t : threads) {
      while (t.isAlive()) {
        long stopAt = end.get() + GRACE_NANOS;
        long left = (interrupted ? stopAt + GRACE_NANOS : stopAt) - System.nanoTime();
        if (left <= 0) {
          if (interrupted) break;
          for (Thread x : threads) x.interrupt();     // still waiting for a lock whose holder is gone
          interrupted = true;
          continue;
        }
        t.join(Math.max(1, Math.min(1000, left / 1_000_000)));
        if (t.isAlive()) {
          out.println("PROGRESS " + acquisitions.get());
          phaseLog.line("S " + System.nanoTime() + " " + (requests(workers) - callsBefore));
        }
      }
    }
    long calls = requests(workers) - callsBefore;
    phaseLog.line("S " + System.nanoTime() + " " + calls);
    log = EventLog.NONE;
    phaseLog.close();
    out.println("FINISHED " + acquisitions.get() + " " + calls + " " + errors.get());
  }

  private static void waitUntil(long start) {
    long now;
    while ((now = System.nanoTime()) - start < 0) {
      long left = start - now;
      if (left > 2_000_000) LockSupport.parkNanos(left - 1_000_000);
      else Thread.onSpinWait();
    }
  }

  private void hold() {
    if (holdNanos > 0) LockSupport.parkNanos(holdNanos);
  }

  private void error(EventLog log, int contender, Exception e) {
    errors.incrementAndGet();
    log.line("E " + contender + " " + System.nanoTime() + " " + e.toString().replace('\n', ' '));
  }

  private static boolean inWindow(long t, long start, long end) {
    return t - start >= 0 && t - end < 0;
  }

  private static void pauseAfterError() throws InterruptedException {
    Thread.sleep(100);
  }

  // ---------------------------------------------------------------------------------------- lock/semaphore loop

  /** What a lock or semaphore contender needs from its client (Baton or the raw recipe). */
  private interface Client {
    /** Blocks until held; answers the fencing token (-1: none). */
    long acquire(String name) throws Exception;

    /** Runs {@code listener} when the hold is lost (Baton: {@code Lease.onLost}; raw: never). */
    void onLost(Runnable listener);

    void release() throws Exception;

    /** HTTP calls made on this thread so far (-1: unknown). */
    long threadCalls();

    /** Whether the last acquisition was shared (a read-write lock's read lock). */
    default boolean shared() {
      return false;
    }

    /** HTTP calls of this client that the process total does not already count. */
    long ownCalls();

    void close();
  }

  /** acquire, record, hold, record "releasing", release, record; until a release returns after the end. */
  private final class CycleWorker implements Worker {
    private final int contender;
    private final Client client;

    CycleWorker(int contender, Client client) {
      this.contender = contender;
      this.client = client;
    }

    @Override
    public void loop(String name, long start, AtomicLong end, EventLog log) throws InterruptedException {
      waitUntil(start);
      while (true) {
        long called = System.nanoTime();
        long c0 = client.threadCalls();
        long token;
        try {
          token = client.acquire(name);
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          error(log, contender, e);
          if (System.nanoTime() - end.get() >= 0) return;
          pauseAfterError();
          continue;
        }
        long acquired = System.nanoTime();
        long c1 = client.threadCalls();
        boolean recorded = inWindow(acquired, start, end.get());
        if (recorded) {
          log.acquired(contender, token, called, acquired, c0 < 0 ? -1 : c1 - c0, client.shared());
          acquisitions.incrementAndGet();
          client.onLost(() -> log.line("L " + contender + " " + token + " " + System.nanoTime()));
        }
        hold();
        long releaseCalled = System.nanoTime();
        if (recorded) log.releasing(contender, token, releaseCalled);
        long c2 = client.threadCalls();
        try {
          client.release();
        } catch (Exception e) {
          error(log, contender, e);
        }
        long releaseReturned = System.nanoTime();
        long c3 = client.threadCalls();
        if (recorded) log.released(contender, token, releaseCalled, releaseReturned, c2 < 0 ? -1 : c3 - c2);
        if (releaseReturned - end.get() >= 0) return;
        if (Thread.interrupted()) throw new InterruptedException();
      }
    }

    @Override
    public long requests() {
      return client.ownCalls();
    }

    @Override
    public void close() {
      client.close();
    }
  }

  private interface Acquire {
    Lease acquire(String name) throws InterruptedException;
  }

  /** A lock or a semaphore permit of the process's shared Coordinator. */
  private Client batonClient(Coordinator coordinator, Acquire acquire) {
    CallCounter probe = probes.get(coordinator);
    return new Client() {
      private Lease lease;

      @Override
      public long acquire(String name) throws InterruptedException {
        lease = acquire.acquire(name);
        return lease.fencingToken();
      }

      @Override
      public void onLost(Runnable listener) {
        lease.onLost(listener);
      }

      @Override
      public void release() {
        Lease l = lease;
        lease = null;
        l.close();
      }

      @Override
      public long threadCalls() {
        return probe.onThisThread();
      }

      @Override
      public long ownCalls() {
        return 0;                                  // counted with the Coordinator's transport
      }

      @Override
      public void close() {}
    };
  }

  /**
   * The read or (1 - {@code readRatio} of the time, drawn at random) the write lock of a read-write lock of the
   * process's shared Coordinator.
   */
  private Client readWriteClient(Coordinator coordinator) {
    boolean[] read = new boolean[1];
    Client lease = batonClient(coordinator, name -> {
      read[0] = ThreadLocalRandom.current().nextDouble() < readRatio;
      DistributedReadWriteLock rw = coordinator.readWriteLock(name);
      return (read[0] ? rw.readLock() : rw.writeLock()).acquire();
    });
    return new Client() {
      @Override
      public long acquire(String name) throws Exception {
        return lease.acquire(name);
      }

      @Override
      public void onLost(Runnable listener) {
        lease.onLost(listener);
      }

      @Override
      public void release() throws Exception {
        lease.release();
      }

      @Override
      public long threadCalls() {
        return lease.threadCalls();
      }

      @Override
      public long ownCalls() {
        return lease.ownCalls();
      }

      @Override
      public boolean shared() {
        return read[0];
      }

      @Override
      public void close() {
        lease.close();
      }
    };
  }

  /** The hand-written recipe: own session, own connection, no token. */
  private static Client rawClient(RawLockClient raw, byte[] value) {
    return new Client() {
      private String key;

      @Override
      public long acquire(String name) throws Exception {
        key = "baton-stress/" + name;
        raw.acquire(key, value);
        return -1;
      }

      @Override
      public void onLost(Runnable listener) {}

      @Override
      public void release() throws Exception {
        raw.release(key);
      }

      @Override
      public long threadCalls() {
        return raw.requests();                     // one client per thread: all its calls are this thread's
      }

      @Override
      public long ownCalls() {
        return raw.requests();
      }

      @Override
      public void close() {
        raw.close();
      }
    };
  }

  // ---------------------------------------------------------------------------------------- Baton election

  /** One candidate with its own Coordinator: elected -> hold -> resign -> queue again. */
  private final class ElectionWorker implements Worker {
    private final int contender;
    private final Coordinator coordinator;

    ElectionWorker(int contender, Coordinator coordinator) {
      this.contender = contender;
      this.coordinator = coordinator;
    }

    @Override
    public void loop(String name, long start, AtomicLong end, EventLog log) throws InterruptedException {
      BlockingQueue<Long> elected = new LinkedBlockingQueue<>();
      BlockingQueue<Long> revoked = new LinkedBlockingQueue<>();
      AtomicLong queuedAt = new AtomicLong(start);
      AtomicLong term = new AtomicLong(-1);  // the recorded term's token; -1 when not recorded
      waitUntil(start);
      try (LeaderElection election = coordinator.election(name, "candidate-" + contender)) {
        election.addListener(new LeadershipListener() {
          @Override
          public void onElected(long token) {
            long t = System.nanoTime();
            if (inWindow(t, start, end.get())) {
              log.acquired(contender, token, queuedAt.get(), t, -1);
              acquisitions.incrementAndGet();
              term.set(token);
            }
            elected.add(token);
          }

          @Override
          public void onRevoked() {
            long t = System.nanoTime();
            long recorded = term.getAndSet(-1);
            if (recorded >= 0) log.released(contender, recorded, t, t, -1);
            queuedAt.set(t);
            revoked.add(t);
          }
        });
        election.start();
        while (true) {
          if (!awaitElected(elected, end)) return;
          hold();
          long recorded = term.get();
          // the candidate stops acting as the leader when it resigns, not when the revocation comes back
          if (recorded >= 0) log.releasing(contender, recorded, System.nanoTime());
          election.resign();
          if (revoked.poll(end.get() + GRACE_NANOS - System.nanoTime(), TimeUnit.NANOSECONDS) == null) return;
        }
      } catch (RuntimeException e) {
        error(log, contender, e);
      }
    }

    /** Waits for the next election until the end of the run (which may move earlier); false: the run ended. */
    private boolean awaitElected(BlockingQueue<Long> elected, AtomicLong end) throws InterruptedException {
      while (true) {
        long left = end.get() - System.nanoTime();
        if (left <= 0) return false;
        if (elected.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS) != null) return true;
      }
    }

    @Override
    public long requests() {
      return 0;
    }

    @Override
    public void close() {}
  }
}
