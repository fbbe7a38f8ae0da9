package dev.baton.it;

import static org.junit.jupiter.api.Assertions.fail;

import dev.baton.testing.Await;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every hold of a lock by the in-process clients of a scenario, on one clock ({@link System#nanoTime()}):
 * from the moment {@code acquire} returned to the moment the holder stopped using the resource (before
 * {@code close()}, or when {@code ensureHeld()} reported the lease lost).
 */
final class HoldLog {
  /** One hold: who, with which token, when. {@code lost} is the loss reason when it ended by a loss. */
  record Hold(String client, long token, long start, long end, String lost) {}

  private final List<Hold> holds = new ArrayList<>();

  synchronized void add(Hold hold) {
    holds.add(hold);
  }

  synchronized List<Hold> holds() {
    return List.copyOf(holds);
  }

  synchronized long count() {
    return holds.size();
  }

  /** Holds that started after {@code nanos}. */
  synchronized long countAfter(long nanos) {
    return holds.stream().filter(h -> h.start() - nanos > 0).count();
  }

  /** Holds of {@code client} that started after {@code nanos}. */
  synchronized long countAfter(String client, long nanos) {
    return holds.stream().filter(h -> h.client().equals(client) && h.start() - nanos > 0).count();
  }

  /** The first hold that started after {@code nanos}. */
  synchronized Optional<Hold> firstAfter(long nanos) {
    return holds.stream().filter(h -> h.start() - nanos > 0).min(Comparator.comparingLong(Hold::start));
  }

  /** The last hold that started before {@code nanos}. */
  synchronized Optional<Hold> lastBefore(long nanos) {
    return holds.stream().filter(h -> h.start() - nanos <= 0).max(Comparator.comparingLong(Hold::start));
  }

  /**
   * The longest time the lock was free between two holds, for holds that started within {@code [from, to]}:
   * the stall a fault caused. Answers {@code [gap ms, start of the hold that ended it]}.
   */
  synchronized long[] longestGap(long from, long to) {
    List<Hold> sorted = new ArrayList<>(holds);
    sorted.sort(Comparator.comparingLong(Hold::start));
    long[] longest = {0, from};
    for (int i = 1; i < sorted.size(); i++) {
      Hold next = sorted.get(i);
      if (next.start() - from < 0 || next.start() - to > 0) continue;
      long gap = Await.millis(sorted.get(i - 1).end(), next.start());
      if (gap > longest[0]) longest = new long[] {gap, next.start()};
    }
    return longest;
  }

  /**
   * The safety invariant: ordered by start, every hold starts after the previous one ended (no two holders
   * at once, in real time) and carries a strictly larger fencing token.
   */
  synchronized void assertExclusiveWithGrowingTokens() {
    List<Hold> sorted = new ArrayList<>(holds);
    sorted.sort(Comparator.comparingLong(Hold::start));
    for (int i = 1; i < sorted.size(); i++) {
      Hold prev = sorted.get(i - 1);
      Hold next = sorted.get(i);
      if (next.start() - prev.end() < 0) {
        fail("two holders at once: " + next + " started " + Await.millis(next.start(), prev.end())
            + " ms before " + prev + " ended");
      }
      if (next.token() <= prev.token()) {
        fail("fencing token did not grow: " + prev + " then " + next);
      }
    }
  }
}
