package dev.baton.internal;

import dev.baton.CoordinationException;
import dev.baton.ServiceDiscovery;
import dev.baton.ServiceInstance;
import dev.baton.internal.consul.ServiceEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link ServiceDiscovery}: a subscription of the {@link Watches} engine to the passing instances of one
 * service (and tag), whose reads become lists of {@link ServiceInstance}s, sorted so that a read that changes
 * nothing the application sees (a check's output, a critical instance, an unrelated index bump) calls nobody;
 * each change goes to every listener through a {@link UserWatches.Mailbox} on the Coordinator's listener
 * threads, like the user watches. The engine's first-read rule makes the first list at least as new as the
 * discovery, so a service registered just before shows up.
 */
final class ServiceWatch implements ServiceDiscovery {
  /** The order of a list: by id, then node (ids are unique per node only). */
  private static final Comparator<ServiceInstance> ORDER = Comparator.comparing(ServiceInstance::id)
      .thenComparing(ServiceInstance::node);

  private final String service;
  private final String tag;
  private final Executor listeners;
  private final Duration firstReadTimeout;
  private final CountDownLatch firstRead = new CountDownLatch(1);
  private volatile Watches.Subscription subscription;
  /** Guarded by {@code this}. */
  private final List<UserWatches.Mailbox<List<ServiceInstance>>> mailboxes = new ArrayList<>();
  /** The last list read; null before the first read. Written under {@code this}. */
  private volatile List<ServiceInstance> current;
  /** Why the query fails, while it does. */
  private volatile RuntimeException failure;
  private volatile boolean closed;

  ServiceWatch(Executor listeners, Duration firstReadTimeout, String service, String tag) {
    this.service = service;
    this.tag = tag;
    this.listeners = listeners;
    this.firstReadTimeout = firstReadTimeout;
  }

  /** Subscribes (after construction: the first read may be handed over before subscribe returns). */
  ServiceWatch start(Watches engine) {
    subscription = engine.subscribeHealth(service, tag, new Watches.Listener<ServiceEntry>() {
      @Override
      public void read(List<ServiceEntry> entries, long index, boolean reset) {
        changed(instances(entries));
      }

      @Override
      public void failing(RuntimeException error, long failingNanos) {
        failure = error;
      }
    });
    return this;
  }

  /** Consul's instances as the application sees them: the node's address where the service has none. */
  static List<ServiceInstance> instances(List<ServiceEntry> entries) {
    List<ServiceInstance> out = new ArrayList<>(entries.size());
    for (ServiceEntry e : entries) {
      String address = e.address().isEmpty() ? e.nodeAddress() : e.address();
      out.add(new ServiceInstance(e.id(), e.name(), e.node(), address, e.port(), e.tags(), e.meta()));
    }
    out.sort(ORDER);
    return List.copyOf(out);
  }

  private synchronized void changed(List<ServiceInstance> instances) {
    failure = null;
    if (instances.equals(current)) return;
    current = instances;
    for (UserWatches.Mailbox<List<ServiceInstance>> m : mailboxes) m.offer(instances);
    firstRead.countDown();
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  @Override
  public List<ServiceInstance> healthy() {
    List<ServiceInstance> now = current;
    if (now != null) return now;
    try {
      if (!closed && firstRead.await(firstReadTimeout.toNanos(), TimeUnit.NANOSECONDS)) return current;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinationException("interrupted while waiting for the instances of service " + service, e);
    }
    now = current;
    if (now != null) return now;
    if (closed) throw new CoordinationException("the discovery of service " + service + " is closed");
    RuntimeException why = failure;
    throw new CoordinationException("no answer from Consul about service " + service + " within "
        + firstReadTimeout + (why == null ? "" : ": " + why.getMessage()), why);
  }

  @Override
  public void addListener(Consumer<List<ServiceInstance>> listener) {
    if (listener == null) throw new IllegalArgumentException("listener must not be null");
    UserWatches.Mailbox<List<ServiceInstance>> m = new UserWatches.Mailbox<>(listeners, "service " + service,
        listener);
    synchronized (this) {
      if (closed) return;
      mailboxes.add(m);
      if (current != null) m.offer(current);
    }
  }

  @Override
  public boolean awaitFirstRead(Duration timeout) throws InterruptedException {
    return firstRead.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    Watches.Subscription s = subscription;
    if (s != null) s.close();
    synchronized (this) {
      closed = true;
      mailboxes.forEach(UserWatches.Mailbox::close);
    }
  }

  @Override
  public String toString() {
    return "ServiceDiscovery{" + service + (tag == null ? "" : ", tag " + tag) + "}";
  }
}
