package dev.baton.stress.harness;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Consul the harness runs against: an agent given by address (started by someone else), or local agents
 * it starts itself, all on 127.0.0.1 with every port given explicitly (DNS and gRPC off,
 * update check off: no traffic leaves loopback): one {@code -dev} agent, or a 3-server cluster of separate
 * {@code agent -server -bootstrap-expect=3} processes with {@code raft_multiplier = 1}, data under
 * {@code <workDir>/}. Clients are pointed at a follower of the cluster.
 */
final class ConsulAgents implements AutoCloseable {
  /** One agent process and its ports. */
  record Node(String name, Process process, URI address, int http, int serfLan, int serfWan, int server, Path log) {
    Node(String name, Process process, int http, int serfLan, int serfWan, int server, Path log) {
      this(name, process, URI.create("http://127.0.0.1:" + http), http, serfLan, serfWan, server, log);
    }
  }

  private final String kind;
  private final List<Node> nodes;
  private final Node clientNode;

  private ConsulAgents(String kind, List<Node> nodes, Node clientNode) {
    this.kind = kind;
    this.nodes = nodes;
    this.clientNode = clientNode;
  }

  /** An agent somebody else runs (nothing is started or stopped); {@code address} is its HTTP address. */
  static ConsulAgents external(URI address) throws InterruptedException {
    int port = address.getPort() > 0 ? address.getPort() : 8500;
    Node node = new Node("external agent " + address, null, address, port, 0, 0, 0, null);
    ConsulAgents agents = new ConsulAgents("external", List.of(), node);
    agents.awaitLeader(node, 10);
    return agents;
  }

  /** The address clients use: the dev agent, or a follower of the cluster. */
  URI clientAddress() {
    return clientNode.address();
  }

  String describe() {
    if (nodes.isEmpty()) return "the Consul agent at " + clientNode.address + " (not started by the harness)";
    if (nodes.size() == 1) return "1 dev agent (Raft in memory), http " + clientNode.http;
    return nodes.size() + "-server cluster, raft_multiplier 1; clients -> follower " + clientNode.name + " (http "
        + clientNode.http + ")";
  }

  String kind() {
    return kind;
  }

