package dev.baton.stress.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One contender process ({@link Contender}) seen from the harness: its stdin, the lines it prints, its log
 * (stderr), its latest progress count. Also SIGKILL, SIGSTOP and SIGCONT for the fault schedule.
 */
final class ChildJvm {
  final int jvm;
  final int incarnation;
  final Process process;
  final Path log;
  final Path records;
  volatile long progress;
  volatile boolean paused;
  volatile boolean killed;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final PrintWriter stdin;

  private ChildJvm(int jvm, int incarnation, Process process, Path log, Path records) {
    this.jvm = jvm;
    this.incarnation = incarnation;
    this.process = process;
    this.log = log;
    this.records = records;
    this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("PROGRESS ")) {
            progress = Long.parseLong(line.substring(9).trim());
          } else {
            lines.add(line);
          }
        }
      } catch (IOException | RuntimeException e) {
        // the child is gone
      }
      lines.add("EOF");
    }, "child-reader-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code Contender <args>} in a new JVM with this JVM's classpath; stderr goes to {@code log}. */
  static ChildJvm start(int jvm, int incarnation, List<String> contenderArgs, Path log, Path records)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-cp", System.getProperty("java.class.path"),
        Contender.class.getName()));
    cmd.addAll(contenderArgs);
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    return new ChildJvm(jvm, incarnation, p, log, records);
  }

  void send(String command) {
    stdin.println(command);
  }

  /** Waits for a line starting with {@code word}; fails on FAILED, EOF or timeout. */
  String await(String word, double timeoutSeconds) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) throw new IOException("no " + word + " from jvm" + jvm + " within " + timeoutSeconds + " s");
      if (line.startsWith(word)) return line;
      if (line.startsWith("FAILED") || line.equals("EOF")) {
        throw new IOException("jvm" + jvm + ": " + line + " (log " + log + ": " + tail(log) + ")");
      }
    }
  }

  /** SIGKILL; answers the time the process was seen gone. */
  long kill() throws InterruptedException {
    killed = true;
    process.destroyForcibly();                       // SIGKILL on Linux
    process.waitFor(10, TimeUnit.SECONDS);
    return System.nanoTime();
  }

  void pause() throws IOException, InterruptedException {
    signal("STOP");
    paused = true;
  }

  void resume() throws IOException, InterruptedException {
    if (!paused) return;
    signal("CONT");
    paused = false;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process k = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (k.waitFor() != 0) throw new IOException("kill -" + name + " " + process.pid() + " failed");
  }

  boolean alive() {
    return !killed && process.isAlive();
  }

  void destroy() {
    if (!process.isAlive()) return;
    try {
      resume();
    } catch (IOException | InterruptedException e) {
      // killed below anyway
    }
    process.destroyForcibly();
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "unreadable";
    }
  }
}
