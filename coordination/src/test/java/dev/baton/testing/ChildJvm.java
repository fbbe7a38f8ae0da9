package dev.baton.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real child JVM running a main class of this JVM's classpath, driven by command lines on its stdin and
 * observed through its stdout lines (all kept, so an awaited line is never missed). Killed with SIGKILL
 * ({@link #kill()}) or frozen with SIGSTOP ({@link #freeze()}) to play a crashed or stalled client. Used by the
 * tests (a client in another process) and by the stress harness (its contender processes).
 */
public final class ChildJvm implements AutoCloseable {
  /** What {@link #start(List, Class, String...)} adds: a test's child starts fast, peak speed does not matter. */
  private static final List<String> QUICK_START = List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1");

  private final Process process;
  private final Writer stdin;
  private final Thread killOnExit;
  private final List<String> lines = new ArrayList<>();
  private boolean ended;
  private int consumed;

  private ChildJvm(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.killOnExit = new Thread(process::destroyForcibly);
    Runtime.getRuntime().addShutdownHook(killOnExit);
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
      } finally {
        synchronized (lines) {
          ended = true;
          lines.notifyAll();
        }
      }
    }, "child-jvm-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args} in a new JVM with this JVM's classpath. */
  public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    return start(List.of(), mainClass, args);
  }

  /**
   * As {@link #start(Class, String...)}, with extra JVM options (heap size, system properties) after options
   * that make it start fast (class-data sharing, C1 only). Its stderr is part of its output lines.
   */
  public static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
    List<String> options = new ArrayList<>(QUICK_START);
    options.addAll(jvmOptions);
    return start(options, null, mainClass, List.of(args));
  }

  /**
   * Starts {@code mainClass} with exactly {@code jvmOptions} (nothing added: for children whose speed is
   * measured) and this JVM's classpath; its stderr goes to the file {@code stderr} (replaced), or into its output
   * lines when null.
   */
  public static ChildJvm start(List<String> jvmOptions, Path stderr, Class<?> mainClass, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(mainClass.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (stderr == null) {
      pb.redirectErrorStream(true);
    } else {
      pb.redirectError(stderr.toFile());
    }
    return new ChildJvm(pb.start());
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
   * Waits for the next output line (after the last one this method or {@link #nextLine} returned) that starts
   * with {@code prefix}; fails with the whole output when none comes within {@code timeout} (at once when the
   * output ends without one).
   */
  public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    Optional<String> line = nextLine(timeout, prefix);
    if (line.isPresent()) return line.get();
    if (outputEnded()) process.waitFor(1, TimeUnit.SECONDS);      // for the exit code in the message
    throw new AssertionError("child " + process.pid() + " printed no line starting with '" + prefix
        + "' within " + timeout + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
        + "; output: " + lines());
  }

  /**
   * The next output line (after the last one consumed) that starts with any of {@code prefixes}; it and every
   * line before it count as consumed. Empty when none came within {@code timeout} or the output ended without
   * one ({@link #outputEnded()} tells which).
   */
  public Optional<String> nextLine(Duration timeout, String... prefixes) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int from = consumed;
      while (true) {
        for (int i = from; i < lines.size(); i++) {
          for (String prefix : prefixes) {
            if (lines.get(i).startsWith(prefix)) {
              consumed = i + 1;
              return Optional.of(lines.get(i));
            }
          }
        }
        from = lines.size();
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) return Optional.empty();
        TimeUnit.NANOSECONDS.timedWait(lines, left);
      }
    }
  }

  /** True once the child's output has ended (it exited or closed its stdout): no line will follow. */
  public boolean outputEnded() {
    synchronized (lines) {
      return ended;
    }
  }

  /** Any line printed so far that starts with {@code prefix}, consumed or not. */
  public Optional<String> anyLine(String prefix) {
    synchronized (lines) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
    }
  }

  /** The latest line printed so far that starts with {@code prefix}, consumed or not (e.g. a progress count). */
  public Optional<String> lastLine(String prefix) {
    synchronized (lines) {
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith(prefix)) return Optional.of(lines.get(i));
      }
      return Optional.empty();
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
    forgetWhenGone();
  }

  /** Drops the shutdown hook of a child that is gone (a long-running parent starts many). */
  private void forgetWhenGone() {
    if (process.isAlive()) return;
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway and finds the process gone
    }
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
    if (!process.isAlive()) {
      forgetWhenGone();
      return;
    }
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
