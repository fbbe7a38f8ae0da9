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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code consul lock} baseline: Consul's own Go implementation, run as a process with the same binary, in
 * N concurrent loops (threads of the harness, each starting one process after the other):
 * <pre>
 * consul lock -http-addr=ADDR -n PERMITS -shell=false -name stress-loop-I PREFIX sh -c 'date +%s%N; [sleep H;] date +%s%N'
 * </pre>
 * The child command runs while the lock (or a permit) is held and prints two timestamps: the start and the
 * end of its critical section. {@code date +%s%N} reads the wall clock ({@code CLOCK_REALTIME}); the harness
 * converts it to the {@link System#nanoTime()} scale of the other records with an offset measured at the
 * start and end of the loops (their difference is reported: a wall-clock step during the run would show
 * there). Each cycle is recorded like any other acquisition: called = process start, acquired = first
 * timestamp, release = second timestamp (the release itself happens inside {@code consul lock} after the
 * child exits), no token, HTTP calls unknown. So its handoff is end of one critical section -> start of the
 * next, spawning {@code sh} included; its acquire latency includes starting the {@code consul lock} process
 * (about 33 ms here), as for anyone who uses it as a command.
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
  /** Wall clock minus monotonic clock, nanoseconds, at start and end. */
  long offsetStart;
  long offsetEnd;

  ConsulLockLoops(Path binary, URI address, String prefix, int permits, double holdMs) {
    this.binary = binary;
    this.address = address;
    this.prefix = prefix;
    this.permits = permits;
    this.holdMs = holdMs;
  }

  /** Runs {@code loops} loops from {@code start} to {@code end} (nanoTime); records to {@code file}. */
  void run(int loops, long start, long end, Path file) throws InterruptedException {
    offsetStart = offset();
    try (EventLog log = file == null ? EventLog.NONE : EventLog.open(file)) {
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < loops; i++) {
        int contender = 900 + i;
        Thread t = new Thread(() -> loop(contender, start, end, log), "consul-lock-loop-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) t.join(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 60_000);
    }
    offsetEnd = offset();
  }

  private void loop(int contender, long start, long end, EventLog log) {
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
    List<String> cmd = List.of(binary.toString(), "lock", "-http-addr=" + address.getHost() + ":" + address.getPort(),
        "-n", Integer.toString(permits), "-shell=false", "-name", "baton-stress-consul-lock-" + contender, prefix,
        "sh", "-c", body);
    while (System.nanoTime() - end < 0) {
      long called = System.nanoTime();
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<Long> stamps = new ArrayList<>();
        StringBuilder other = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            if (line.matches("\\d{15,}")) stamps.add(Long.parseLong(line));
            else other.append(line).append(' ');
          }
        }
        int code = p.waitFor();
        if (stamps.size() != 2 || code != 0) {
          errors.incrementAndGet();
          if (firstError == null) firstError = "exit " + code + ": " + other.toString().trim();
          continue;
        }
        long acquired = stamps.get(0) - offsetStart;
        long released = stamps.get(1) - offsetStart;
        if (acquired - start >= 0 && acquired - end < 0) {
          log.acquired(contender, -1, called, acquired, -1);
          log.released(contender, -1, released, released, -1);
          acquisitions.incrementAndGet();
        }
      } catch (IOException e) {
        errors.incrementAndGet();
        if (firstError == null) firstError = e.toString();
      } catch (InterruptedException e) {
        return;
      }
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
