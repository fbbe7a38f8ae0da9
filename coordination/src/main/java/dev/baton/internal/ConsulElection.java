package dev.baton.internal;

import dev.baton.CoordinationException;
import dev.baton.Lease;
import dev.baton.LeaderElection;
import dev.baton.LeaderInfo;
import dev.baton.LeadershipListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election, built on the fair {@link ConsulLock}: the whole algorithm in this file.
 *
 * <p><b>Keys.</b> The lock key {@code <prefix><name>}, its value naming the leader (candidate id, owner,
 * host, metadata); the fair queue {@code <key>/.queue/<session>} of the waiting candidates.
 *
 * <p><b>Consul calls.</b> Those of the fair lock: join the queue, block on the predecessor's queue entry, take
 * the lock with one txn; release on resign/close. {@link #currentLeader()} is one GET of the key.
 *
 * <p><b>Terms.</b> One daemon thread per election: acquire (blocking, interruptible) → leader: announce
 * {@code onElected(token)} → wait until the lease is lost, or resign/close is asked → announce
 * {@code onRevoked()} → release → queue again (unless closed). Announcements come from this one thread and
 * go through {@link LeadershipState}, so they strictly alternate and each term is revoked exactly once. On
 * resign/close {@code onRevoked} runs before the release, so the old leader has stopped before anyone else
 * can be elected; on session loss the lock-delay (or the session's expiry) keeps the next leader out until
 * the loss has been noticed here.
 */
final class ConsulElection implements LeaderElection {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.election");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final BatonRuntime runtime;
  private final ConsulLock lock;
  private final String candidateId;
  private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
  private final LeadershipState leadership = new LeadershipState();
  private final Object signal = new Object();
  private Thread thread;                       // guarded by signal
  private Lease lease;                         // current term's lease, guarded by signal
  private boolean resignAsked;                 // guarded by signal
  private boolean announced;                   // onElected delivered for the current term, guarded by signal
  private volatile boolean closed;

  ConsulElection(BatonRuntime runtime, String key, String candidateId, Map<String, String> metadata) {
    this.runtime = runtime;
    this.candidateId = candidateId;
    this.lock = new ConsulLock(runtime, key, true, candidateId, metadata);
  }

  @Override
  public String key() {
    return lock.key();
  }

  @Override
  public String candidateId() {
    return candidateId;
  }

  @Override
  public void start() {
    synchronized (signal) {
      if (closed) throw new CoordinationException("election " + key() + " is closed");
      if (thread != null) return;
      runtime.own(this);
      thread = new Thread(this::run, "baton-election-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      thread.start();
    }
  }

  @Override
  public boolean isLeader() {
    synchronized (signal) {
      return leadership.term() != 0 && lease != null && lease.isHeld();
    }
  }

  @Override
  public boolean awaitLeadership(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signal) {
      while (!(isLeader() && announced)) {     // returns after the listeners heard onElected
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) return false;
        signal.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  @Override
  public Optional<LeaderInfo> currentLeader() {
    return lock.holderEntry().map(HolderValue::leaderOf);
  }

  @Override
  public void addListener(LeadershipListener listener) {
    if (listener == null) throw new IllegalArgumentException("listener must not be null");
    long term;
    synchronized (signal) {
      listeners.add(listener);
      term = leadership.term();
    }
    if (term != 0) call(() -> listener.onElected(term));
  }

  @Override
  public void resign() {
    synchronized (signal) {
      if (leadership.term() != 0) {
        resignAsked = true;
        signal.notifyAll();
      }
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (signal) {
      if (closed) return;
      closed = true;
      t = thread;
      signal.notifyAll();
    }
    runtime.disown(this);
    if (t == null) return;
    if (t != Thread.currentThread()) {
      t.interrupt();                           // ends a waiting acquire; a leader wakes up via the signal
      try {
        t.join(runtime.sessionTtl.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "LeaderElection{" + key() + ", candidate=" + candidateId + (isLeader() ? ", leader" : "") + "}";
  }

  private void run() {
    while (!closed) {
      Lease term;
      try {
        term = lock.acquire();
      } catch (InterruptedException e) {
        continue;                              // closing (or a spurious interrupt: try again)
      } catch (RuntimeException e) {
        if (closed || runtime.isClosed()) break;
        log.warn("election {}: could not take part ({}); retrying", key(), e.toString());
        pause();
        continue;
      }
      lead(term);
    }
  }

  private void lead(Lease term) {
    term.onLost(() -> {
      synchronized (signal) {
        signal.notifyAll();
      }
    });
    boolean elected;
    long electedAt = 0;
    synchronized (signal) {
      lease = term;
      elected = !closed && leadership.elected(term.fencingToken());
      signal.notifyAll();
    }
    if (elected) {
      long termNumber = term.fencingToken();         // the fencing term, not a credential
      electedAt = System.nanoTime();
      runtime.telemetry.elected(key(), candidateId, termNumber);     // the INFO line, the event, the metric
      for (LeadershipListener l : listeners) call(() -> l.onElected(termNumber));
      synchronized (signal) {
        announced = true;
        signal.notifyAll();
        while (!closed && !resignAsked && term.isHeld()) {
          try {
            signal.wait(Math.max(1, runtime.sessionTtl.toMillis() / 10));   // isHeld also ends by clock
          } catch (InterruptedException e) {
            // close() interrupts; the loop condition decides
          }
        }
        resignAsked = false;
      }
    }
    boolean revoked;
    synchronized (signal) {
      revoked = leadership.revoked();
      announced = false;
    }
    if (revoked) {
      runtime.telemetry.revoked(key(), candidateId, term.fencingToken(),
          closed ? "closed" : term.isHeld() ? "resigned" : "lease lost", electedAt);
      for (LeadershipListener l : listeners) call(l::onRevoked);
    }
    try {
      term.close();                            // after onRevoked: the old leader stopped first
    } catch (RuntimeException e) {
      log.warn("election {}: release failed; the session keeps the key until it ends", key(), e);
    }
    synchronized (signal) {
      lease = null;
      signal.notifyAll();
    }
    Thread.interrupted();                      // an interrupt meant for this term is consumed
  }

  private void pause() {
    synchronized (signal) {
      if (closed) return;
      try {
        signal.wait(1000);
      } catch (InterruptedException e) {
        // closing
      }
    }
  }

  private void call(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.error("election {}: listener threw", key(), e);
    }
  }
}
