/**
 * Baton's API: locks, semaphores, leader election, leader-elected jobs, watches and service registration and
 * discovery on HashiCorp Consul.
 *
 * <h2>Entry point</h2>
 * {@link dev.baton.Coordinator}, built with {@link dev.baton.Coordinator.Builder}: one client of one Consul
 * agent with one Consul session, shared by everything it holds. Create one per process, share it between
 * threads, close it on shutdown. {@link dev.baton.SessionListener} hears when the session is created,
 * renewed and lost.
 *
 * <h2>Primitives</h2>
 * <ul>
 *   <li>{@link dev.baton.DistributedLock} ({@code coordinator.lock(name)}): mutual exclusion, reentrant per
 *       thread; {@link dev.baton.LockOptions} chooses the fast default or FIFO across clients;
 *       {@link dev.baton.LockHolder} says who holds it.</li>
 *   <li>{@link dev.baton.DistributedSemaphore} ({@code coordinator.semaphore(name, permits)}): at most
 *       {@code permits} holders across all clients.</li>
 *   <li>{@link dev.baton.LeaderElection} ({@code coordinator.election(name, candidateId)}): one leader at a
 *       time; {@link dev.baton.LeadershipListener} hears the terms, {@link dev.baton.LeaderInfo} says who
 *       leads.</li>
 *   <li>{@link dev.baton.LeaderJob} ({@code coordinator.scheduleOnLeader(name, period, task)}): a
 *       {@link dev.baton.LeaderTask} that runs only on the leader, with a {@link dev.baton.LeaderContext}.</li>
 * </ul>
 * Locks and semaphores hand out a {@link dev.baton.Lease}: close it to release, pass its
 * {@link dev.baton.Lease#fencingToken() fencing token} to the resource it protects, and watch for its loss.
 *
 * <h2>Services</h2>
 * {@code coordinator.register(}{@link dev.baton.Service}{@code )} registers a service with the agent, with a TTL
 * check the Coordinator heartbeats: a {@link dev.baton.ServiceRegistration}. {@code coordinator.discovery(name)}
 * keeps the healthy instances of a service ({@link dev.baton.ServiceInstance}) up to date: a
 * {@link dev.baton.ServiceDiscovery}.
 *
 * <h2>Errors</h2>
 * Every exception is an unchecked {@link dev.baton.CoordinationException}: {@link dev.baton.ConsulException}
 * and its subclasses when Consul refused a call or could not be reached ({@link
 * dev.baton.ConsulUnavailableException}), {@link dev.baton.LeaseLostException} when a lease is gone. Waiting
 * methods also throw {@link java.lang.InterruptedException} and {@link java.util.concurrent.TimeoutException};
 * invalid arguments are {@link java.lang.IllegalArgumentException}s naming the parameter.
 *
 * <h2>Other</h2>
 * {@link dev.baton.BatonMetrics} receives measurements for a metrics library; {@link dev.baton.Consistency}
 * is the read mode of plain reads.
 *
 * <p>Everything in this package is thread-safe except {@link dev.baton.Coordinator.Builder}. Other packages
 * of the module are internal: the module exports only this one.
 */
package dev.baton;
