package dev.baton.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The read-write lock's admission decisions, as pure functions of one consistent read of the lock's prefix:
 * the record ({@code .rwlock}: the holders and the queue of waiting contenders, in registration order), the
 * contenders that are alive (their contender key held by a session), and the live contender keys
 * <em>marked</em> as holding (with the mode they hold in).
 *
 * <p><b>Rules.</b> Dead entries (contender key gone or no longer held) are pruned before deciding. The holders
 * that count are the live recorded ones plus the live marked keys (a holder the record lost — an operator
 * rewrote or deleted it — still counts through its mark until it has deleted its key).
 * <ul>
 *   <li>A writer enters only when nobody holds and no live contender is queued ahead of it (a newcomer: no
 *       live contender is queued at all).</li>
 *   <li>A reader enters when no writer holds and no live <em>writer</em> is queued ahead of it (a newcomer:
 *       none is queued at all): a queued writer blocks every reader that registers after it (writer
 *       preference: a stream of readers cannot starve a writer), and readers that registered before a writer
 *       enter before it (a waiting reader waits at most for the writer holding when it registered and the
 *       writers queued before it).</li>
 *   <li>Downgrade: a reader whose own thread holds the write lock ({@code ownWriter}, a live writer holder)
 *       enters at once, whatever is queued: only that writer holds.</li>
 *   <li>A contender that may not enter registers at the end of the queue (once), then waits.</li>
 * </ul>
 * Every admission and registration is written by check-and-set on the record's ModifyIndex (an admission also
 * marks the contender's own key, in the same transaction), so no holder or queued contender can appear between
 * the read a decision was made on and the write that applies it; entries only disappear meanwhile (their keys
 * die), which can only make a decision more cautious than needed.
 */
public final class ReadWriteDecision {
  private ReadWriteDecision() {}

  /** How a contender holds or waits. */
  public enum Mode { READ, WRITE }

  /**
   * One contender in the record.
   *
   * @param id the contender id (the last segment of its contender key)
   * @param mode read or write
   */
  public record Entry(String id, Mode mode) {}

  /**
   * The record: who holds, and who waits in registration order.
   *
   * @param holders the holders (readers, or one writer, or a writer and its own thread's reader)
   * @param queue the waiting contenders, first registered first
   */
  public record Record(List<Entry> holders, List<Entry> queue) {
    /** The record when there is none. */
    public static final Record EMPTY = new Record(List.of(), List.of());

    public Record {
      holders = List.copyOf(holders);
      queue = List.copyOf(queue);
    }

    /** True when the record lists {@code id}, holding or queued. */
    public boolean lists(String id) {
      return holders.stream().anyMatch(e -> e.id().equals(id)) || queue.stream().anyMatch(e -> e.id().equals(id));
    }
  }

  /** What the contender must do. */
  public enum Kind {
    /** Write {@link Decision#next} (check-and-set on the record) and mark the own key, in one transaction. */
    ADMIT,
    /** The record already lists this contender as a holder (an earlier write of it applied): it holds. */
    ALREADY_HOLDER,
    /** Write {@link Decision#next} (check-and-set on the record: this contender queued at the end), then wait. */
    ENQUEUE,
    /** Queued, may not enter yet: wait for the prefix to change. */
    WAIT,
    /**
     * This contender's key is marked (a write of it made it a holder), but the record does not list it as a
     * holder (rewritten or deleted since): the hold is lost; delete the key and start over.
     */
    DROPPED
  }

  /**
   * @param kind the verdict
   * @param next the record to write for ADMIT and ENQUEUE (pruned of dead entries); the pruned record otherwise
   */
  public record Decision(Kind kind, Record next) {}

  /**
   * May {@code me} enter?
   *
   * @param stored the record as read ({@link Record#EMPTY} when there is none)
   * @param live contender ids whose contender key is held by a session
   * @param marked live or dead contender ids whose key is marked as holding, with the mode (only live count)
   * @param me this contender
   * @param ownWriter the id of the write hold of this contender's own thread (downgrade), or null
   */
  public static Decision acquire(Record stored, Collection<String> live, Map<String, Mode> marked, Entry me,
      String ownWriter) {
    List<Entry> holders = prune(stored.holders(), live);
    List<Entry> queue = prune(stored.queue(), live);
    queue.removeIf(q -> holders.stream().anyMatch(h -> h.id().equals(q.id())));
    Record pruned = new Record(holders, queue);
    if (holders.stream().anyMatch(h -> h.id().equals(me.id()))) return new Decision(Kind.ALREADY_HOLDER, pruned);
    if (live.contains(me.id()) && marked.containsKey(me.id())) return new Decision(Kind.DROPPED, pruned);

    List<Entry> counted = new ArrayList<>(holders);
    marked.forEach((id, mode) -> {
      if (live.contains(id) && counted.stream().noneMatch(h -> h.id().equals(id))) counted.add(new Entry(id, mode));
    });
    int at = indexOf(queue, me.id());
    List<Entry> ahead = at < 0 ? queue : queue.subList(0, at);
    boolean enter;
    if (me.mode() == Mode.WRITE) {
      enter = counted.isEmpty() && ahead.isEmpty();
    } else {
      boolean downgrade = ownWriter != null && counted.contains(new Entry(ownWriter, Mode.WRITE));
      enter = counted.stream().allMatch(h -> h.mode() == Mode.READ || (downgrade && h.id().equals(ownWriter)))
          && (downgrade || ahead.stream().noneMatch(q -> q.mode() == Mode.WRITE));
    }
    if (enter) {
      List<Entry> nextHolders = new ArrayList<>(holders);
      nextHolders.add(me);
      List<Entry> nextQueue = new ArrayList<>(queue);
      nextQueue.removeIf(q -> q.id().equals(me.id()));
      return new Decision(Kind.ADMIT, new Record(nextHolders, nextQueue));
    }
    if (at >= 0) return new Decision(Kind.WAIT, pruned);
    List<Entry> nextQueue = new ArrayList<>(queue);
    nextQueue.add(me);
    return new Decision(Kind.ENQUEUE, new Record(holders, nextQueue));
  }

  /**
   * The record to write (check-and-set) when {@code id} leaves, holding or queued: the stored record without
   * it. Nothing else is pruned (a leaving contender does not read the live keys; the next writer prunes).
   */
  public static Record leave(Record stored, String id) {
    List<Entry> holders = new ArrayList<>(stored.holders());
    holders.removeIf(e -> e.id().equals(id));
    List<Entry> queue = new ArrayList<>(stored.queue());
    queue.removeIf(e -> e.id().equals(id));
    return new Record(holders, queue);
  }

  private static List<Entry> prune(List<Entry> entries, Collection<String> live) {
    List<Entry> alive = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Entry e : entries) {
      if (live.contains(e.id()) && seen.add(e.id())) alive.add(e);
    }
    return alive;
  }

  private static int indexOf(List<Entry> queue, String id) {
    for (int i = 0; i < queue.size(); i++) {
      if (queue.get(i).id().equals(id)) return i;
    }
    return -1;
  }
}
