package dev.baton.stress.bench;

import dev.baton.Coordinator;
import dev.baton.Lease;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One contender JVM of the contended benchmark, driven by its parent over stdin/stdout.
 *
 * <p>{@code Contender <baton|raw> <consulAddress> <threads> <jvmIndex>}. Start-up: Baton mode builds one
 * {@link Coordinator} (and creates its session); raw mode gives every thread its own {@link RawLockClient}
 * (own session, own connection). Then it prints {@code READY} and obeys commands:
 * <ul>
 *   <li>{@code RUN <key> <startNanos> <endNanos> <recordsFile|->}: every thread waits until
 *       {@code startNanos} ({@link System#nanoTime()}, comparable across JVMs on one Linux machine), then loops
 *       acquire / release on the key until a release returns after {@code endNanos}; every acquisition that
 *       returned inside the window is recorded as {@code contender token acquired releaseCalled
 *       releaseReturned} (token -1 in raw mode). Answers {@code FINISHED <acquisitions> <httpRequests>
 *       <refusedAcquires>} (refused: raw mode only, -1 for Baton).</li>
 *   <li>{@code EXIT}: closes clients and exits.</li>
 * </ul>
 * Any failure prints {@code FAILED <reason>} and exits 1.
 */
public final class Contender {
  private interface Client {
    /** Acquires, returns the fencing token (-1: none) after recording nothing; {@link #release} undoes it. */
    long acquire(String key) throws Exception;

    void release() throws Exception;

    long requests();

    long refused();

    void close();
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try {
      run(args, out);
    } catch (Throwable t) {
      t.printStackTrace();
      out.println("FAILED " + t.toString().replace('\n', ' '));
      System.exit(1);
    }
    System.exit(0);
  }

  private static void run(String[] args, PrintStream out) throws Exception {
    String mode = args[0];
    URI address = URI.create(args[1]);
    int threads = Integer.parseInt(args[2]);
    int jvm = Integer.parseInt(args[3]);
    String owner = "bench-" + mode + "-jvm" + jvm + "-" + ProcessHandle.current().pid();

    List<Client> clients = new ArrayList<>();
    Coordinator coordinator = null;
    if (mode.equals("baton")) {
      coordinator = Coordinator.builder().address(address).keyPrefix("baton-bench/").ownerId(owner).build();
      coordinator.sessionId();                           // the session exists before any measurement
      for (int i = 0; i < threads; i++) clients.add(batonClient(coordinator));
    } else if (mode.equals("raw")) {
      for (int i = 0; i < threads; i++) clients.add(rawClient(address, owner + "-t" + i));
    } else {
      throw new IllegalArgumentException("mode must be baton or raw: " + mode);
    }
    final Coordinator coord = coordinator;

    out.println("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      if (cmd[0].equals("EXIT")) break;
      if (!cmd[0].equals("RUN")) throw new IllegalArgumentException("unknown command: " + line);
      String key = (mode.equals("baton") ? "" : "baton-bench/") + cmd[1];
      long start = Long.parseLong(cmd[2]);
      long end = Long.parseLong(cmd[3]);
      Path file = cmd[4].equals("-") ? null : Path.of(cmd[4]);

      long requestsBefore = requests(coord, clients);
      long refusedBefore = clients.stream().mapToLong(Client::refused).sum();
      List<long[]> records = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> workers = new ArrayList<>();
      ConcurrentHashMap<Integer, List<long[]>> perThread = new ConcurrentHashMap<>();
      for (int i = 0; i < threads; i++) {
        Client client = clients.get(i);
        int contender = jvm * 100 + i;
        Thread t = new Thread(() -> {
          List<long[]> mine = new ArrayList<>(8192);
          try {
            loop(client, key, start, end, contender, mine);
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
          perThread.put(contender, mine);
        }, "contender-" + contender);
        workers.add(t);
        t.start();
      }
      for (Thread t : workers) t.join();
      if (failure.get() != null) throw new IllegalStateException("a contender failed", failure.get());
      perThread.values().forEach(records::addAll);
      long requests = requests(coord, clients) - requestsBefore;
      long refused = coord != null ? -1 : clients.stream().mapToLong(Client::refused).sum() - refusedBefore;
      if (file != null) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
          for (long[] r : records) {
            w.write(r[0] + " " + r[1] + " " + r[2] + " " + r[3] + " " + r[4]);
            w.newLine();
          }
        }
      }
      out.println("FINISHED " + records.size() + " " + requests + " " + refused);
    }
    for (Client c : clients) c.close();
    if (coordinator != null) coordinator.close();
  }

  private static long requests(Coordinator coordinator, List<Client> clients) {
    return coordinator != null ? BatonProbe.requests(coordinator)
        : clients.stream().mapToLong(Client::requests).sum();
  }

  private static void loop(Client client, String key, long start, long end, int contender, List<long[]> records)
      throws Exception {
    long now;
    while ((now = System.nanoTime()) - start < 0) {
      long left = start - now;
      if (left > 2_000_000) LockSupport.parkNanos(left - 1_000_000);
      else Thread.onSpinWait();
    }
    while (true) {
      long token = client.acquire(key);
      long acquired = System.nanoTime();
      long releaseCalled = System.nanoTime();
      client.release();
      long releaseReturned = System.nanoTime();
      if (acquired - start >= 0 && acquired - end < 0) {
        records.add(new long[] {contender, token, acquired, releaseCalled, releaseReturned});
      }
      if (releaseReturned - end >= 0) return;
    }
  }

  private static Client batonClient(Coordinator coordinator) {
    return new Client() {
      private Lease lease;

      @Override
      public long acquire(String key) throws Exception {
        lease = coordinator.lock(key).acquire();
        return lease.fencingToken();
      }

      @Override
      public void release() {
        lease.close();
        lease = null;
      }

      @Override
      public long requests() {
        return 0;
      }

      @Override
      public long refused() {
        return 0;
      }

      @Override
      public void close() {}
    };
  }

  private static Client rawClient(URI address, String name) throws Exception {
    RawLockClient raw = new RawLockClient(address, name);
    byte[] value = RawLockClient.value(name);
    return new Client() {
      private String held;

      @Override
      public long acquire(String key) throws Exception {
        raw.acquire(key, value);
        held = key;
        return -1;
      }

      @Override
      public void release() throws Exception {
        raw.release(held);
        held = null;
      }

      @Override
      public long requests() {
        return raw.requests();
      }

      @Override
      public long refused() {
        return raw.refused();
      }

      @Override
      public void close() {
        raw.close();
      }
    };
  }
}
