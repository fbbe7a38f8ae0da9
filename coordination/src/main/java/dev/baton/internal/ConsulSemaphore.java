package dev.baton.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import dev.baton.BatonMetrics.Primitive;
import dev.baton.ConsulException;
import dev.baton.CoordinationException;
import dev.baton.DistributedSemaphore;
import dev.baton.Lease;
import dev.baton.internal.SemaphoreDecision.Decision;
import dev.baton.internal.SessionKeeper.Session;
import dev.baton.internal.Telemetry.Watch;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.KvEntry;
import dev.baton.internal.consul.KvWrite;
import dev.baton.internal.consul.QueryResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed semaphore (Consul's semaphore recipe): the whole algorithm in this file.
 *
 * <p><b>Keys.</b> Under {@code <prefix><name>/}: one contender key per acquisition,
 * {@code <sessionId>-<n>}, held with the Coordinator's session (value: owner, host, time); and
 * {@code .lock}, JSON {@code {"Limit": n, "Holders": {"<contender>": true, ...}}} (the format of Consul's own
 * Go semaphore), written only by check-and-set on its ModifyIndex.
 *
 * <p><b>Consul calls.</b> Acquire: {@code PUT <contender>?acquire=<session>}; {@code GET <prefix>?recurse}
 * (blocking while all permits are taken); a {@code /v1/txn} {@code cas} on {@code .lock} adding this contender
 * to the pruned holder set — its answer carries the new ModifyIndex, the fencing token. A lost race re-reads.
 * Release: {@code DELETE <contender>} (one call: a holder whose contender key is gone is dead, and the next
 * acquirer prunes it from {@code .lock}; the deletion wakes the waiters' blocking query).
 *
 * <p><b>Safety.</b> The holder set only changes by check-and-set, so two contenders can never both take the
 * last permit; holders are a set, so a retried write never counts twice ({@link SemaphoreDecision}). A holder
 * is alive only while its contender key is held by a session: a crashed client's permit returns when Consul
 * invalidates its session, and this client's leases are lost when the session keeper loses the session.
 * Caveat (as in Consul's recipe): contender keys are fresh, so no lock-delay protects a permit after a
 * forced session invalidation; fence writes with the token when that matters.
 */
final class ConsulSemaphore implements DistributedSemaphore {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.semaphore");
  private static final Gson GSON = new Gson();
  private static final AtomicLong CONTENDERS = new AtomicLong();
  private static final String LOCK = ".lock";

  /** The {@code .lock} record, Consul's Go semaphore format. */
  private static final class Record {
    @SerializedName("Limit") int limit;
    @SerializedName("Holders") Map<String, Boolean> holders;
  }

  /** One consistent read of the prefix. */
  private record View(int limit, Set<String> holders, long lockIndex, Set<String> live, List<KvEntry> dead) {}

  private final BatonRuntime runtime;
  private final ConsulTransport consul;
  private final SessionKeeper sessions;
  private final String prefix;
  private final String lockKey;
  private final int permits;
  private final Telemetry.Subject telemetry;

  ConsulSemaphore(BatonRuntime runtime, String key, int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1: " + permits + " (semaphore " + key + ")");
    }
    this.runtime = runtime;
    this.consul = runtime.consul;
    this.sessions = runtime.sessions;
    this.prefix = key + "/";
    this.lockKey = prefix + LOCK;
    this.permits = permits;
    this.telemetry = runtime.telemetry.subject(Primitive.SEMAPHORE, key, permits);
  }

  @Override
  public String prefix() {
    return prefix;
  }

  @Override
  public int permits() {
    return permits;
  }

  @Override
  public Lease acquire() throws InterruptedException {
    try {
      return acquire(Deadlines.NONE, true);
    } catch (TimeoutException e) {
      throw new AssertionError("no deadline, no timeout", e);
    }
  }

  @Override
  public Lease acquire(Duration timeout) throws InterruptedException, TimeoutException {
    return acquire(Deadlines.after(timeout), true);
  }

  @Override
  public Optional<Lease> tryAcquire() {
    try {
      return Optional.of(acquire(System.nanoTime(), false));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while trying to acquire a permit of " + prefix, e);
    }
  }

  @Override
  public String toString() {
    return "DistributedSemaphore{" + prefix + ", permits=" + permits + "}";
  }

  private Lease acquire(long deadline, boolean wait) throws InterruptedException, TimeoutException {
    long started = telemetry.acquiring();
    Lease lease = sessions.withSession(sessions.current(), session -> acquire(session, deadline, wait));
    telemetry.acquired(lease, started);
    return lease;
  }

  private Lease acquire(Session session, long deadline, boolean wait)
      throws InterruptedException, TimeoutException {
    String id = session.id() + "-" + CONTENDERS.incrementAndGet();
    String contenderKey = prefix + id;
    boolean held = false;
    try {
      if (!consul.kvPut(contenderKey, contenderValue(), KvWrite.acquire(session.id()))) {
        throw new CoordinationException("could not create contender key " + contenderKey);
      }
      long index = 0;
      while (true) {
        QueryResult<List<KvEntry>> read = consul.kvList(prefix, index, index == 0 ? Duration.ZERO
            : Deadlines.waitFor(deadline));
        telemetry.woke(Watch.PERMITS, prefix, index, read.index());
        index = BlockingIndex.next(index, read.index());
        View view = view(read.value());
        if (!view.live().contains(id)) {
          throw new CoordinationException("contender key " + contenderKey + " was lost while waiting "
              + "(session lost, or deleted by an operator)");
        }
        Decision d = SemaphoreDecision.acquire(view.limit(), view.holders(), view.live(), id, permits);
        switch (d.kind()) {
          case LIMIT_MISMATCH -> throw new CoordinationException("semaphore " + prefix + " has " + d.limit()
              + " permits in Consul but this client asks for " + permits + "; every client must use the same "
              + "number (to change it, stop all clients and delete " + lockKey + ")");
          case ALREADY_HOLDER -> {
            held = true;
            return lease(session, id, contenderKey, view.lockIndex());
          }
          case ACQUIRE -> {
            Optional<KvEntry> written = consul.kvCas(lockKey, record(d.limit(), d.holders()), view.lockIndex());
            if (written.isPresent()) {
              held = true;
              return lease(session, id, contenderKey, written.get().modifyIndex());
            }
            index = 0;                                 // lost a race: re-read now, never count twice
          }
          case WAIT -> {
            pruneDead(view.dead());
            if (!wait || deadline - System.nanoTime() <= 0) {
              throw new TimeoutException("timed out waiting for a permit of " + prefix);
            }
          }
        }
      }
    } finally {
      if (!held) deleteUninterruptibly(contenderKey);   // not a holder: never leave a contender behind
    }
  }

  private Lease lease(Session session, String id, String contenderKey, long token) {
    LeaseState state = new LeaseState();
    runtime.leases.track(telemetry, session.id(), contenderKey, 0, token, state);
    return new LeaseHandle(contenderKey, token, state, session, () -> {
      runtime.leases.untrack(session.id(), state);
      if (state.release()) {
        deleteOrThrow(contenderKey);
      } else {
        deleteUninterruptibly(contenderKey);           // lost: tidy up, never throw
      }
    }, telemetry);
  }

  private View view(List<KvEntry> entries) {
    int limit = 0;
    Set<String> holders = new HashSet<>();
    long lockIndex = 0;
    Set<String> live = new HashSet<>();
    List<KvEntry> dead = new java.util.ArrayList<>();
    for (KvEntry e : entries) {
      String name = e.key().substring(prefix.length());
      if (name.equals(LOCK)) {
        lockIndex = e.modifyIndex();
        Record r = parse(e);
        limit = r.limit;
        if (r.holders != null) holders.addAll(r.holders.keySet());
      } else if (e.session() != null) {
        live.add(name);
      } else {
        dead.add(e);
      }
    }
    return new View(limit, holders, lockIndex, live, dead);
  }

  private Record parse(KvEntry lockEntry) {
    try {
      Record r = GSON.fromJson(lockEntry.valueUtf8(), Record.class);
      if (r != null && r.limit > 0) return r;
    } catch (JsonParseException e) {
      // fall through
    }
    throw new CoordinationException("semaphore record " + lockKey + " is not a {Limit, Holders} JSON object: "
        + lockEntry.valueUtf8());
  }

  private static byte[] record(int limit, Set<String> holders) {
    Record r = new Record();
    r.limit = limit;
    r.holders = new LinkedHashMap<>();
    for (String h : holders) r.holders.put(h, true);
    return GSON.toJson(r).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] contenderValue() {
    return HolderValue.encode(runtime.ownerId, null, null, null);
  }

  /** Contender keys whose session is gone: delete them (check-and-set, so a reused key is never hit). */
  private void pruneDead(List<KvEntry> dead) throws InterruptedException {
    for (KvEntry e : dead) {
      try {
        consul.kvDeleteCas(e.key(), e.modifyIndex());
      } catch (ConsulException ex) {
        log.debug("could not prune dead contender {}: {}", e.key(), ex.toString());
      }
    }
  }

  private void deleteOrThrow(String contenderKey) {
    Remote.complete("release " + contenderKey, () -> consul.kvDelete(contenderKey));
  }

  private void deleteUninterruptibly(String contenderKey) {
    Remote.bestEffort(log, "delete contender key " + contenderKey + "; it dies with the session", null,
        () -> consul.kvDelete(contenderKey));
  }
}
