package dev.baton.stress.harness;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The record file of one contender process: one line per event, written with one unbuffered {@code write}
 * each, so every line that was written survives a SIGKILL of the process (it is in the kernel's page cache)
 * and can be read while the process is stopped. Times are {@link System#nanoTime()}, which is
 * {@code CLOCK_MONOTONIC} on Linux: one clock for every process on the machine.
 *
 * <p>Line formats (fields separated by one space; {@link Records} reads them):
 * <pre>
 * A contender token called acquired acquireCalls [r]    an acquisition returned (token -1: none; r: a shared
 *                                                       hold, the read lock of a read-write lock)
 * Q contender token releaseCalled                     about to release (written before the call: a process
 *                                                       killed during its release has stopped holding)
 * R contender token releaseCalled releaseReturned calls its release returned (pairs with the contender's open A;
 *                                                       election: onRevoked ran; an earlier Q's time stays the
 *                                                       release-called time)
 * L contender token lostAt                              the lease's onLost listener ran
 * D contender killedAt                                  the harness SIGKILLed the process of the contender's open
 *                                                       acquisition (a {@code consul lock} process; a contender
 *                                                       JVM's kill is the incarnation's instead)
 * C t session | N t session | X t session               session created | renewed | lost (Baton)
 * K t                                                   the session was provably valid at t (start of a run)
 * S t httpCalls                                         all HTTP calls of the process so far (every second)
 * E contender t message                                 an acquire or release threw
 * </pre>
 * Calls: HTTP requests made on the acquiring thread during the acquire (or release) call; -1 when unknown.
 */
final class EventLog implements AutoCloseable {
  /** Writes nothing (warm-up phases). */
  static final EventLog NONE = new EventLog(null);

  private final FileOutputStream out;

  private EventLog(FileOutputStream out) {
    this.out = out;
  }

  static EventLog open(Path file) {
    try {
      return new EventLog(new FileOutputStream(file.toFile(), true));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  boolean enabled() {
    return out != null;
  }

  /** Appends one line with one write. */
  synchronized void line(String line) {
    if (out == null) return;
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void acquired(int contender, long token, long called, long acquired, long calls) {
    acquired(contender, token, called, acquired, calls, false);
  }

  /** {@link #acquired(int, long, long, long, long)}; {@code shared}: a read lock, held next to other readers. */
  void acquired(int contender, long token, long called, long acquired, long calls, boolean shared) {
    line("A " + contender + " " + token + " " + called + " " + acquired + " " + calls + (shared ? " r" : ""));
  }

  void releasing(int contender, long token, long called) {
    line("Q " + contender + " " + token + " " + called);
  }

  void released(int contender, long token, long called, long returned, long calls) {
    line("R " + contender + " " + token + " " + called + " " + returned + " " + calls);
  }

  void killed(int contender, long at) {
    line("D " + contender + " " + at);
  }

  @Override
  public synchronized void close() {
    if (out == null) return;
    try {
      out.close();
    } catch (IOException e) {
      // nothing left to save
    }
  }
}
