package dev.baton.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@code consul agent -dev} process on free loopback ports, for tests. Every port is given explicitly
 * (DNS and gRPC off) so that agents of parallel test JVMs never collide.
 *
 * <p>The binary is {@code $CONSUL_BINARY}, the system property {@code baton.consul.binary}, {@code consul} on
 * the PATH, or {@code /opt/baton/consul/usr/bin/consul} (where {@code scripts/install-consul.sh} puts it).
 * When none exists, {@link #start} fails loudly: a test that needs Consul must never pass without one.
 */
public final class ConsulProcess implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  /** Master token of agents started with {@link #startWithAcls()}. */
  public static final String ACL_MASTER_TOKEN = "baton-test-master-token";

  private final List<String> command;
  private final String name;
  private final int httpPort;
  private final int httpsPort;
  private volatile Process process;
  private volatile Path logFile;
  private int restarts;

  private ConsulProcess(List<String> command, String name, int httpPort, int httpsPort) {
    this.command = List.copyOf(command);
    this.name = name;
    this.httpPort = httpPort;
    this.httpsPort = httpsPort;
  }

  /**
   * A dev agent that also serves https on {@link #httpsAddress()} with this server certificate, and requires
   * client certificates signed by {@code caPem} there.
   */
  public static ConsulProcess startWithTls(Path caPem, Path serverCertPem, Path serverKeyPem) {
    return start("tls", "ca_file = \"" + caPem + "\"", "cert_file = \"" + serverCertPem + "\"",
        "key_file = \"" + serverKeyPem + "\"", "verify_incoming_https = true");
  }

  public URI httpsAddress() {
    return URI.create("https://127.0.0.1:" + httpsPort);
  }

  /** A plain dev agent. */
  public static ConsulProcess start() {
    return start("dev");
  }

  /**
   * A plain dev agent that refuses more than {@code perClient} concurrent HTTP connections from one client
   * address ({@code limits.http_max_conns_per_client}; Consul's default is 200).
   */
  public static ConsulProcess startWithConnectionLimit(int perClient) {
    return start("limited", "limits { http_max_conns_per_client = " + perClient + " }");
  }

  /** A dev agent with ACLs enabled, default policy deny, master token {@link #ACL_MASTER_TOKEN}. */
  public static ConsulProcess startWithAcls() {
    return start("acl", "acl { enabled = true, default_policy = \"deny\", tokens { master = \""
        + ACL_MASTER_TOKEN + "\" } }");
  }

  private static ConsulProcess start(String kind, String... extraHcl) {
    Path binary = findBinary();
    int[] ports = freePorts(5);
    String name = "baton-test-" + kind + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "agent", "-dev", "-node", name,
        "-bind", "127.0.0.1", "-client", "127.0.0.1",
        "-hcl", "ports { http = " + ports[0] + ", serf_lan = " + ports[1] + ", serf_wan = " + ports[2]
            + ", server = " + ports[3] + ", https = " + (kind.equals("tls") ? ports[4] : -1)
            + ", dns = -1, grpc = -1 }",
        "-hcl", "log_level = \"warn\""));
    for (String hcl : extraHcl) {
      cmd.add("-hcl");
      cmd.add(hcl);
    }
    ConsulProcess consul = new ConsulProcess(cmd, name, ports[0], ports[4]);
    consul.launch(name + ".log");
    return consul;
  }

  /** Starts the agent's process and waits until it has elected itself. */
  private void launch(String logName) {
    try {
      Path logDir = Paths.get("target", "consul-logs");
      Files.createDirectories(logDir);
      logFile = logDir.resolve(logName);
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "stop-" + name));
      process = p;
      awaitLeader(Duration.ofSeconds(30));
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + command.get(0) + ": " + e, e);
    }
  }

  /**
   * Kills the agent (SIGKILL) and starts a new one on the same ports with the same node name, and waits until
   * it has elected itself: an agent restart as clients see it. A dev agent keeps no state, so the new one
   * knows no key, session or service of the old one (and its Raft index starts again, lower).
   */
  public synchronized void restart() {
    kill();
    launch(name + "-restart-" + (++restarts) + ".log");
  }

  /** Finds the Consul binary or fails with a message that says how to get one. */
  public static Path findBinary() {
    List<String> tried = new ArrayList<>();
    for (String candidate : new String[] {System.getenv("CONSUL_BINARY"), System.getProperty("baton.consul.binary")}) {
      if (candidate != null && !candidate.isBlank()) {
        if (Files.isExecutable(Paths.get(candidate))) return Paths.get(candidate);
        tried.add(candidate + " (not executable)");
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Paths.get(dir, "consul");
        if (Files.isExecutable(p)) return p;
      }
    }
    Path installed = Paths.get("/opt/baton/consul/usr/bin/consul");
    if (Files.isExecutable(installed)) return installed;
    tried.add("consul on PATH");
    tried.add(installed.toString());
    throw new IllegalStateException("No Consul binary found (tried " + tried + "). These tests need a real "
        + "Consul: run scripts/install-consul.sh (or the README's test command), or set CONSUL_BINARY.");
  }

  public URI address() {
    return URI.create("http://127.0.0.1:" + httpPort);
  }

  public int httpPort() {
    return httpPort;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Kills the agent (SIGKILL) and waits until it is gone: Consul becomes unreachable at once. */
  public void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("consul did not exit");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
      }
    }
  }

  /**
   * One start-up probe: does the agent answer with a leader, and has the leader registered the node's
   * {@code serfHealth} check (sessions are bound to it: creating one before it exists fails with "Missing
   * check 'serfHealth' registration")? {@code last[0]} keeps why not.
   */
  private boolean hasLeader(String[] last) {
    String leader = get("/v1/status/leader", last);
    if (leader == null) return false;
    if (leader.trim().length() <= 2) {              // "" (two quote characters) while there is no leader
      last[0] = "no leader yet";
      return false;
    }
    String checks = get("/v1/health/state/any", last);
    if (checks == null) return false;
    if (!checks.contains("\"serfHealth\"")) {
      last[0] = "a leader, but no serfHealth check yet";
      return false;
    }
    return true;
  }

  /** The body of a 200 answer to {@code path}, or null ({@code last[0]} says why). */
  private String get(String path, String[] last) {
    try {
      HttpURLConnection c = (HttpURLConnection) address().resolve(path).toURL().openConnection();
      c.setRequestProperty("X-Consul-Token", ACL_MASTER_TOKEN);   // ignored by agents without ACLs
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      if (c.getResponseCode() == 200) return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      last[0] = path + " answered " + c.getResponseCode();
    } catch (IOException e) {
      last[0] = e.toString();
    }
    return null;
  }

  private void awaitLeader(Duration timeout) {
    String[] last = {"no answer"};
    try {
      Await.until(timeout, () -> !process.isAlive() || hasLeader(last), () -> last[0]);
      if (process.isAlive()) return;
    } catch (AssertionError e) {
      // the agent did not get there in time: report it below with its log
    }
    String tail = "";
    try {
      List<String> lines = Files.readAllLines(logFile);
      tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException ignored) {
      // best effort
    }
    kill();
    throw new IllegalStateException("consul agent did not elect itself within " + timeout + " (" + last[0]
        + "); log " + logFile + ":\n" + tail);
  }

  private static int[] freePorts(int n) {
    int[] ports = new int[n];
    List<ServerSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        open.add(s);
        ports[i] = s.getLocalPort();
      }
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    } finally {
      for (ServerSocket s : open) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a probe socket
        }
      }
    }
    return ports;
  }

  @Override
  public String toString() {
    return "ConsulProcess{" + address() + ", pid " + process.pid() + "}";
  }
}
