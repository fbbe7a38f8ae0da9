package dev.baton.internal;

import dev.baton.CoordinationException;
import dev.baton.internal.WatchPlan.Path;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.QueryResult;
import dev.baton.internal.consul.ServiceEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch engine of one Coordinator: every blocking query the library runs goes through here, so the number
 * of HTTP connections that wait in Consul is bounded and does not grow with the number of keys held, watched
 * or waited for.
 *
 * <ul>
 *   <li><b>Subscriptions</b> (held keys, user watches, service discovery) are served by blocking queries
 *       planned by {@link WatchPlan}: KV paths by at most {@code queries} of them (a query of its own per path
 *       while they fit, beyond that one recursive query per run of neighbouring paths, its answer fanned out
 *       to every subscription it covers); each watched service (and tag) by a health query of its own. Each
 *       query runs on a thread of its own; at most {@code queries} of them hold a connection at once (the
 *       query permits), so with more watched services than that, queries take turns: one waits for a permit
 *       until another's answer comes back (at most {@link Deadlines#LONGEST_WAIT}). A new plan keeps the
 *       queries it still has and starts the new ones with a read at once.</li>
 *   <li><b>Waits</b> ({@link #get}, {@link #list}: drop-in blocking reads for waiters) run a blocking query
 *       of their own while one of {@code directWaits} permits is free (the fastest wake-up), otherwise they
 *       subscribe for the time of the wait and wake up on the first read that shows a change.</li>
 * </ul>
 *
 * <p>Consul's rules for blocking queries hold for every query: the index is never 0 after the first read and
 * resets when it goes backwards ({@link BlockingIndex}); errors back off with jitter (250 ms doubling to 10 s);
 * after an outage each query reads once at once and hands that read over as it stands (an agent that
 * restarted may have started its index again), then goes on blocking: one read per query, not one per watch;
 * every wait is capped at {@link Deadlines#LONGEST_WAIT}; a query that keeps returning at once without a new
 * index is slowed down instead of spinning. Lease decisions never use {@code ?stale}: held keys and waits
 * are read in Consul's default mode; only user watches may ask for another.
 */
final class Watches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.watch");
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final long MIN_BACKOFF_MS = 250;
  private static final long MAX_BACKOFF_MS = 10_000;

  /**
   * Told every new read of a subscription's path, on the engine's thread; must return quickly.
   *
   * @param <T> what the path reads: {@link KvEntry} for KV paths, {@link ServiceEntry} for a service's health
   */
  interface Listener<T> {
    /**
     * @param entries the entries the path watches (none: the key is absent, or no instance passes)
     * @param index the read's {@code X-Consul-Index}
     * @param reset the index went backwards (a snapshot restore): the entries are fresh all the same
     */
    void read(List<T> entries, long index, boolean reset);

    /** The path's query has failed since {@code failingNanos} ago; it keeps retrying. */
    default void failing(RuntimeException error, long failingNanos) {}
  }

  private final ConsulTransport consul;
  private final int queries;
  private final Semaphore queryPermits;
  private final Semaphore directWaits;
  private final Duration operationDeadline;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-watch-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });
  /** Guarded by {@code this}. */
  private final Set<Subscription> subscriptions = new LinkedHashSet<>();
  /** The running queries by what they read; guarded by {@code this}. */
  private Map<Path, Group> groups = new HashMap<>();
  private volatile boolean closed;

  /**
   * @param queries the most blocking queries subscriptions use at once (at least 3)
   * @param directWaits the most waits that run a blocking query of their own at once
   */
  Watches(ConsulTransport consul, int queries, int directWaits) {
    this.consul = consul;
    this.queries = queries;
    this.queryPermits = new Semaphore(queries, true);   // fair: a query that just answered queues behind waiters
    this.directWaits = new Semaphore(directWaits);
    this.operationDeadline = consul.settings().operationDeadline();
  }

  // ----------------------------------------------------------------------------------------- waits

  /**
   * Reads {@code key} like a blocking query (default consistency): at once when {@code index} is 0, otherwise
   * when it changed after {@code index} or after about {@code wait} (then with the index unchanged).
   */
  QueryResult<Optional<KvEntry>> get(String key, long index, Duration wait) throws InterruptedException {
    QueryResult<List<KvEntry>> r = await(new Path(key, false, null), index, wait);
    return new QueryResult<>(r.value().stream().filter(e -> e.key().equals(key)).findFirst(), r.index());
  }

  /** {@link #get} for every key under {@code prefix}. */
  QueryResult<List<KvEntry>> list(String prefix, long index, Duration wait) throws InterruptedException {
    return await(new Path(prefix, true, null), index, wait);
  }

  private QueryResult<List<KvEntry>> await(Path path, long index, Duration wait) throws InterruptedException {
    // waits read KV paths only
    if (index == 0 || wait.isZero()) return consul.kvRead(path.path(), path.recurse(), null, 0, Duration.ZERO);
    if (directWaits.tryAcquire()) {
      try {
        return consul.kvRead(path.path(), path.recurse(), null, index, wait);
      } finally {
        directWaits.release();
      }
    }
    Await a = new Await(index);
    Subscription s = subscribe(new Subscription(path, KvEntry.class, a, true));
    try {
      return a.answer.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      List<KvEntry> seen = a.baseline();
      // no read in the whole wait (a new query still failing): answer what Consul says now
      return seen != null ? new QueryResult<>(seen, index)
          : consul.kvRead(path.path(), path.recurse(), null, 0, Duration.ZERO);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new CoordinationException("wait failed", e.getCause());
    } finally {
      s.close();
    }
  }

  /**
   * One wait through a subscription: answers the first read after {@code index} (a read of the running query,
   * which may be newer than the caller's), then the first read whose entries differ from what it saw first.
   */
  private final class Await implements Listener<KvEntry> {
    final CompletableFuture<QueryResult<List<KvEntry>>> answer = new CompletableFuture<>();
    private final long index;
    private List<KvEntry> baseline;

    Await(long index) {
      this.index = index;
    }

    synchronized List<KvEntry> baseline() {
      return baseline;
    }

    @Override
    public synchronized void read(List<KvEntry> entries, long readIndex, boolean reset) {
      if (reset || (baseline == null ? readIndex > index : !sameVersions(baseline, entries))) {
        answer.complete(new QueryResult<>(entries, readIndex));
      }
      if (baseline == null) baseline = entries;
    }

    @Override
    public void failing(RuntimeException error, long failingNanos) {
      if (failingNanos > operationDeadline.toNanos()) answer.completeExceptionally(error);
    }
  }

  /** Whether two reads show the same versions of the same keys. */
  static boolean sameVersions(List<KvEntry> a, List<KvEntry> b) {
    if (a.size() != b.size()) return false;
    Map<String, Long> versions = new HashMap<>();
    for (KvEntry e : a) versions.put(e.key(), e.modifyIndex());
    for (KvEntry e : b) {
      Long v = versions.get(e.key());
      if (v == null || v != e.modifyIndex()) return false;
    }
    return true;
  }

  // --------------------------------------------------------------------------------- subscriptions

  /** One subscription; {@link #close()} ends it. */
  final class Subscription implements AutoCloseable {
    final Path path;
    /** The listener, told the entries of a read that are its path's. */
    private final Sink listener;
    /** Whether a running query's last read is handed over when the subscription joins it. */
    private final boolean cached;
    /** When it was made ({@link System#nanoTime()}). */
    private final long since = System.nanoTime();
    /** Guarded by {@code this}: the index of the last read delivered. */
    private long delivered = -1;
    /** Guarded by {@code this}: a read sent after {@link #since} was handed over. */
    private boolean fresh;
    /** Guarded by {@code this}: the newest read sent before {@link #since}, while not {@link #fresh}. */
    private Read parked;
    private volatile boolean ended;
    /** Guarded by {@code Watches.this}. */
    private Group group;

    private <T> Subscription(Path path, Class<T> type, Listener<T> listener, boolean cached) {
      this.path = path;
      this.listener = new Sink() {
        @Override
        public void read(List<?> entries, long index, boolean reset) {
          List<T> mine = new ArrayList<>();
          for (Object e : entries) {
            if (!type.isInstance(e)) continue;
            if (e instanceof KvEntry kv && !path.matches(kv.key())) continue;   // another key of a shared query
            mine.add(type.cast(e));
          }
          listener.read(List.copyOf(mine), index, reset);
        }

        @Override
        public void failing(RuntimeException error, long failingNanos) {
          listener.failing(error, failingNanos);
        }
      };
      this.cached = cached;
    }

    /**
     * Hands a read over, unless an equally new or newer one was handed over already (reads race on a re-plan).
     * A subscription without {@code cached} takes no read sent before it was made until it has one sent
     * after (its first read): such a read may predate a write its creator just made. A newer one of those is
     * kept and handed over after the first read, so that no change is lost.
     */
    private void deliver(Read read, boolean reset) {
      synchronized (this) {
        if (ended) return;
        if (!cached && !fresh) {
          if (read.sentNanos - since < 0) {
            if (parked == null || read.index > parked.index) parked = read;
            return;
          }
          fresh = true;
        }
        hand(read, reset);
        Read p = parked;
        parked = null;
        if (p != null && p.index > delivered) hand(p, false);
      }
    }

    private void hand(Read read, boolean reset) {
      if (!reset && read.index <= delivered) return;
      delivered = read.index;
      try {
        listener.read(read.entries, read.index, reset);
      } catch (RuntimeException e) {
        log.error("a listener of {} threw", path.path(), e);
      }
    }

    private void failing(RuntimeException error, long nanos) {
      if (!ended) listener.failing(error, nanos);
    }

    /** Ends the subscription (idempotent); no read is delivered once this returns. */
    @Override
    public void close() {
      if (ended) return;
      synchronized (this) {
        ended = true;
      }
      unsubscribe(this);
    }
  }

  /**
   * Watches {@code path} (one key or a prefix, consistency mode {@code consistency}: null, {@code consistent}
   * or {@code stale}) until the subscription is closed: the listener gets a state at least as new as this
   * call (a read of its own, in the background, retried until it succeeds) and then every read with a newer
   * index. The running query's last read is not handed over: it may predate a write the caller just made.
   */
  Subscription subscribe(String path, boolean recurse, String consistency, Listener<KvEntry> listener) {
    return subscribeFresh(new Subscription(new Path(path, recurse, consistency), KvEntry.class, listener, false));
  }

  /**
   * Watches the passing instances of {@code service} (only those tagged {@code tag}, unless null) until the
   * subscription is closed, like {@link #subscribe(String, boolean, String, Listener)}: a state at least as new
   * as this call, then every read with a newer index. Each (service, tag) is a blocking query of its own.
   */
  Subscription subscribeHealth(String service, String tag, Listener<ServiceEntry> listener) {
    return subscribeFresh(new Subscription(Path.health(service, tag), ServiceEntry.class, listener, false));
  }

  private Subscription subscribeFresh(Subscription s) {
    subscribe(s);
    try {
      threads.execute(() -> firstRead(s));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
    return s;
  }

  /**
   * Watches {@code key} (default consistency) for a holder that knows the key's state as of some index: the
   * listener gets the running query's last read at once, if there is one (it may be older than what the
   * holder knows: the listener must tell by the index), then every newer read.
   */
  Subscription subscribeFrom(String key, Listener<KvEntry> listener) {
    return subscribe(new Subscription(new Path(key, false, null), KvEntry.class, listener, true));
  }

  /** Reads {@code path}: at once when {@code index} is 0, otherwise a blocking query of up to {@code wait}. */
  private QueryResult<? extends List<?>> read(Path path, long index, Duration wait) throws InterruptedException {
    return switch (path.kind()) {
      case KV -> consul.kvWatch(path.path(), path.recurse(), path.consistency(), index, wait);
      case HEALTH -> consul.healthService(path.path(), path.tag(), index, wait);
    };
  }

  private void firstRead(Subscription s) {
    long failingSince = 0;
    for (int failures = 1; !s.ended && !closed; failures++) {
      try {
        long sent = System.nanoTime();
        QueryResult<? extends List<?>> r = read(s.path, 0, Duration.ZERO);
        s.deliver(new Read(r.value(), r.index(), sent), false);
        return;
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (failures == 1) failingSince = System.nanoTime();
        s.failing(e, System.nanoTime() - failingSince);
        log.debug("first read of {} failed ({} in a row), retrying: {}", s.path.path(), failures, e.toString());
        try {
          Thread.sleep(backoff(failures));
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private Subscription subscribe(Subscription s) {
    List<Runnable> deliveries;
    synchronized (this) {
      if (closed) throw new CoordinationException("the Coordinator is closed");
      subscriptions.add(s);
      deliveries = replan();
    }
    deliveries.forEach(Runnable::run);
    return s;
  }

  private void unsubscribe(Subscription s) {
    List<Runnable> deliveries;
    synchronized (this) {
      if (!subscriptions.remove(s)) return;
      if (s.group != null) s.group.members.remove(s);
      s.group = null;
      if (closed) return;
      deliveries = replan();
    }
    deliveries.forEach(Runnable::run);
  }

  /** Fits the running queries to the subscriptions; answers the cached reads to hand to moved subscriptions. */
  private List<Runnable> replan() {
    Set<Path> paths = new HashSet<>();
    for (Subscription s : subscriptions) paths.add(s.path);
    Map<Path, Path> plan = WatchPlan.plan(paths, queries);
    Map<Path, Group> next = new HashMap<>();
    for (Path q : plan.values()) next.computeIfAbsent(q, k -> groups.containsKey(k) ? groups.get(k) : new Group(k));
    List<Runnable> deliveries = new ArrayList<>();
    for (Subscription s : subscriptions) {
      Group g = next.get(plan.get(s.path));
      if (s.group == g) continue;
      if (s.group != null) s.group.members.remove(s);
      s.group = g;
      g.members.add(s);
      Read cached = g.last;
      if (cached != null && s.cached) deliveries.add(() -> s.deliver(cached, false));
    }
    Set<Group> kept = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    kept.addAll(next.values());
    for (Group old : groups.values()) if (!kept.contains(old)) old.stop();
    for (Group g : next.values()) if (g.task == null) g.task = threads.submit(g);
    groups = next;
    return deliveries;
  }

  /** Jittered exponential backoff: 250 ms doubling to 10 s, each drawn from its upper half. */
  static long backoff(int failures) {
    long ms = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(failures - 1, 10));
    return ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1);
  }

  /**
   * One answer: the entries read ({@link KvEntry}s or {@link ServiceEntry}s, by the query's kind), the index,
   * when the request was sent ({@link System#nanoTime()}).
   */
  private record Read(List<?> entries, long index, long sentNanos) {}

  /** A subscription's listener with its type forgotten: it picks its own entries out of a read. */
  private interface Sink {
    void read(List<?> entries, long index, boolean reset);

    void failing(RuntimeException error, long failingNanos);
  }

  /** One running blocking query and the subscriptions it serves. */
  private final class Group implements Runnable {
    final Path query;
    final Set<Subscription> members = ConcurrentHashMap.newKeySet();
    volatile Read last;
    private volatile boolean stopped;
    Future<?> task;

    Group(Path query) {
      this.query = query;
    }

    void stop() {
      stopped = true;
      if (task != null) task.cancel(true);
    }

    @Override
    public void run() {
      long index = 0;
      int failures = 0;
      long failingSince = 0;
      boolean resync = false;                   // after a failure: one read at once, taken as it stands
      while (!stopped && !closed) {
        QueryResult<? extends List<?>> r;
        long started;
        try {
          queryPermits.acquire();               // queries beyond the permits (many services) take turns
          started = System.nanoTime();
          try {
            r = read(query, resync ? 0 : index, Deadlines.LONGEST_WAIT);
          } finally {
            queryPermits.release();
          }
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          if (stopped || closed) return;
          if (failures++ == 0) failingSince = System.nanoTime();
          resync = true;
          log.debug("watch of {} failed ({} in a row), retrying: {}", query.path(), failures, e.toString());
          long failing = System.nanoTime() - failingSince;
          for (Subscription s : members) s.failing(e, failing);
          if (!pause(backoff(failures))) return;
          continue;
        }
        failures = 0;
        // After an outage the agent may have restarted with an index that starts again (and may even have
        // reached the old one): the fresh read is handed over as a reset, and the listeners compare contents.
        // One read per query, not one per watcher.
        boolean reset = resync ? index != 0 : index != 0 && BlockingIndex.wentBackwards(index, r.index());
        boolean unchanged = !resync && index != 0 && r.index() == index;
        resync = false;
        index = BlockingIndex.next(index, r.index());
        if (unchanged) {
          // the wait ran out; a query that returns at once without news is slowed down, never spun
          if (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(10) && !pause(100)) return;
          continue;
        }
        Read read = new Read(r.value(), r.index(), started);
        last = read;
        for (Subscription s : members) s.deliver(read, reset);
      }
    }

    private boolean pause(long ms) {
      try {
        Thread.sleep(ms);
        return !stopped && !closed;
      } catch (InterruptedException e) {
        return false;
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      for (Subscription s : subscriptions) s.ended = true;
      subscriptions.clear();
      groups.values().forEach(Group::stop);
      groups = new HashMap<>();
    }
    threads.shutdownNow();
  }
}
