package dev.baton.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.WatchPlan.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatchPlanTest {

  private static List<Path> keys(String prefix, int n) {
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < n; i++) paths.add(new Path(String.format("%s%04d", prefix, i), false, null));
    return paths;
  }

  private static void assertCovers(Map<Path, Path> plan, List<Path> paths, int budget) {
    assertTrue(new HashSet<>(plan.values()).size() <= budget, "queries: " + new HashSet<>(plan.values()));
    for (Path p : paths) {
      Path q = plan.get(p);
      assertTrue(q != null && p.within(q), p + " is not within its query " + q);
    }
  }

  @Test
  void withinTheBudgetEveryPathIsItsOwnQuery() {
    List<Path> paths = List.of(new Path("a/x", false, null), new Path("a/y/", true, null), new Path("b", false, "stale"));
    Map<Path, Path> plan = WatchPlan.plan(paths, 3);
    for (Path p : paths) assertEquals(p, plan.get(p));
  }

  @Test
  void beyondTheBudgetNeighboursShareARecursiveQuery() {
    List<Path> paths = new ArrayList<>(keys("app/locks/k", 1000));
    paths.addAll(keys("app/config/w", 1000));
    Map<Path, Path> plan = WatchPlan.plan(paths, 4);
    assertCovers(plan, paths, 4);
    for (Path q : plan.values()) {
      assertTrue(q.path().startsWith("app/locks/k") || q.path().startsWith("app/config/w"),
          "the two families are cut apart first: " + q);
    }
  }

  @Test
  void consistencyModesAreNeverMixed() {
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      paths.add(new Path("c/k" + i, false, i % 3 == 0 ? null : i % 3 == 1 ? "stale" : "consistent"));
    }
    Map<Path, Path> plan = WatchPlan.plan(paths, 3);
    assertCovers(plan, paths, 3);
    for (Path p : paths) assertTrue(Objects.equals(p.consistency(), plan.get(p).consistency()), p.toString());
  }

  @Test
  void addingOnePathMovesAtMostOneCut() {
    List<Path> paths = keys("app/locks/k", 500);
    Map<Path, Path> before = WatchPlan.plan(paths, 4);
    List<Path> more = new ArrayList<>(paths);
    more.add(new Path("app/locks/k0250x", false, null));
    Map<Path, Path> after = WatchPlan.plan(more, 4);
    assertCovers(after, more, 4);
    Set<Path> gone = new HashSet<>(before.values());
    gone.removeAll(after.values());
    assertTrue(gone.size() <= 2, "queries restarted: " + gone);
  }

  @Test
  void servicesAreQueriesOfTheirOwnAndKeysShareWhatIsLeft() {
    List<Path> services = List.of(Path.health("billing", null), Path.health("billing", "v2"),
        Path.health("billing/", null));
    List<Path> paths = new ArrayList<>(keys("billing", 100));    // keys that look like the services' names
    paths.addAll(services);
    Map<Path, Path> plan = WatchPlan.plan(paths, 4);
    for (Path s : services) assertEquals(s, plan.get(s), "a service is its own query");
    Set<Path> kvQueries = new HashSet<>();
    for (Path p : paths) {
      Path q = plan.get(p);
      assertTrue(q != null && p.within(q), p + " is not within its query " + q);
      if (p.kind() == WatchPlan.Kind.KV) {
        assertEquals(WatchPlan.Kind.KV, q.kind(), "a key is never served by a health query: " + q);
        kvQueries.add(q);
      }
    }
    assertEquals(1, kvQueries.size(), "the keys get the budget left over: " + kvQueries);
    assertTrue(!Path.health("billing", null).within(new Path("billing", true, null)));
    assertTrue(!new Path("billing", false, null).within(Path.health("billing", null)));
  }

  @Test
  void moreServicesThanTheBudgetStillGetAQueryEachAndKeysAtLeastOnePerMode() {
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < 6; i++) paths.add(Path.health("svc" + i, null));
    paths.addAll(keys("app/locks/k", 50));
    paths.add(new Path("app/config/x", false, "stale"));
    Map<Path, Path> plan = WatchPlan.plan(paths, 4);
    for (int i = 0; i < 6; i++) assertEquals(Path.health("svc" + i, null), plan.get(Path.health("svc" + i, null)));
    Set<Path> kvQueries = new HashSet<>();
    for (Path p : paths) {
      assertTrue(p.within(plan.get(p)), p + " is not within " + plan.get(p));
      if (p.kind() == WatchPlan.Kind.KV) kvQueries.add(plan.get(p));
    }
    assertEquals(2, kvQueries.size(), "one query per consistency mode, never mixed: " + kvQueries);
    assertEquals(8, new HashSet<>(plan.values()).size());
  }

  @Test
  void aCommonPrefixNeverSplitsACharacter() {
    assertEquals("a/", WatchPlan.commonPrefix("a/\uD83D\uDE00", "a/\uD83D\uDE01"));
    assertEquals("abc", WatchPlan.commonPrefix("abc", "abcd"));
    assertThrows(IllegalArgumentException.class, () -> WatchPlan.plan(List.of(), 2));
  }
}
