package dev.baton.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * A cluster of Consul servers in Docker containers (three by default), for tests that need real Raft:
 * leader elections, lost quorum, partitions, restarts.
 *
 * <p>Every node runs {@code consul agent -server -bootstrap-expect=N} on a private Testcontainers
 * {@link Network}, with the network alias {@code consul1..N} and a fixed address on that network (so that
 * a stopped node, or the whole cluster, comes back with the same Raft peers). Each node's HTTP port 8500 is
 * published on a fixed, free host port chosen at start, so that a client's address stays valid across
 * {@link Node#stop()}/{@link Node#start()}. Raft runs with {@code raft_multiplier = 1}: a new leader is
 * elected about 3 s after the old one is lost.
 *
 * <p>As a JUnit 5 extension, the cluster starts before the first test of the class and is removed after
 * the last one:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ConsulCluster CLUSTER = ConsulCluster.builder().build();
 *
 * @BeforeEach
 * void heal() {
 *   CLUSTER.heal();                                    // undo the faults of the previous test
 * }
 *
 * @Test
 * void survivesLeaderLoss() {
 *   ConsulCluster.Node leader = CLUSTER.awaitLeader(Duration.ofSeconds(30));
 *   URI address = CLUSTER.followers().get(0).httpAddress();   // give this to the client under test
 *   leader.stop();
 *   ...
 * }
 * }</pre>
 *
 * <p>Outside JUnit, call {@link #start()} and {@link #close()} (try-with-resources).
 *
 * <p><b>Image.</b> {@link Builder#image(String)}, else the system property {@value #IMAGE_PROPERTY}, else
 * {@value #DEFAULT_IMAGE} (the image Baton's {@code scripts/build-consul-image.sh} builds without a
 * registry). {@code hashicorp/consul:<version>} works as well. The image must have the Consul binary as its
 * entrypoint (or an entrypoint that passes {@code agent ...} on to it, as the official image does).
 *
 * <p><b>Requirements.</b> A Docker engine; {@link Node#isolate()} additionally needs a Linux Docker host on
 * this machine, root, and the {@code nsenter} and {@code iptables} commands (it drops the node's traffic to
 * its peers inside the container's network namespace). Docker being unavailable is an error, never a
 * reason to skip. With Ryuk disabled ({@code TESTCONTAINERS_RYUK_DISABLED=true}), containers of a killed
 * JVM stay behind; they carry the label {@value #LABEL}.
 *
 * <p>Fault methods are meant to be called from one test thread at a time.
 */
public final class ConsulCluster implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** System property naming the Consul image. */
  public static final String IMAGE_PROPERTY = "baton.consul.image";
  /** The image used when neither the builder nor {@value #IMAGE_PROPERTY} names one. */
  public static final String DEFAULT_IMAGE = "baton/consul:1.8.7";
  /** Label on every container of a cluster (value: the cluster's id), for cleaning up after killed JVMs. */
  public static final String LABEL = "dev.baton.consul-cluster";

  private static final int HTTP_PORT = 8500;
  private static final String CHAIN = "BATON-ISOLATE";
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(1500);

  /** What a node is doing, as far as the faults applied through this fixture go. */
  public enum State {
    /** Running and connected. */
    UP,
    /** Stopped or killed: no process, no HTTP. */
    STOPPED,
    /** Frozen with {@code docker pause}: connections hang. */
    PAUSED,
    /** Running, its HTTP port reachable from this machine, but cut off from every other node. */
    ISOLATED
  }

  private final String id = UUID.randomUUID().toString().substring(0, 8);
  private final String image;
  private final int size;
  private final int raftMultiplier;
  private final Duration startupTimeout;
  private final Duration stabilization;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
  private final List<Node> nodes = new ArrayList<>();
  private Network network;
  private String subnetPrefix;
  private boolean started;

  private ConsulCluster(Builder b) {
    this.image = b.image != null ? b.image : System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
    this.size = b.size;
    this.raftMultiplier = b.raftMultiplier;
    this.startupTimeout = b.startupTimeout;
    this.stabilization = b.stabilization;
  }

  /** A builder with the defaults: three servers, the image from {@value #IMAGE_PROPERTY}, Raft multiplier 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** The image the nodes run. */
  public String image() {
    return image;
  }

  /** The Docker network the nodes share (created by {@link #start()}). */
  public Network network() {
    requireStarted();
    return network;
  }

  /** The nodes, in order {@code consul1..N}. */
  public List<Node> nodes() {
    requireStarted();
    return List.copyOf(nodes);
  }

  /** Node number {@code i}, 1-based ({@code node(1)} is {@code consul1}). */
  public Node node(int i) {
    requireStarted();
    if (i < 1 || i > nodes.size()) throw new IllegalArgumentException("no node " + i + " of " + nodes.size());
    return nodes.get(i - 1);
  }

  // ------------------------------------------------------------------------------------------ lifecycle

  /**
   * Creates the network and the containers and waits until the servers elected a leader and every node is
   * a healthy member. Idempotent.
   *
   * @throws IllegalStateException when Docker is unavailable or the cluster does not form within the
   *     startup timeout
   */
  public synchronized void start() {
    if (started) return;
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException("Docker is not available: ConsulCluster needs a running Docker engine "
          + "(on Baton's CI: scripts/start-docker.sh)");
    }
    network = createNetwork();
    List<GenericContainer<?>> containers = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      Node node = new Node(i, subnetPrefix + (10 + i), freePort());
      nodes.add(node);
      containers.add(node.container);
    }
    started = true;
    try {
      Startables.deepStart(containers).get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      awaitHealthy(startupTimeout);
    } catch (Exception e) {
      StringBuilder logs = new StringBuilder();
      for (Node n : nodes) {
        try {
          String log = n.logs();
          logs.append("\n--- ").append(n.name()).append(" (last lines) ---\n")
              .append(log.substring(Math.max(0, log.length() - 2000)));
        } catch (RuntimeException ignored) {
          // no container, no log
        }
      }
      close();
      throw new IllegalStateException("the Consul cluster (image " + image + ") did not start: " + e + logs, e);
    }
  }

  /** Removes the containers and the network. Idempotent. */
  @Override
  public synchronized void close() {
    for (Node n : nodes) {
      try {
        n.container.stop();
      } catch (RuntimeException e) {
        // best effort: the container may be gone already
      }
    }
    nodes.clear();
    if (network != null) {
      try {
        network.close();
      } catch (RuntimeException e) {
        // best effort
      }
      network = null;
    }
    started = false;
  }

  /** JUnit: starts the cluster before the first test of the class. */
  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  /** JUnit: removes the cluster after the last test of the class. */
  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /**
   * Undoes every fault: starts stopped nodes, unpauses paused ones, reconnects isolated ones, then waits
   * until the cluster is healthy ({@link #awaitHealthy(Duration)}, up to 60 s). Cheap when nothing is
   * wrong; call it before each test.
   */
  public void heal() {
    requireStarted();
    for (Node n : nodes) {
      switch (n.state) {
        case STOPPED -> n.start();
        case PAUSED -> n.unpause();
        case ISOLATED -> n.reconnect();
        case UP -> { }
      }
    }
    awaitHealthy(Duration.ofSeconds(60));
  }

  /**
   * Stops every node ({@code docker stop}: Consul gets SIGTERM and, being a server, does not leave the
   * cluster), then starts them again and waits until the cluster is healthy. Data persists: the
   * containers keep {@code /consul/data}, so the Raft log, the KV store and the sessions survive (session
   * TTL timers restart when the new leader takes over), and Raft indexes keep growing.
   */
  public void restart() {
    stopAll();
    startAll();
  }

  /** Stops every node in parallel (see {@link #restart()}). */
  public void stopAll() {
    requireStarted();
    parallel(nodes, Node::stop);
  }

  /**
   * Starts every stopped node in parallel (paused and isolated ones are healed too) and waits until the
   * cluster is healthy (up to 60 s).
   */
  public void startAll() {
    requireStarted();
    parallel(nodes, n -> {
      if (n.state == State.STOPPED) n.start();
    });
    heal();
  }

  // -------------------------------------------------------------------------------------------- leader

  /**
   * The Raft leader as a majority of the nodes sees it now, or empty (no leader, or no majority answers).
   * Stopped and paused nodes are not asked; an isolated node is asked but cannot outvote the majority.
   */
  public Optional<Node> leader() {
    requireStarted();
    Map<Node, Integer> votes = new HashMap<>();
    for (Node n : nodes) {
      if (n.state == State.STOPPED || n.state == State.PAUSED) continue;
      n.leaderAddress().flatMap(this::byRaftAddress).ifPresent(l -> votes.merge(l, 1, Integer::sum));
    }
    int quorum = nodes.size() / 2 + 1;
    return votes.entrySet().stream().filter(e -> e.getValue() >= quorum).map(Map.Entry::getKey).findFirst();
  }

  /**
   * Waits until a majority agrees on a leader ({@link #leader()}) and answers it.
   *
   * @throws IllegalStateException when there is none within {@code timeout}
   */
  public Node awaitLeader(Duration timeout) {
    return awaitValue(timeout, this::leader, () -> "a Raft leader agreed by a majority; " + describe());
  }

  /**
   * Waits for a leader that is not {@code previous} (for measuring a failover).
   *
   * @throws IllegalStateException when there is none within {@code timeout}
   */
  public Node awaitNewLeader(Node previous, Duration timeout) {
    return awaitValue(timeout, () -> leader().filter(l -> l != previous),
        () -> "a Raft leader other than " + previous.name() + "; " + describe());
  }

  /** The nodes that are not the current leader (waits up to 30 s for a leader). */
  public List<Node> followers() {
    Node leader = awaitLeader(Duration.ofSeconds(30));
    return nodes.stream().filter(n -> n != leader).toList();
  }

  /**
   * Waits until every node is up, names the same leader, is a Raft voter in the leader's configuration, and
   * no node's {@code serfHealth} check is critical (so sessions can be created through any node; service checks
   * do not count: a killed client's session check stays critical until the agent reaps it). Answers the leader.
   *
   * @throws IllegalStateException when that does not happen within {@code timeout}
   */
  public Node awaitHealthy(Duration timeout) {
    requireStarted();
    return awaitValue(timeout, this::healthyLeader, () -> "a healthy cluster; " + describe());
  }

  private Optional<Node> healthyLeader() {
    Node leader = null;
    for (Node n : nodes) {
      if (n.state != State.UP) return Optional.empty();
      Optional<Node> l = n.leaderAddress().flatMap(this::byRaftAddress);
      if (l.isEmpty() || (leader != null && l.get() != leader)) return Optional.empty();
      leader = l.get();
    }
    // every node a Raft voter: autopilot removes a server that was down for ~10 s and re-adds it as a
    // non-voter, promoted only after the stabilization time; until then one more fault loses the quorum
    Optional<String> raft = leader.get("/v1/operator/raft/configuration");
    if (raft.isEmpty()) return Optional.empty();
    String[] servers = raft.get().replaceAll("\\s", "").split("}");
    for (Node n : nodes) {
      boolean voter = false;
      for (String server : servers) {
        if (server.contains("\"Address\":\"" + n.ipAddress + ":8300\"") && server.contains("\"Voter\":true")) {
          voter = true;
        }
      }
      if (!voter) return Optional.empty();
    }
    Optional<String> critical = leader.get("/v1/health/state/critical");
    if (critical.isEmpty() || critical.get().replaceAll("\\s", "").contains("\"CheckID\":\"serfHealth\"")) {
      return Optional.empty();
    }
    return Optional.of(leader);
  }

  /** One line per node: name, state, address, the leader it sees. For failure messages. */
  public String describe() {
    StringBuilder b = new StringBuilder("cluster " + id + ":");
    for (Node n : nodes) {
      b.append(' ').append(n.name()).append('[').append(n.state).append(' ').append(n.ipAddress);
      if (n.state == State.UP || n.state == State.ISOLATED) {
        b.append(" leader=").append(n.leaderAddress().orElse("?"));
      }
      b.append(']');
    }
    return b.toString();
  }

  private Optional<Node> byRaftAddress(String address) {
    int colon = address.lastIndexOf(':');
    String ip = colon < 0 ? address : address.substring(0, colon);
    return nodes.stream().filter(n -> n.ipAddress.equals(ip)).findFirst();
  }

  // --------------------------------------------------------------------------------------------- nodes

  /** One Consul server of the cluster. */
  public final class Node {
    private final int number;
    private final String name;
    private final String ipAddress;
    private final int hostPort;
    private final GenericContainer<?> container;
    private volatile State state = State.UP;

    private Node(int number, String ipAddress, int hostPort) {
      this.number = number;
      this.name = "consul" + number;
      this.ipAddress = ipAddress;
      this.hostPort = hostPort;
      this.container = new NodeContainer(DockerImageName.parse(image), hostPort)
          .withNetwork(network)
          .withNetworkAliases(name)
          .withLabel(LABEL, id)
          .withCreateContainerCmdModifier(cmd -> cmd.withIpv4Address(ipAddress).withHostName(name))
          .withCommand(command())
          .waitingFor(Wait.forLogMessage(".*Consul agent running!.*", 1))
          .withStartupTimeout(startupTimeout);
    }

    private String[] command() {
      List<String> c = new ArrayList<>(List.of("agent", "-server", "-bootstrap-expect=" + size,
          "-node=" + name, "-bind=" + ipAddress, "-client=0.0.0.0", "-data-dir=/consul/data",
          "-retry-interval=1s",
          "-hcl", "performance { raft_multiplier = " + raftMultiplier + " }",
          "-hcl", "disable_update_check = true",
          "-hcl", "autopilot { server_stabilization_time = \"" + stabilization.toMillis() + "ms\" }"));
      for (int i = 1; i <= size; i++) {
        if (i != number) c.add("-retry-join=consul" + i);
      }
      return c.toArray(String[]::new);
    }

    /** {@code consul1..N}: the node name, its network alias and hostname. */
    public String name() {
      return name;
    }

    /** The node's IP address on the cluster network (its Raft address is this plus {@code :8300}). */
    public String ipAddress() {
      return ipAddress;
    }

    /** The node's HTTP API as reachable from this machine; stays the same across stop/start. */
    public URI httpAddress() {
      return URI.create("http://" + container.getHost() + ":" + hostPort);
    }

    /** The Docker container id. */
    public String containerId() {
      return container.getContainerId();
    }

    /** The state this fixture left the node in. */
    public State state() {
      return state;
    }

    /** True when a majority currently sees this node as the Raft leader. */
    public boolean isLeader() {
      return leader().orElse(null) == this;
    }

    /** The container's log so far (Consul's output), for failure analysis. */
    public String logs() {
      return container.getLogs();
    }

    /**
     * {@code docker stop}: SIGTERM, the server shuts down without leaving the cluster (its peers see it
     * fail). Returns when the container has stopped.
     */
    public synchronized void stop() {
      if (state == State.STOPPED) return;
      if (state == State.PAUSED) unpause();
      docker().stopContainerCmd(containerId()).withTimeout(10).exec();
      state = State.STOPPED;
    }

    /** {@code docker kill}: SIGKILL, a crash. Returns when the container is gone. */
    public synchronized void kill() {
      if (state == State.STOPPED) return;
      if (state == State.PAUSED) unpause();
      docker().killContainerCmd(containerId()).exec();
      awaitValue(Duration.ofSeconds(30), () -> Optional.of(inspect()).filter(i -> !isTrue(i.getState()
          .getRunning())), () -> name + " to stop after SIGKILL");
      state = State.STOPPED;
    }

    /**
     * Starts a stopped node again (same address, same data) and waits until its HTTP API answers. It
     * rejoins the cluster by itself; {@link #awaitHealthy(Duration)} waits for that.
     */
    public synchronized void start() {
      if (state != State.STOPPED) return;
      docker().startContainerCmd(containerId()).exec();
      state = State.UP;
      awaitValue(startupTimeout, () -> get("/v1/status/leader"), () -> name + "'s HTTP API after start");
    }

    /** {@code docker pause}: every process of the node freezes (cgroup freezer); connections hang. */
    public synchronized void pause() {
      if (state == State.PAUSED) return;
      if (state != State.UP) throw new IllegalStateException(name + " is " + state + ", cannot pause it");
      docker().pauseContainerCmd(containerId()).exec();
      state = State.PAUSED;
    }

    /** {@code docker unpause}. */
    public synchronized void unpause() {
      if (state != State.PAUSED) return;
      docker().unpauseContainerCmd(containerId()).exec();
      state = State.UP;
    }

    /**
     * Cuts the node off from every other node: packets from and to their addresses are dropped
     * ({@code iptables -j DROP} in the container's network namespace), so established connections hang
     * as in a real partition. Its HTTP port stays reachable from this machine: clients talking to it
     * meet a node without a cluster (an isolated leader steps down; writes fail with
     * {@code No cluster leader} after Consul's RPC hold timeout, about 7 s).
     *
     * @throws UnsupportedOperationException when {@code nsenter} or {@code iptables} fail (not Linux, not
     *     root, commands missing)
     */
    public synchronized void isolate() {
      if (state == State.ISOLATED) return;
      if (state != State.UP) throw new IllegalStateException(name + " is " + state + ", cannot isolate it");
      List<List<String>> rules = new ArrayList<>();
      rules.add(List.of("-N", CHAIN));
      for (Node peer : nodes) {
        if (peer == this) continue;
        rules.add(List.of("-A", CHAIN, "-s", peer.ipAddress, "-j", "DROP"));
        rules.add(List.of("-A", CHAIN, "-d", peer.ipAddress, "-j", "DROP"));
      }
      rules.add(List.of("-I", "INPUT", "-j", CHAIN));
      rules.add(List.of("-I", "OUTPUT", "-j", CHAIN));
      for (List<String> rule : rules) iptables(rule, true);
      state = State.ISOLATED;
    }

    /**
     * Undoes {@link #isolate()} and asks the node to re-join its peers at once ({@code PUT
     * /v1/agent/join}) instead of waiting for Serf's reconnect interval (30 s). Does not wait for the
     * cluster to be healthy: use {@link #awaitHealthy(Duration)}.
     */
    public synchronized void reconnect() {
      if (state != State.ISOLATED) return;
      iptables(List.of("-D", "INPUT", "-j", CHAIN), false);
      iptables(List.of("-D", "OUTPUT", "-j", CHAIN), false);
      iptables(List.of("-F", CHAIN), false);
      iptables(List.of("-X", CHAIN), false);
      state = State.UP;
      for (Node peer : nodes) {
        if (peer != this && peer.state == State.UP) put("/v1/agent/join/" + peer.ipAddress);
      }
    }

    private void iptables(List<String> args, boolean mustSucceed) {
      Long pid = inspect().getState().getPidLong();
      if (pid == null || pid <= 0) throw new IllegalStateException(name + " has no process");
      List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", pid.toString(), "-n", "iptables", "-w"));
      cmd.addAll(args);
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        if (p.exitValue() != 0 && mustSucceed) {
          throw new UnsupportedOperationException(String.join(" ", cmd) + " exited " + p.exitValue() + ": "
              + out.trim() + " (isolate() needs a local Linux Docker host, root, nsenter and iptables)");
        }
      } catch (IOException e) {
        throw new UnsupportedOperationException("cannot run " + String.join(" ", cmd)
            + " (isolate() needs nsenter and iptables on this machine)", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while running iptables", e);
      }
    }

    private InspectContainerResponse inspect() {
      return docker().inspectContainerCmd(containerId()).exec();
    }

    /** The leader's Raft address as this node sees it; empty when none or no answer. */
    Optional<String> leaderAddress() {
      return get("/v1/status/leader").map(s -> s.trim().replace("\"", "")).filter(s -> !s.isEmpty());
    }

    /**
     * A GET on this node's HTTP API ({@code path} like {@code /v1/status/peers}) with a 1.5 s timeout: the
     * body when Consul answered 200, empty on any other answer or failure. For probes and diagnostics.
     */
    public Optional<String> get(String path) {
      return send(HttpRequest.newBuilder(httpAddress().resolve(path)).GET());
    }

    private Optional<String> put(String path) {
      return send(HttpRequest.newBuilder(httpAddress().resolve(path)).PUT(HttpRequest.BodyPublishers.noBody()));
    }

    private Optional<String> send(HttpRequest.Builder request) {
      try {
        HttpResponse<String> r = http.send(request.timeout(PROBE_TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    @Override
    public String toString() {
      return name + "(" + ipAddress + ", " + httpAddress() + ", " + state + ")";
    }
  }

  /** A container whose HTTP port is published on a fixed host port (stable across stop/start). */
  private static final class NodeContainer extends GenericContainer<NodeContainer> {
    NodeContainer(DockerImageName image, int hostPort) {
      super(image);
      addFixedExposedPort(hostPort, HTTP_PORT);
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  /** A network with an explicit subnet (needed for fixed addresses); retries when a subnet is taken. */
  private Network createNetwork() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      String prefix = "10." + r.nextInt(200, 255) + "." + r.nextInt(0, 256) + ".";
      String name = "baton-consul-" + id + "-" + attempt;
      Network n = Network.builder().createNetworkCmdModifier(cmd -> cmd
          .withName(name)
          .withLabels(Map.of(LABEL, id))
          .withIpam(new com.github.dockerjava.api.model.Network.Ipam().withConfig(
              new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(prefix + "0/24"))))
          .build();
      try {
        n.getId();                                     // creates it
        subnetPrefix = prefix;
        return n;
      } catch (RuntimeException e) {
        last = e;
        try {
          n.close();
        } catch (RuntimeException ignored) {
          // it was never created
        }
      }
    }
    throw new IllegalStateException("could not create a Docker network with a free subnet", last);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  private static boolean isTrue(Boolean b) {
    return b != null && b;
  }

  /** Runs {@code action} on every node at once, one thread each; rethrows the first failure. */
  private static void parallel(List<Node> nodes, java.util.function.Consumer<Node> action) {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (Node n : nodes) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          action.accept(n);
          f.complete(null);
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      }, "consul-cluster-" + n.name());
      t.setDaemon(true);
      t.start();
      done.add(f);
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
  }

  private static <T> T awaitValue(Duration timeout, Supplier<Optional<T>> probe, Supplier<String> what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> v = probe.get();
      if (v.isPresent()) return v.get();
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what.get());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what.get(), e);
      }
    }
  }

  private void requireStarted() {
    if (!started) throw new IllegalStateException("the cluster is not started: call start()");
  }

  @Override
  public String toString() {
    return "ConsulCluster{" + id + ", image=" + image + ", " + size + " servers}";
  }

  /** Configures a {@link ConsulCluster}. Not thread-safe. */
  public static final class Builder {
    private String image;
    private int size = 3;
    private int raftMultiplier = 1;
    private Duration startupTimeout = Duration.ofSeconds(90);
    private Duration stabilization = Duration.ofSeconds(2);

    private Builder() {}

    /** The Consul image (default: system property {@value #IMAGE_PROPERTY}, else {@value #DEFAULT_IMAGE}). */
    public Builder image(String image) {
      this.image = Objects.requireNonNull(image, "image");
      return this;
    }

    /** Number of servers, odd, 1 to 7 (default 3). */
    public Builder servers(int size) {
      if (size < 1 || size > 7 || size % 2 == 0) {
        throw new IllegalArgumentException("servers must be odd, 1 to 7: " + size);
      }
      this.size = size;
      return this;
    }

    /**
     * Consul's {@code performance.raft_multiplier}, 1 to 10 (default 1, the fastest failover: about 3 s;
     * Consul's own default 5 gives 13–16 s).
     */
    public Builder raftMultiplier(int multiplier) {
      if (multiplier < 1 || multiplier > 10) {
        throw new IllegalArgumentException("raftMultiplier must be 1 to 10: " + multiplier);
      }
      this.raftMultiplier = multiplier;
      return this;
    }

    /** How long {@link ConsulCluster#start()} and a node's start may take (default 90 s). */
    public Builder startupTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
      this.startupTimeout = timeout;
      return this;
    }

    /**
     * Consul's {@code autopilot.server_stabilization_time} (default here 2 s; Consul's own default is 10 s).
     * Autopilot removes a server that has been unreachable for about 10 s from the Raft configuration; when
     * it returns it is a non-voter until it has been healthy this long. A short time lets
     * {@link ConsulCluster#heal()} restore three voters quickly.
     */
    public Builder serverStabilizationTime(Duration time) {
      Objects.requireNonNull(time, "time");
      if (time.isNegative()) throw new IllegalArgumentException("time must not be negative");
      this.stabilization = time;
      return this;
    }

    /** The cluster, not started yet. */
    public ConsulCluster build() {
      return new ConsulCluster(this);
    }
  }
}
