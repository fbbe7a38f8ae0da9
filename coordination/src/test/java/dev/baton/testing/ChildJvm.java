package dev.baton.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real child JVM running a main class of the test classpath, driven by command lines on its stdin and
 * observed through its stdout lines (all kept, so an awaited line is never missed). Killed with SIGKILL
 * ({@link #kill()}) or frozen with SIGSTOP ({@link #freeze()}) to play a crashed or stalled client.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Writer stdin;
  private final List<String> lines = new ArrayList<>();
  private int consumed;

  private ChildJvm(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException ignored) {
        // the child is gone
      }
    }, "child-jvm-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args} in a new JVM with this JVM's classpath. */
  public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    return start(List.of(), mainClass, args);
  }

  /** As {@link #start(Class, String...)}, with extra JVM options (heap size, system properties). */
  public static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmOptions);
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    return new ChildJvm(p);
  }

  /**
   * This JVM's class path, plus its module path when there is one: the library's own tests run it as a named
   * module (with the test classes patched in), the child runs everything on the class path.
   */
  private static String classPath() {
    String modulePath = System.getProperty("jdk.module.path", "");
    String classPath = System.getProperty("java.class.path", "");
    return modulePath.isEmpty() ? classPath : modulePath + File.pathSeparator + classPath;
  }

  /** Sends one command line to the child's stdin. */
  public void send(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
  }

  /**
   * Waits for the next output line (after the last one this method returned) that starts with
   * {@code prefix}; fails with the whole output when none comes within {@code timeout}.
   */
  public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (true) {
        for (int i = consumed; i < lines.size(); i++) {
          if (lines.get(i).startsWith(prefix)) {
            consumed = i + 1;
            return lines.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("child " + process.pid() + " printed no line starting with '" + prefix
              + "' within " + timeout + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
              + "; output: " + lines);
        }
        TimeUnit.NANOSECONDS.timedWait(lines, left);
      }
    }
  }

  /** Any line printed so far that starts with {@code prefix}, consumed or not. */
  public Optional<String> anyLine(String prefix) {
    synchronized (lines) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
    }
  }

  /** Every line printed so far (consumed or not), in order. */
  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** True while the process runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Waits for the process to exit; true when it did within {@code timeout}. */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGKILL, and wait until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGSTOP: every thread stops dead, sockets stay open. */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (rc != 0) throw new IOException("kill -" + name + " " + process.pid() + " exited " + rc);
  }

  /** SIGCONT (in case it is frozen), then SIGKILL, and waits until it is gone (keeps an interrupt). */
  @Override
  public void close() {
    if (!process.isAlive()) return;
    try {
      thaw();
    } catch (IOException | InterruptedException ignored) {
      // it is being killed anyway
    }
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
