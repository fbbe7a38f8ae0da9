package dev.baton.internal;

import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.CoordinationException;
import dev.baton.Service;
import dev.baton.ServiceRegistration;
import dev.baton.internal.consul.ConsulTransport;
import dev.baton.internal.consul.ServiceDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services one Coordinator registers with its agent, each with a TTL check that a single daemon thread
 * of this registry passes every TTL/3.
 *
 * <p>Why a TTL check and not an HTTP check: the agent then tells healthy from dead by the process itself
 * (alive and reaching its agent), with no port to open. Why re-registration: an agent restarted without its
 * data directory has forgotten every service registered over HTTP, and a heartbeat then finds its check
 * unknown; the registration is repeated (register is safe to repeat) with the state the application set.
 *
 * <p>Each registration sends its calls one at a time (a lock per registration), so that a heartbeat that was
 * on its way never turns a check green after {@code markUnhealthy}, and never re-registers a service after
 * its {@code close} deregistered it. A service id is registered at most once per Coordinator at a time: two
 * registrations of one id would deregister each other's service. A registration whose outcome is unknown
 * (interrupted, Consul unreachable) may still exist at the agent, passing for a TTL: it is deregistered in the
 * background, and its id stays taken until then.
 */
final class ServiceRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.service");

  private final ConsulTransport consul;
  /** Heartbeats of every registration, and background deregistrations; its one thread starts on first use. */
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "baton-service-heartbeat");
    t.setDaemon(true);
    return t;
  });
  /** Registrations by service id, until deregistered; guarded by {@code this}. */
  private final Map<String, Registration> byId = new HashMap<>();
  /** Guarded by {@code this}. */
  private boolean closed;

  ServiceRegistry(ConsulTransport consul) {
    this.consul = consul;
    scheduler.setRemoveOnCancelPolicy(true);
  }

  /**
   * Registers {@code service} (its id set) and starts its heartbeats.
   *
   * @throws IllegalStateException when this registry holds a registration of the id already
   */
  ServiceRegistration register(Service service) throws InterruptedException {
    Registration r = new Registration(service);
    while (true) {
      Registration previous;
      synchronized (this) {
        if (closed) throw new CoordinationException("the Coordinator is closed");
        previous = byId.putIfAbsent(r.id, r);
        if (previous == null) break;
        if (!previous.closed.get()) {
          throw new IllegalStateException("service id " + r.id + " is registered by this Coordinator already; close "
              + "that registration first");
        }
      }
      previous.awaitEnded();              // being deregistered: register again after that
    }
    r.start();
    return r;
  }

  /** Registrations open now (diagnostics). */
  synchronized int registered() {
    return byId.size();
  }

  private synchronized void forget(Registration r) {
    byId.remove(r.id, r);
  }

  /** Deregisters every service, then stops the heartbeat thread. Idempotent. */
  @Override
  public void close() {
    List<Registration> all;
    synchronized (this) {
      closed = true;
      all = List.copyOf(byId.values());
    }
    for (Registration r : all) r.close();
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(consul.settings().operationDeadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdownNow();
  }

  /** One registered service and its heartbeat. */
  private final class Registration implements ServiceRegistration {
    final String id;
    private final Service service;
    private final ServiceDefinition definition;
    private final long periodMillis;
    /** Held during every call of this registration: they go one at a time, in order. */
    private final ReentrantLock calls = new ReentrantLock();
    final AtomicBoolean closed = new AtomicBoolean();
    /** Completed once the service is deregistered (or given up on) and its id free again. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** The check's output while the application marks it unhealthy; null: healthy. */
    private volatile String note;
    private volatile ScheduledFuture<?> heartbeat;
    /** Heartbeats failed in a row (on the scheduler thread only). */
    private int failures;

    Registration(Service service) {
      this.service = service;
      this.id = service.id().orElseThrow();
      this.definition = new ServiceDefinition(id, service.name(), service.address().orElse(null), service.port(),
          service.tags(), service.meta(), "service:" + id, service.ttl(),
          service.deregisterCriticalAfter().orElse(null), true);
      this.periodMillis = Math.max(1, service.ttl().toMillis() / 3);
    }

    /** Registers the service (its check passing) and schedules the heartbeats. */
    void start() throws InterruptedException {
      calls.lock();                             // free, or held by a close that ends this registration
      try {
        if (closed.get()) throw new CoordinationException("the Coordinator is closed");
        consul.agentServiceRegister(definition);
        heartbeat = scheduler.scheduleWithFixedDelay(this::beat, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
      } catch (ConsulAccessDeniedException | ConsulRequestRejectedException e) {
        closed.set(true);                       // refused: nothing was registered
        end();
        throw e;
      } catch (InterruptedException | RuntimeException e) {
        if (closed.compareAndSet(false, true)) deregisterInBackground();   // it may have been registered
        throw e;
      } finally {
        calls.unlock();
      }
      log.info("registered service {} ({}) with a TTL check of {}", id, service.name(), service.ttl());
    }

    private void beat() {
      try {
        calls.lockInterruptibly();
      } catch (InterruptedException e) {
        return;                                 // closing
      }
      try {
        if (closed.get()) return;
        sync();
        if (failures > 0) log.info("heartbeat of service {} gets through again", id);
        failures = 0;
      } catch (InterruptedException e) {
        // closing
      } catch (RuntimeException e) {
        if (failures++ == 0) {
          log.warn("heartbeat of service {} failed, retrying every {} ms: {}", id, periodMillis, e.toString());
        } else {
          log.debug("heartbeat of service {} failed ({} in a row): {}", id, failures, e.toString());
        }
      } finally {
        calls.unlock();
      }
    }

    /** Tells the agent the check's state; registers the service again when the agent does not know it. */
    private void sync() throws InterruptedException {
      String output = note;
      boolean known = output == null ? consul.agentCheckPass(definition.checkId(), null)
          : consul.agentCheckFail(definition.checkId(), output);
      if (known) return;
      log.info("the agent does not know service {} (restarted?): registering it again", id);
      consul.agentServiceRegister(definition.withPassing(output == null));
      if (output != null) consul.agentCheckFail(definition.checkId(), output);
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Service service() {
      return service;
    }

    @Override
    public void markUnhealthy(String note) {
      if (note == null) throw new IllegalArgumentException("note must not be null");
      set(note);
    }

    @Override
    public void markHealthy() {
      set(null);
    }

    private void set(String output) {
      try {
        calls.lockInterruptibly();
        try {
          if (closed.get()) throw new IllegalStateException("the registration of service " + id + " is closed");
          note = output;
          sync();
        } finally {
          calls.unlock();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CoordinationException("interrupted while updating the check of service " + id, e);
      }
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) return;
      cancelHeartbeat();                        // interrupts a heartbeat on its way
      calls.lock();
      try {
        cancelHeartbeat();                      // scheduled by a start that ran meanwhile
        consul.agentServiceDeregister(id);
        log.info("deregistered service {}", id);
        end();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        deregisterInBackground();
      } catch (RuntimeException e) {
        log.warn("could not deregister service {} (its check turns critical after {}): {}", id, service.ttl(),
            e.toString());
        end();
      } finally {
        calls.unlock();
      }
    }

    private void cancelHeartbeat() {
      ScheduledFuture<?> f = heartbeat;
      if (f != null) f.cancel(true);
    }

    /** Deregisters on the scheduler thread (the caller was interrupted, or could not tell what happened). */
    private void deregisterInBackground() {
      try {
        scheduler.execute(() -> {
          try {
            consul.agentServiceDeregister(id);
          } catch (InterruptedException | RuntimeException e) {
            log.warn("could not deregister service {} (its check turns critical after {}): {}", id, service.ttl(),
                e.toString());
          } finally {
            end();
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        log.warn("could not deregister service {}: the Coordinator is closed", id);
        end();
      }
    }

    /** The id is free again. */
    private void end() {
      forget(this);
      ended.complete(null);
    }

    void awaitEnded() throws InterruptedException {
      try {
        ended.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());   // never: completed normally only
      }
    }

    @Override
    public String toString() {
      return "ServiceRegistration{" + id + ", " + (closed.get() ? "closed" : note == null ? "healthy"
          : "unhealthy: " + note) + "}";
    }
  }
}
