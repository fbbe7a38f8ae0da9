package dev.baton.internal;

import dev.baton.internal.consul.KvEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which announced waiter a lock's release hands the key to (see {@code ConsulLock}, "Hand-over between
 * clients"). Pure: the caller reads the announcements and writes the hand-over.
 *
 * <p>An announcement is a key {@code <prefix><session>-<n>} held by that session. The next waiter is, among
 * the live announcements of other sessions, the first made (lowest CreateIndex) after the releasing session's
 * own, else the first: round robin in the order of announcement, so that no client is passed over while
 * others keep handing the key to each other. A key under the prefix of another shape (e.g. the key of a lock
 * named {@code <name>/.wait/x}) is never chosen nor pruned; an announcement whose session ended is to be
 * pruned.
 */
final class HandOverOrder {
  /** The last segment of an announcement's key: a Consul session id, '-', a number. */
  private static final Pattern ANNOUNCEMENT =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9]+");

  /** The waiter to hand the key to (null: none) and the announcements of ended sessions. */
  record Choice(KvEntry next, List<KvEntry> dead) {}

  private HandOverOrder() {}

  static Choice choose(String prefix, List<KvEntry> announced, String own) {
    long after = 0;
    List<KvEntry> live = new ArrayList<>();
    List<KvEntry> dead = new ArrayList<>();
    for (KvEntry e : announced) {
      if (!e.key().startsWith(prefix) || !ANNOUNCEMENT.matcher(e.key().substring(prefix.length())).matches()) {
        continue;
      }
      if (e.session() == null) {
        dead.add(e);
      } else if (e.key().startsWith(prefix + e.session() + "-")) {
        if (e.session().equals(own)) {
          after = Math.max(after, e.createIndex());
        } else {
          live.add(e);
        }
      }
    }
    live.sort(Comparator.comparingLong(KvEntry::createIndex));
    long mine = after;
    KvEntry next = live.stream().filter(e -> e.createIndex() > mine).findFirst()
        .orElse(live.isEmpty() ? null : live.get(0));
    return new Choice(next, dead);
  }
}
