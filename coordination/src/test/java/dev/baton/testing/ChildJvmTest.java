package dev.baton.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child process helper itself: lines in order, consumed once, the end of the output, stderr, signals. */
class ChildJvmTest {

  /** Echoes each stdin line to stdout, "err <text>" to stderr; "exit" ends it. */
  public static final class Echo {
    public static void main(String[] args) throws Exception {
      System.out.println("READY " + String.join(" ", args));
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
        if (line.startsWith("err ")) {
          System.err.println(line.substring(4));
        } else {
          System.out.println(line);
        }
      }
    }
  }

  /** SIGSTOP is asynchronous: each thread stops when it next runs. State {@code T} in every task's stat. */
  private static boolean allThreadsStopped(long pid) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks.allMatch(t -> {
        try {
          String stat = Files.readString(t.resolve("stat"));
          return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException gone) {
          return true;
        }
      });
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void linesAreConsumedInOrderAndTheEndOfTheOutputEndsAWaitAtOnce() throws Exception {
    try (ChildJvm child = ChildJvm.start(Echo.class, "a", "b")) {
      assertEquals("READY a b", child.awaitLine("READY", Duration.ofSeconds(30)));
      child.send("PROGRESS 1");
      child.send("noise");
      child.send("PROGRESS 2");
      child.send("FAILED boom");
      child.send("DONE");
      assertEquals(Optional.of("FAILED boom"), child.nextLine(Duration.ofSeconds(10), "DONE", "FAILED"));
      assertEquals("DONE", child.awaitLine("DONE", Duration.ofSeconds(10)), "after the failure line");
      assertEquals(Optional.of("PROGRESS 2"), child.lastLine("PROGRESS "));
      assertEquals(Optional.of("PROGRESS 1"), child.anyLine("PROGRESS "));
      assertFalse(child.outputEnded());
      assertEquals(Optional.empty(), child.nextLine(Duration.ofMillis(200), "DONE"), "consumed once");

      child.send("exit");
      long t0 = System.nanoTime();
      assertEquals(Optional.empty(), child.nextLine(Duration.ofSeconds(30), "NEVER"));
      assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the end of the output ends the wait");
      assertTrue(child.outputEnded());
      AssertionError e = assertThrows(AssertionError.class, () -> child.awaitLine("NEVER", Duration.ofSeconds(30)));
      assertTrue(e.getMessage().contains("(exited 0)"), e.getMessage());
    }
  }

  @Test
  void stderrGoesToItsFileAndTheOptionsAreTakenAsGiven(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("child.log");
    try (ChildJvm child = ChildJvm.start(List.of("-Xmx64m"), log, Echo.class, List.of("x"))) {
      child.awaitLine("READY x", Duration.ofSeconds(30));
      child.freeze();
      Await.until(Duration.ofSeconds(10), () -> allThreadsStopped(child.pid()), () -> "SIGSTOP took effect");
      child.send("ping");
      assertEquals(Optional.empty(), child.nextLine(Duration.ofMillis(300), "ping"), "a frozen child answers nothing");
      child.thaw();
      assertEquals("ping", child.awaitLine("ping", Duration.ofSeconds(10)));
      child.send("err to the log");
      child.send("exit");
      assertTrue(child.awaitExit(Duration.ofSeconds(30)));
      assertEquals(List.of("to the log"), Files.readAllLines(log));
      assertEquals(List.of("READY x", "ping"), child.lines(), "stderr is not part of the output lines");
    }
  }
}
