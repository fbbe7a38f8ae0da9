package dev.baton.testing;

/** Calls code that throws checked exceptions from lambdas that may not (Await conditions, suppliers). */
public final class Unchecked {
  /** Code that may throw anything. */
  @FunctionalInterface
  public interface Io<T> {
    /**
     * Runs.
     *
     * @return the result
     * @throws Exception whatever it throws
     */
    T run() throws Exception;
  }

  private Unchecked() {}

  /** Runs {@code io}; a checked exception comes back wrapped in an {@link IllegalStateException}. */
  public static <T> T call(Io<T> io) {
    try {
      return io.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
