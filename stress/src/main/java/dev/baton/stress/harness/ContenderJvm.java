package dev.baton.stress.harness;

import dev.baton.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One contender process ({@link Contender}) seen from the harness: which JVM slot and incarnation it is, its log
 * (stderr) and records files, its latest progress count, whether the fault schedule paused or killed it. The
 * process itself (stdin, output lines, signals) is a {@link ChildJvm}.
 */
final class ContenderJvm {
  /** Measured children: the options are the whole command line's, nothing added. */
  private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xmx256m",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true");

  final int jvm;
  final int incarnation;
  final Path log;
  final Path records;
  volatile boolean paused;
  volatile boolean killed;
  private final ChildJvm child;

  private ContenderJvm(int jvm, int incarnation, ChildJvm child, Path log, Path records) {
    this.jvm = jvm;
    this.incarnation = incarnation;
    this.child = child;
    this.log = log;
    this.records = records;
  }

  /** Starts {@code Contender <args>} in a new JVM with this JVM's classpath; stderr goes to {@code log}. */
  static ContenderJvm start(int jvm, int incarnation, List<String> contenderArgs, Path log, Path records)
      throws IOException {
    ChildJvm child = ChildJvm.start(JVM_OPTIONS, log, Contender.class, contenderArgs);
    return new ContenderJvm(jvm, incarnation, child, log, records);
  }

  /** Sends a command; one to a contender that is gone is lost (its next {@link #await} reports that). */
  void send(String command) {
    try {
      child.send(command);
    } catch (IOException gone) {
      // the contender exited or was killed
    }
  }

  /** Waits for a line starting with {@code word}; fails on FAILED, the end of the output, or timeout. */
  String await(String word, double timeoutSeconds) throws InterruptedException, IOException {
    Optional<String> line = child.nextLine(Duration.ofNanos((long) (timeoutSeconds * 1e9)), word, "FAILED");
    if (line.isPresent() && line.get().startsWith(word)) return line.get();
    if (line.isEmpty() && !child.outputEnded()) {
      throw new IOException("no " + word + " from jvm" + jvm + " within " + timeoutSeconds + " s");
    }
    throw new IOException("jvm" + jvm + ": " + line.orElse("EOF") + " (log " + log + ": " + tail(log) + ")");
  }

  /** The acquisitions it reported so far ({@code PROGRESS <n>}, every second). */
  long progress() {
    return child.lastLine("PROGRESS ").map(l -> Long.parseLong(l.substring(9).trim())).orElse(0L);
  }

  /** SIGKILL; answers the time the process was seen gone. */
  long kill() throws InterruptedException {
    killed = true;
    child.kill();
    return System.nanoTime();
  }

  void pause() throws IOException, InterruptedException {
    child.freeze();
    paused = true;
  }

  void resume() throws IOException, InterruptedException {
    if (!paused) return;
    child.thaw();
    paused = false;
  }

  boolean alive() {
    return !killed && child.isAlive();
  }

  /** Waits for the process to exit; true when it did within {@code timeout}. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    return child.awaitExit(timeout);
  }

  /** Gone for good: resumed if paused, then killed. */
  void destroy() {
    child.close();
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
