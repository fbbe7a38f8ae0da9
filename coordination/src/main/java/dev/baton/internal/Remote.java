package dev.baton.internal;

import dev.baton.CoordinationException;
import org.slf4j.Logger;

/**
 * Remote calls that must complete although the calling thread is interrupted: releases and clean-ups after a
 * failed or abandoned acquisition. The one place for "release, keeping the interrupt flag".
 */
final class Remote {
  /** A call to Consul. */
  @FunctionalInterface
  interface Call {
    void run() throws InterruptedException;
  }

  private static final int ATTEMPTS = 3;

  private Remote() {}

  /**
   * Runs {@code call} with the interrupt flag cleared, again when an interrupt cut it short (at most
   * {@value #ATTEMPTS} times), and restores the flag afterwards.
   *
   * @throws CoordinationException when interrupted {@value #ATTEMPTS} times, or the call's own exception
   */
  static void complete(String what, Call call) {
    boolean interrupted = Thread.interrupted();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          call.run();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
          if (attempt == ATTEMPTS) throw new CoordinationException("interrupted while trying to " + what, e);
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * {@link #complete} that never throws: a failure is logged as a warning (saying what stays behind) and
   * added to {@code cause} as suppressed when there is one.
   */
  static void bestEffort(Logger log, String what, Exception cause, Call call) {
    try {
      complete(what, call);
    } catch (RuntimeException e) {
      log.warn("could not {}", what, e);
      if (cause != null) cause.addSuppressed(e);
    }
  }
}
