/**
 * Baton: distributed locks, semaphores, leader election and leader-elected jobs on HashiCorp Consul.
 * The API is the package {@link dev.baton}; everything else is internal and may change in any release.
 */
module dev.baton {
  requires com.google.gson;
  requires dev.failsafe.core;
  requires okhttp3;
  requires okhttp3.tls;
  requires org.slf4j;
  requires jdk.jfr;

  exports dev.baton;

  // Gson reads and writes the private JSON types and records of the internals reflectively
  opens dev.baton.internal to com.google.gson;
  opens dev.baton.internal.consul to com.google.gson;
}
