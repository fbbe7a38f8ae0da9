package dev.baton.internal;

import dev.baton.LeaderContext;
import dev.baton.LeaderElection;
import dev.baton.LeaderJob;
import dev.baton.LeaderTask;
import dev.baton.LeadershipListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader-elected scheduled job: an {@link ConsulElection} whose terms start and stop a fixed-rate schedule.
 * On election the schedule starts at once (the new leader continues the cadence); on revocation the running
 * execution is interrupted and awaited before the election releases the lock, so executions of two leaders
 * never overlap (after a session loss, the lock-delay keeps the next leader out meanwhile).
 */
final class ScheduledLeaderJob implements LeaderJob, LeadershipListener {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.job");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final LeaderElection election;
  private final String name;
  private final Duration period;
  private final LeaderTask task;
  private final ScheduledExecutorService executor;
  private final ReentrantLock executing = new ReentrantLock();
  private final AtomicLong executions = new AtomicLong();
  private final Duration stopTimeout;
  private final BatonRuntime runtime;
  private Future<?> schedule;                    // guarded by this
  private long term;                             // guarded by this

  ScheduledLeaderJob(BatonRuntime runtime, String key, Duration period, LeaderTask task) {
    this.name = key;
    this.period = period;
    this.task = task;
    this.stopTimeout = runtime.sessionTtl;
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "baton-job-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
    this.runtime = runtime;
    this.election = new ConsulElection(runtime, key, runtime.ownerId, Map.of());
    runtime.own(this);
    election.addListener(this);
    election.start();
  }

  @Override
  public LeaderElection election() {
    return election;
  }

  @Override
  public long executions() {
    return executions.get();
  }

  @Override
  public synchronized void onElected(long fencingToken) {
    term = fencingToken;
    schedule = executor.scheduleAtFixedRate(() -> runOnce(fencingToken), 0, period.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  @Override
  public void onRevoked() {
    Future<?> running;
    synchronized (this) {
      term = 0;
      running = schedule;
      schedule = null;
    }
    if (running != null) running.cancel(true);
    try {                                         // wait for an interrupted execution to end
      if (executing.tryLock(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        executing.unlock();
      } else {
        log.warn("leader job {}: an execution ignored its interrupt for {}; the next leader may overlap",
            name, stopTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void runOnce(long token) {
    executing.lock();
    try {
      synchronized (this) {
        if (term != token) return;
      }
      if (!election.isLeader() || Thread.currentThread().isInterrupted()) return;
      executions.incrementAndGet();
      task.run(new LeaderContext() {
        @Override
        public long fencingToken() {
          return token;
        }

        @Override
        public boolean isStillLeader() {
          synchronized (ScheduledLeaderJob.this) {
            if (term != token) return false;
          }
          return election.isLeader();
        }
      });
    } catch (InterruptedException e) {
      log.debug("leader job {}: execution interrupted (leadership ended)", name);
    } catch (Throwable e) {
      log.error("leader job {}: execution failed", name, e);
    } finally {
      Thread.interrupted();                       // do not leak an interrupt into the next execution
      executing.unlock();
    }
  }

  @Override
  public void close() {
    runtime.disown(this);
    election.close();                             // revokes (interrupts and awaits the execution) first
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "LeaderJob{" + name + ", every " + period + ", " + election + "}";
  }
}
