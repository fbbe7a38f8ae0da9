package dev.baton.internal;

import dev.baton.ConsulAccessDeniedException;
import dev.baton.CoordinationException;
import dev.baton.Lease;
import dev.baton.LeaderElection;
import dev.baton.LeaderInfo;
import dev.baton.LeadershipListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election, built on the fair {@link ConsulLock}: the whole algorithm in this file.
 *
 * <p><b>Keys.</b> The lock key {@code <prefix><name>}, its value naming the leader (candidate id, owner,
 * host, metadata); the fair queue {@code <key>/.queue/<session>-<n>} of the waiting candidates (a new entry
 * for every time a candidate queues).
 *
 * <p><b>Consul calls.</b> Those of the fair lock: join the queue, block on the predecessor's queue entry, take
 * the lock with one txn; release on resign/close. {@link #currentLeader()} is one GET of the key.
 *
 * <p><b>Terms.</b> One daemon thread per election: acquire (blocking, interruptible) → leader: announce
 * {@code onElected(token)} → wait until the lease is lost, or resign/close is asked → announce
 * {@code onRevoked()} → release → queue again (unless closed). On resign/close {@code onRevoked} runs before
 * the release, so the old leader has stopped before anyone else can be elected; on session loss the
 * lock-delay (or the session's expiry) keeps the next leader out until the loss has been noticed here.
 *
 * <p><b>Listeners.</b> Every callback comes from the election's thread, never from a caller's:
 * {@link LeadershipState} records what each listener was last told and answers what it still has to hear, so
 * each listener hears strictly alternating callbacks, one at a time, and its last one matches the term. A
 * listener added while leading is registered and the election's thread woken; it delivers that listener's
 * {@code onElected} itself, before any {@code onRevoked} of the term. {@link #awaitLeadership} returns once
 * every listener has heard {@code onElected}.
 *
 * <p><b>Failures.</b> A failure to take part (Consul unreachable, session lost) is logged and tried again a
 * second later. An ACL denial is not: retrying cannot help, so the thread stops, remembers it, and
 * {@link #awaitLeadership} and {@link #isLeader} throw it until {@link #start()} takes part again.
 *
 * <p><b>Late requests.</b> The fair lock writes every queue join once, under a key of its own, and leaves
 * with a delete-cas; a join whose answer was lost and that lands after the candidate left (or the election
 * closed) is deleted by the orphan watch, so it cannot block later candidates for longer than that takes.
 */
final class ConsulElection implements LeaderElection {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.election");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final BatonRuntime runtime;
  private final ConsulLock lock;
  private final String candidateId;
  private final LeadershipState<LeadershipListener> leadership = new LeadershipState<>();  // guarded by signal
  private final Object signal = new Object();
  private Thread thread;                       // guarded by signal
  private Lease lease;                         // current term's lease, guarded by signal
  private boolean resignAsked;                 // guarded by signal
  private ConsulAccessDeniedException failure; // why the thread stopped for good, guarded by signal
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
      failure = null;                          // after an ACL denial: take part again
      thread = new Thread(this::run, "baton-election-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      thread.start();
    }
  }

  @Override
  public boolean isLeader() {
    synchronized (signal) {
      if (failure != null) throw failure;
      return leading();
    }
  }

  @Override
  public boolean awaitLeadership(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signal) {
      while (!(leading() && leadership.announced())) {     // returns after the listeners heard onElected
        if (failure != null) throw failure;
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
    synchronized (signal) {
      leadership.add(listener);                // a leader's thread wakes up and tells it onElected itself
      signal.notifyAll();
    }
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
    boolean leader;
    synchronized (signal) {
      leader = leading();
    }
    return "LeaderElection{" + key() + ", candidate=" + candidateId + (leader ? ", leader" : "") + "}";
  }

  /** Leader of a term whose lease is provably held (the caller holds the signal). */
  private boolean leading() {
    return leadership.term() != 0 && lease != null && lease.isHeld();
  }

  private void run() {
    while (!closed) {
      Lease term;
      try {
        term = lock.acquire();
      } catch (InterruptedException e) {
        continue;                              // closing (or a spurious interrupt: try again)
      } catch (ConsulAccessDeniedException e) {
        if (!closed && !runtime.isClosed()) stop(e);
        break;
      } catch (RuntimeException e) {
        if (closed || runtime.isClosed()) break;
        log.warn("election {}: could not take part ({}); retrying", key(), e.toString());
        pause();
        continue;
      }
      lead(term);
    }
  }

  /** An ACL denial: retrying cannot help; remembered for awaitLeadership and isLeader, the thread ends. */
  private void stop(ConsulAccessDeniedException e) {
    log.error("election {}: Consul denied access (check the ACL token's policy); not taking part until "
        + "started again", key(), e);
    synchronized (signal) {
      failure = e;
      thread = null;
      signal.notifyAll();
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
      electedAt = System.nanoTime();
      runtime.telemetry.elected(key(), candidateId, term.fencingToken());   // the INFO line, the event, the metric
      while (true) {
        deliver();                             // onElected; then to each listener added meanwhile
        synchronized (signal) {
          while (!closed && !resignAsked && term.isHeld() && !leadership.outdated()) {
            try {
              signal.wait(Math.max(1, runtime.sessionTtl.toMillis() / 10));   // isHeld also ends by clock
            } catch (InterruptedException e) {
              // close() interrupts; the loop condition decides
            }
          }
          if (closed || resignAsked || !term.isHeld()) break;
        }
      }
    }
    boolean revoked;
    synchronized (signal) {
      revoked = leadership.revoked();
      resignAsked = false;                     // with the revocation: a resign asked later is for a later term
    }
    if (revoked) {
      runtime.telemetry.revoked(key(), candidateId, term.fencingToken(),
          closed ? "closed" : term.isHeld() ? "resigned" : "lease lost", electedAt);
      deliver();                               // onRevoked to every listener that heard onElected
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

  /** Brings every listener up to date with the current term; on the election's thread only. */
  private void deliver() {
    List<LeadershipState.Callback<LeadershipListener>> callbacks;
    synchronized (signal) {
      callbacks = leadership.pending();
    }
    for (LeadershipState.Callback<LeadershipListener> c : callbacks) {
      LeadershipListener l = c.listener();
      if (c.elected()) {
        call(() -> l.onElected(c.term()));
      } else {
        call(l::onRevoked);
      }
    }
    synchronized (signal) {
      leadership.delivered();
      signal.notifyAll();                      // awaitLeadership: the listeners heard it
    }
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
