package dev.baton.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which blocking queries serve a set of watched paths with at most {@code budget} queries: a pure function.
 *
 * <p>A path is a KV path (one key or a prefix) or a service's health ({@link Kind#HEALTH}: the passing
 * instances of one service, optionally with one tag). Health paths are planned first and never merged with
 * anything: Consul has no query that answers several services, so each distinct (service, tag) is a query of
 * its own, whatever the budget. KV paths share what is left of the budget, at least one query (and one per
 * consistency mode among them); with more services than the budget the plan has more queries than the budget,
 * and the engine's queries then take turns for its connections.
 *
 * <p>Up to their budget, every KV path gets a query of its own (the smallest answers, no wake-up for anybody
 * else's change). Beyond it, paths are sorted and cut into {@code budget} runs of neighbours; each run is
 * served by one recursive query on the longest common prefix of its first and last path (for sorted strings,
 * the common prefix of the whole run), and every watcher picks its own key or prefix out of the answer. The
 * cuts go where neighbours share the shortest prefix, so that each query fetches as little as possible
 * beyond what is watched; paths of different consistency modes are never served by one query. Ties are
 * broken by a hash of the path right of the cut, which keeps a plan stable when a path is added or removed:
 * one cut moves at most, and a path added inside a run leaves the run's query as it was (no restart).
 */
final class WatchPlan {
  private WatchPlan() {}

  /** What a path reads: KV entries, or the passing instances of a service. */
  enum Kind { KV, HEALTH }

  /**
   * A watched path: one key, or every key starting with {@code path} ({@code recurse}); or, of kind
   * {@link Kind#HEALTH}, the passing instances of the service {@code path} with the tag {@code tag} (null:
   * any), always in Consul's default consistency mode.
   */
  record Path(Kind kind, String path, boolean recurse, String consistency, String tag) {
    Path {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(path, "path");
    }

    /** A KV path. */
    Path(String path, boolean recurse, String consistency) {
      this(Kind.KV, path, recurse, consistency, null);
    }

    /** The passing instances of {@code service}, only those tagged {@code tag} unless it is null. */
    static Path health(String service, String tag) {
      return new Path(Kind.HEALTH, service, false, null, tag);
    }

    /** Whether the answer to {@code query} contains what this path watches. */
    boolean within(Path query) {
      if (kind != query.kind || !Objects.equals(consistency, query.consistency)) return false;
      if (kind == Kind.HEALTH) return equals(query);
      if (!query.recurse) return !recurse && path.equals(query.path);
      return path.startsWith(query.path);
    }

    /** Whether an entry's key is watched by this (KV) path. */
    boolean matches(String key) {
      return recurse ? key.startsWith(path) : key.equals(path);
    }
  }

  /** The order of KV paths: by consistency mode, then path. */
  private static final Comparator<Path> ORDER = Comparator
      .comparing((Path p) -> p.consistency == null ? "" : p.consistency)
      .thenComparing(Path::path)
      .thenComparing(Path::recurse);

  /**
   * The query of each path: every health path its own; the KV paths with at most {@code budget} minus the
   * health paths queries, at least one per consistency mode among them.
   */
  static Map<Path, Path> plan(Iterable<Path> watched, int budget) {
    if (budget < 3) throw new IllegalArgumentException("budget must be at least 3: " + budget);
    List<Path> kv = new ArrayList<>();
    Map<Path, Path> plan = new LinkedHashMap<>();
    for (Path p : watched) {
      if (p.kind == Kind.HEALTH) plan.put(p, p); else kv.add(p);
    }
    kv = kv.stream().distinct().sorted(ORDER).toList();
    long modes = kv.stream().map(p -> Objects.toString(p.consistency)).distinct().count();
    planKv(kv, (int) Math.max(Math.max(1, budget - plan.size()), modes), plan);
    return plan;
  }

  /** Plans sorted, distinct KV paths with at most {@code budget} queries (at least their consistency modes). */
  private static void planKv(List<Path> paths, int budget, Map<Path, Path> plan) {
    if (paths.size() <= budget) {
      for (Path p : paths) plan.put(p, p);
      return;
    }
    // boundary i lies between paths i and i+1; cut the budget - 1 boundaries whose sides share least
    List<Integer> boundaries = new ArrayList<>();
    for (int i = 0; i + 1 < paths.size(); i++) boundaries.add(i);
    List<Path> sorted = paths;
    boundaries.sort(Comparator.<Integer>comparingInt(i -> shared(sorted.get(i), sorted.get(i + 1)))
        .thenComparingInt(i -> sorted.get(i + 1).path.hashCode())
        .thenComparingInt(i -> i));
    boolean[] cut = new boolean[paths.size()];
    for (int k = 0; k < budget - 1; k++) cut[boundaries.get(k)] = true;
    int start = 0;
    for (int i = 0; i < paths.size(); i++) {
      if (i + 1 < paths.size() && !cut[i]) continue;
      Path first = paths.get(start);
      Path query = start == i ? first
          : new Path(commonPrefix(first.path, paths.get(i).path), true, first.consistency);
      for (int j = start; j <= i; j++) plan.put(paths.get(j), query);
      start = i + 1;
    }
  }

  /** How much two neighbours share: their common prefix, -1 across consistency modes. */
  private static int shared(Path a, Path b) {
    if (!Objects.equals(a.consistency, b.consistency)) return -1;
    return commonPrefix(a.path, b.path).length();
  }

  static String commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) i++;
    if (i > 0 && Character.isHighSurrogate(a.charAt(i - 1))) i--;   // never split a character
    return a.substring(0, i);
  }
}