  static String version(Path binary) {
    try {
      Process p = new ProcessBuilder(binary.toString(), "version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse("?").trim();
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** One {@code consul agent -dev}. */
  static ConsulAgents startDev(Path binary, Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    int[] p = freePorts(4);
    String name = "baton-stress-dev-" + ProcessHandle.current().pid();
    Path log = workDir.resolve("dev.log");
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "agent", "-dev", "-node", name,
        "-bind", "127.0.0.1", "-client", "127.0.0.1"));
    cmd.addAll(commonHcl(p));
    Node node = new Node(name, launch(cmd, log), p[0], p[1], p[2], p[3], log);
    ConsulAgents agents = new ConsulAgents("dev", List.of(node), node);
    try {
      agents.awaitLeader(node, 30);
      agents.awaitWritable(node, 30);
    } catch (RuntimeException | InterruptedException e) {
      agents.close();
      throw e;
    }
    return agents;
  }

  /** Three local server agents forming one cluster; clients use a follower. */
  static ConsulAgents startCluster(Path binary, Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    int[] p = freePorts(12);
    List<Node> nodes = new ArrayList<>();
    long pid = ProcessHandle.current().pid();
    try {
      for (int i = 0; i < 3; i++) {
        int[] mine = {p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]};
        String name = "baton-stress-s" + (i + 1) + "-" + pid;
        Path data = workDir.resolve("data-s" + (i + 1));
        deleteTree(data);
        Files.createDirectories(data);
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "agent", "-server", "-bootstrap-expect=3",
            "-node", name, "-bind", "127.0.0.1", "-client", "127.0.0.1", "-data-dir", data.toString(),
            "-hcl", "performance { raft_multiplier = 1 }"));
        for (int j = 0; j < 3; j++) {
          if (j != i) cmd.addAll(List.of("-retry-join", "127.0.0.1:" + p[4 * j + 1]));
        }
        cmd.addAll(commonHcl(mine));
        Path log = workDir.resolve("s" + (i + 1) + ".log");
        nodes.add(new Node(name, launch(cmd, log), mine[0], mine[1], mine[2], mine[3], log));
      }
      ConsulAgents probe = new ConsulAgents("cluster", nodes, nodes.get(0));
      String leader = probe.awaitLeader(nodes.get(0), 60);
      for (Node n : nodes) probe.awaitLeader(n, 60);
      Node follower = nodes.stream().filter(n -> !leader.endsWith(":" + n.server)).findFirst()
          .orElseThrow(() -> new IllegalStateException("no follower; leader " + leader));
      ConsulAgents agents = new ConsulAgents("cluster", nodes, follower);
      agents.awaitWritable(follower, 60);
      return agents;
    } catch (RuntimeException | IOException | InterruptedException e) {
      new ConsulAgents("cluster", nodes, null).close();
      throw e;
    }
  }

  /** The current leader's server address (e.g. {@code 127.0.0.1:8300}) as the client node sees it. */
  String leader() {
    try {
      return get(clientNode, "/v1/status/leader").replace("\"", "").trim();
    } catch (IOException e) {
      return "?";
    }
  }

  /** True when the client node is still a follower (the leader did not move to it). */
  boolean clientIsFollower() {
    return nodes.size() > 1 && !leader().endsWith(":" + clientNode.server);
  }

  private static List<String> commonHcl(int[] p) {
    return List.of(
        "-hcl", "ports { http = " + p[0] + ", serf_lan = " + p[1] + ", serf_wan = " + p[2] + ", server = " + p[3]
            + ", dns = -1, grpc = -1 }",
        "-hcl", "disable_update_check = true",
        "-hcl", "log_level = \"warn\"");
  }

  private static Process launch(List<String> cmd, Path log) throws IOException {
    Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-consul-" + process.pid()));
    return process;
  }

  private String awaitLeader(Node node, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String last = "no answer";
    while (System.nanoTime() - deadline < 0) {
      if (node.process != null && !node.process.isAlive()) {
        throw new IllegalStateException("consul " + node.name + " exited; see " + node.log);
      }
      try {
        String leader = get(node, "/v1/status/leader").replace("\"", "").trim();
        if (!leader.isEmpty()) return leader;
        last = "no leader yet";
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("consul " + node.name + " has no leader after " + seconds + " s (" + last
        + ")" + (node.log == null ? "" : "; see " + node.log));
  }

  /** A KV write through {@code node} succeeds (the cluster can commit). */
  private void awaitWritable(Node node, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String last = "";
    while (System.nanoTime() - deadline < 0) {
      try {
        HttpURLConnection c = (HttpURLConnection) node.address().resolve("/v1/kv/baton-stress/ready").toURL()
            .openConnection();
        c.setRequestMethod("PUT");
        c.setDoOutput(true);
        c.setConnectTimeout(1000);
        c.setReadTimeout(5000);
        c.getOutputStream().write("1".getBytes(StandardCharsets.UTF_8));
        if (c.getResponseCode() == 200) {
          c.getInputStream().readAllBytes();
          return;
        }
        last = "HTTP " + c.getResponseCode();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("consul " + node.name + " does not accept writes: " + last);
  }

  private static String get(Node node, String path) throws IOException {
    HttpURLConnection c = (HttpURLConnection) node.address().resolve(path).toURL().openConnection();
    c.setConnectTimeout(500);
    c.setReadTimeout(2000);
    try {
      return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  /** Distinct free TCP ports on loopback (serf uses the same number for UDP; collisions are unlikely). */
  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) s.close();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  /** Stops every agent (SIGTERM, then SIGKILL after 5 s). */
  @Override
  public void close() {
    for (Node n : nodes) n.process.destroy();
    for (Node n : nodes) {
      try {
        if (!n.process.waitFor(5, TimeUnit.SECONDS)) {
          n.process.destroyForcibly();
          n.process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        n.process.destroyForcibly();
      }
    }
  }
}
