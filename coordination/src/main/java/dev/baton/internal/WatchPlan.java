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
 * <p>Up to the budget, every path gets a query of its own (the smallest answers, no wake-up for anybody
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

  /** A watched path: one key, or every key starting with {@code path} ({@code recurse}). */
  record Path(String path, boolean recurse, String consistency) {
    Path {
      Objects.requireNonNull(path, "path");
    }

    /** Whether the answer to {@code query} contains what this path watches. */
    boolean within(Path query) {
      if (!Objects.equals(consistency, query.consistency)) return false;
      if (!query.recurse) return !recurse && path.equals(query.path);
      return path.startsWith(query.path);
    }

    /** Whether an entry's key is watched by this path. */
    boolean matches(String key) {
      return recurse ? key.startsWith(path) : key.equals(path);
    }
  }

  private static final Comparator<Path> ORDER = Comparator
      .comparing((Path p) -> p.consistency == null ? "" : p.consistency)
      .thenComparing(Path::path)
      .thenComparing(Path::recurse);

  /** The query of each path, with at most {@code budget} distinct queries. */
  static Map<Path, Path> plan(Iterable<Path> watched, int budget) {
    if (budget < 3) throw new IllegalArgumentException("budget must be at least 3: " + budget);
    List<Path> paths = new ArrayList<>();
    for (Path p : watched) paths.add(p);
    paths = paths.stream().distinct().sorted(ORDER).toList();
    Map<Path, Path> plan = new LinkedHashMap<>();
    if (paths.size() <= budget) {
      for (Path p : paths) plan.put(p, p);
      return plan;
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
    return plan;
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
