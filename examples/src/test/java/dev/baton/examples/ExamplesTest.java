package dev.baton.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.Coordinator;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.TestConsul;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README demo's examples, run against a real Consul agent, with their outcomes checked. They run on the
 * module path (the examples are a module requiring {@code dev.baton}), as an application using the library as a
 * module would; the test jar's {@link ConsulExtension} sits on the class path.
 */
@ExtendWith(ConsulExtension.class)
class ExamplesTest {

  @Test
  void examplesUseTheLibraryAsAModuleThatHidesItsInternals() {
    Module examples = ExamplesTest.class.getModule();
    Module library = Coordinator.class.getModule();
    assertEquals("dev.baton.examples", examples.getName());
    assertEquals("dev.baton", library.getName());
    assertTrue(library.isExported("dev.baton", examples));
    assertFalse(library.isExported("dev.baton.internal", examples) || library.isOpen("dev.baton.internal", examples)
        || library.isExported("dev.baton.internal.consul", examples), "the internals are reachable");
  }

  @Test
  void tryWithResourcesLockKeepsTheFileCounterExact(TestConsul consul) throws Exception {
    assertEquals(2 * 3 * 20, TryWithResourcesLock.run(consul::builder, 3, 20));
  }

  @Test
  void semaphoreThrottleNeverExceedsThreePermits(TestConsul consul) throws Exception {
    int max = SemaphoreThrottle.run(consul::builder, 2);
    assertTrue(max >= 1 && max <= 3, "max in flight " + max);
  }

  @Test
  void configHotReloadAppliesEveryGoodLimitInOrderAndSkipsTheBrokenOne(TestConsul consul) throws Exception {
    assertEquals(List.of(5, 20, 2), ConfigHotReload.run(consul::builder, consul.address()));
  }

  @Test
  void serviceRegistryClientSeesEveryChangeOfTheHealthyInstancesInOrder(TestConsul consul) throws Exception {
    assertEquals(List.of(List.of(), List.of("billing-1"), List.of("billing-1", "billing-2"), List.of("billing-1"),
        List.of("billing-1", "billing-2"), List.of("billing-2"), List.of()), ServiceRegistry.run(consul::builder));
  }

  @Test
  void leaderElectedJobMovesToAnotherWorkerWhenTheLeaderIsKilled(TestConsul consul) throws Exception {
    List<String> runners = LeaderElectedJob.run(consul::builder, Duration.ofMillis(1500));
    assertTrue(runners.size() >= 2, "runners " + runners);
    assertNotEquals(runners.get(0), runners.get(runners.size() - 1));
  }
}
