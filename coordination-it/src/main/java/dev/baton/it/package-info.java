/**
 * Test support for Baton's users and Baton's own integration tests: {@link dev.baton.it.ConsulCluster}, a
 * cluster of Consul servers in Docker containers with the faults that matter for coordination (leader loss,
 * stopped, paused and cut-off nodes, a restart of the whole cluster).
 */
package dev.baton.it;
