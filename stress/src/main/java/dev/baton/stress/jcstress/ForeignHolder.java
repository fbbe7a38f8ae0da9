package dev.baton.stress.jcstress;

import dev.baton.internal.LocalGate;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Makes a gate held by a thread that is not one of the test's actors. jcstress may build a test's state on an
 * actor thread, and the gate is reentrant per thread: a hold taken in the state's constructor could belong to
 * the very actor that later tries to acquire it (which would then just count a second hold). Holds taken here
 * belong to one dedicated daemon thread that never acts in a test.
 */
final class ForeignHolder {
  private static final ExecutorService HOLDER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "baton-jcstress-foreign-holder");
    t.setDaemon(true);
    return t;
  });

  private ForeignHolder() {}

  /** Acquires the free {@code gate} on the holder thread. */
  static void hold(LocalGate gate) {
    try {
      if (!HOLDER.submit(gate::tryAcquire).get()) throw new IllegalStateException("a fresh gate must be free");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
