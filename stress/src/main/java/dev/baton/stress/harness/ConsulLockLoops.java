package dev.baton.stress.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code consul lock} baseline: Consul's own Go implementation, run as a process with the same binary, in
 * N concurrent loops (threads of the harness, each starting one process after the other):
 * <pre>
 * consul lock -verbose -http-addr=ADDR -n PERMITS -shell=false -name stress-loop-I PREFIX sh -c 'date +%s%N; [sleep H;] date +%s%N'
 * </pre>
 * The child command runs while the lock (or a permit) is held and prints two timestamps: the start and the
 * end of its critical section. {@code date +%s%N} reads the wall clock ({@code CLOCK_REALTIME}); the harness
 * converts it to the {@link System#nanoTime()} scale of the other records with an offset measured at the
 * start and end of the loops (their difference is reported: a wall-clock step during the run would show
 * there). Each cycle is recorded like any other acquisition: called = process start, acquired = first
 * timestamp, release = second timestamp (the release itself happens inside {@code consul lock} after the
 * child exits), no token, HTTP calls unknown. So its handoff is end of one critical section -> start of the
 * next, spawning {@code sh} included; its acquire latency includes starting the {@code consul lock} process
 * (about 33 ms here), as for anyone who uses it as a command. The fault schedule may SIGKILL the process holding
 * the lock ({@link #kill}); its loop then starts the next one. {@code -verbose} makes {@code consul lock} print
 * "Starting handler" once it holds the lock, before it starts the child: a process killed before its child's
 * first timestamp is recorded as acquired when the harness read that line.
 */
final class ConsulLockLoops {
  private final Path binary;
  private final URI address;
  private final String prefix;
  private final int permits;
  private final double holdMs;
  final AtomicLong acquisitions = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  volatile String firstError;
  private final List<Slot> slots = new CopyOnWriteArrayList<>();
  private final long start;
  private final long end;
  /** Wall clock minus monotonic clock, nanoseconds, at start and end. */
  long offsetStart;
  long offsetEnd;

  /** Loops that run from {@code start} to {@code end} ({@link System#nanoTime()}). */
  ConsulLockLoops(Path binary, URI address, String prefix, int permits, double holdMs, long start, long end) {
    this.binary = binary;
    this.address = address;
    this.prefix = prefix;
    this.permits = permits;
    this.holdMs = holdMs;
    this.start = start;
    this.end = end;
  }

  /** Runs {@code loops} loops; records to {@code file}. */
  void run(int loops, Path file) throws InterruptedException {
    offsetStart = offset();
    try (EventLog log = file == null ? EventLog.NONE : EventLog.open(file)) {
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < loops; i++) {
        int contender = 900 + i;
        Thread t = new Thread(() -> loop(contender, log), "consul-lock-loop-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) t.join(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 60_000);
    }
    offsetEnd = offset();
  }

  private void loop(int contender, EventLog log) {
    long now;
    while ((now = System.nanoTime()) - start < 0) {
      try {
        Thread.sleep(Math.max(1, (start - now) / 1_000_000));
      } catch (InterruptedException e) {
        return;
      }
    }
    String body = "date +%s%N; " + (holdMs > 0 ? String.format(Locale.ROOT, "sleep %.3f; ", holdMs / 1000) : "")
        + "date +%s%N";
    List<String> cmd = List.of(binary.toString(), "lock", "-verbose",
        "-http-addr=" + address.getHost() + ":" + address.getPort(),
        "-n", Integer.toString(permits), "-shell=false", "-name", "baton-stress-consul-lock-" + contender, prefix,
        "sh", "-c", body);
    Slot slot = new Slot(contender);
    slots.add(slot);
    while (System.nanoTime() - end < 0) {
      long called = System.nanoTime();
      try {
        Process p = slot.start(new ProcessBuilder(cmd).redirectErrorStream(true));
        List<Long> stamps = new ArrayList<>();
        StringBuilder other = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            if (line.matches("\\d{15,}")) stamps.add(slot.stamp(Long.parseLong(line) - offsetStart));
            else if (line.startsWith("Starting handler")) slot.acquired(System.nanoTime());
            else other.append(line).append(' ');
          }
        }
        int code = p.waitFor();
        Killed killed = slot.finished();
        if (killed != null) {
          record(contender, called, stamps.subList(0, Math.min(stamps.size(), killed.stamps)), killed, log);
        } else if (stamps.size() != 2 || code != 0) {
          errors.incrementAndGet();
          if (firstError == null) firstError = "exit " + code + ": " + other.toString().trim();
        } else {
          record(contender, called, stamps, null, log);
        }
      } catch (IOException e) {
        errors.incrementAndGet();
        if (firstError == null) firstError = e.toString();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Records one critical section that began inside the window: acquired at the first stamp, released at the
   * second. A process killed while it held ({@code killed}, fewer than two stamps) held until the kill, from its
   * first stamp or, without one, from its "Starting handler".
   */
  private void record(int contender, long called, List<Long> stamps, Killed killed, EventLog log) {
    long acquired = !stamps.isEmpty() ? stamps.get(0) : killed.holder() ? killed.acquired() : Records.NONE;
    if (acquired == Records.NONE || acquired - start < 0 || acquired - end >= 0) return;
    log.acquired(contender, -1, called, acquired, -1);
    if (stamps.size() > 1) log.released(contender, -1, stamps.get(1), stamps.get(1), -1);
    else log.killed(contender, killed.at());
    acquisitions.incrementAndGet();
  }

  /**
   * A {@code consul lock} process the fault schedule killed: whether it held the lock (and since when, harness
   * time of its "Starting handler"), and how many stamps its child had printed.
   */
  record Killed(int contender, int process, boolean holder, long acquired, long at, int stamps) {}

  /**
   * SIGKILLs the {@code consul lock} process of a loop that holds the lock or a permit (it printed "Starting
   * handler", its child not yet its second stamp: once the child is done, {@code consul lock} releases within
   * milliseconds), else of a random running loop, and then everything it started (the child {@code sh} would
   * otherwise run on and print a late second stamp); the loop then starts its next process. Null when no process
   * is running.
   */
  Killed kill(Random random) throws InterruptedException {
    List<Slot> running = slots.stream().filter(Slot::running).toList();
    List<Slot> holders = running.stream().filter(Slot::holding).toList();
    List<Slot> pool = holders.isEmpty() ? running : holders;
    return pool.isEmpty() ? null : pool.get(random.nextInt(pool.size())).kill();
  }

  /** One loop: the process it runs now and how far its child got; guarded by the slot. */
  private static final class Slot {
    final int contender;
    int processes;
    Process process;
    long acquired;
    int stamps;
    Killed killed;

    Slot(int contender) {
      this.contender = contender;
    }

    synchronized Process start(ProcessBuilder builder) throws IOException {
      process = builder.start();
      processes++;
      acquired = Records.NONE;
      stamps = 0;
      killed = null;
      return process;
    }

    synchronized void acquired(long t) {
      acquired = t;
    }

    synchronized long stamp(long t) {
      stamps++;
      return t;
    }

    synchronized boolean running() {
      return process != null && process.isAlive();
    }

    synchronized boolean holding() {
      return running() && acquired != Records.NONE && stamps < 2;
    }

    synchronized Killed kill() throws InterruptedException {
      if (!running()) return null;
      boolean holder = holding();
      List<ProcessHandle> children = process.descendants().toList();   // before they are orphaned
      process.toHandle().destroyForcibly();          // SIGKILL; Process.destroyForcibly would also close its output
      children.forEach(ProcessHandle::destroyForcibly);
      process.waitFor(5, TimeUnit.SECONDS);
      killed = new Killed(contender, processes, holder, acquired, System.nanoTime(), stamps);
      return killed;
    }

    /** The process exited: answers its kill, if it was killed. */
    synchronized Killed finished() {
      process = null;
      return killed;
    }
  }

  /** CLOCK_REALTIME - CLOCK_MONOTONIC in nanoseconds, from the tightest of 20 samples. */
  private static long offset() {
    long best = Long.MAX_VALUE;
    long offset = 0;
    for (int i = 0; i < 20; i++) {
      long a = System.nanoTime();
      Instant now = Instant.now();
      long b = System.nanoTime();
      if (b - a < best) {
        best = b - a;
        offset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (a + (b - a) / 2);
      }
    }
    return offset;
  }
}
