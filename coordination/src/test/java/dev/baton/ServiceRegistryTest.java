package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.baton.testing.Await;
import dev.baton.testing.ConsulExtension;
import dev.baton.testing.ConsulProcess;
import dev.baton.testing.FaultProxy;
import dev.baton.testing.TestConsul;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Service registration with TTL heartbeats and discovery of healthy instances (issue 11, part A), against real
 * Consul agents. The agent's own view ({@code /v1/agent/services}, {@code /v1/agent/checks}) is read over
 * plain HTTP, outside the library.
 */
@ExtendWith(ConsulExtension.class)
class ServiceRegistryTest {
  private static final Duration SOON = Duration.ofSeconds(20);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  // ------------------------------------------------------------------------------------ the agent's view

  private static JsonObject get(URI agent, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(agent.resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), path + ": " + r.body());
      return JsonParser.parseString(r.body()).getAsJsonObject();
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The service {@code id} as the agent knows it, if it does. */
  private static Optional<JsonObject> service(URI agent, String id) {
    JsonElement s = get(agent, "/v1/agent/services").get(id);
    return s == null ? Optional.empty() : Optional.of(s.getAsJsonObject());
  }

  /** The agent's check of service {@code id}, if it has one. */
  private static Optional<JsonObject> check(URI agent, String id) {
    JsonElement c = get(agent, "/v1/agent/checks").get("service:" + id);
    return c == null ? Optional.empty() : Optional.of(c.getAsJsonObject());
  }

  private static String status(URI agent, String id) {
    return check(agent, id).map(c -> c.get("Status").getAsString()).orElse("none");
  }

  private static String output(URI agent, String id) {
    return check(agent, id).map(c -> c.get("Output").getAsString()).orElse("none");
  }

  private static void awaitStatus(URI agent, String id, String status, Duration timeout) {
    Await.until(timeout, () -> status.equals(status(agent, id)),
        () -> "service " + id + " " + status + ", is " + status(agent, id));
  }

  /** Counts the check updates (heartbeats and marks) a Coordinator sends, through the metrics SPI. */
  private static final class CheckUpdates implements BatonMetrics {
    final AtomicInteger sent = new AtomicInteger();

    @Override
    public void httpCall(String method, String endpoint, int status, Duration elapsed) {
      if (endpoint.equals("agent/check") && status == 200) sent.incrementAndGet();
    }
  }

  private static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A listener's lists, in the order delivered. */
  private static final class Lists {
    final BlockingQueue<List<ServiceInstance>> seen = new LinkedBlockingQueue<>();

    /** The ids of the next list delivered. */
    List<String> next() throws InterruptedException {
      List<ServiceInstance> l = seen.poll(SOON.toSeconds(), TimeUnit.SECONDS);
      if (l == null) throw new AssertionError("no list delivered within " + SOON);
      return ids(l);
    }
  }

  private static List<String> ids(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::id).toList();
  }

  // ------------------------------------------------------------------------------------------- tests

  @Test
  void registrationIsAtTheAgentWithAPassingCheck(TestConsul consul) throws Exception {
    String name = unique("billing");
    try (Coordinator c = consul.builder().ownerId("owner-7").build();
         ServiceRegistration reg = c.register(Service.builder(name).address("10.0.0.7").port(8080)
             .tags("v2", "eu").meta(Map.of("zone", "a")).ttl(Duration.ofSeconds(5))
             .deregisterCriticalAfter(Duration.ofMinutes(1)).build())) {
      assertEquals(name + "-owner-7", reg.id(), "the id defaults to name-ownerId");
      assertEquals(Optional.of(reg.id()), reg.service().id());
      JsonObject s = service(consul.address(), reg.id()).orElseThrow(() -> new AssertionError("not registered"));
      assertEquals(name, s.get("Service").getAsString());
      assertEquals("10.0.0.7", s.get("Address").getAsString());
      assertEquals(8080, s.get("Port").getAsInt());
      assertEquals("[\"v2\",\"eu\"]", s.get("Tags").toString());
      assertEquals("a", s.getAsJsonObject("Meta").get("zone").getAsString());
      assertEquals("passing", status(consul.address(), reg.id()), "the check starts passing");

      try (ServiceDiscovery d = c.discovery(name)) {
        List<ServiceInstance> healthy = d.healthy();
        assertEquals(1, healthy.size(), healthy.toString());
        ServiceInstance i = healthy.get(0);
        assertEquals(new ServiceInstance(reg.id(), name, i.node(), "10.0.0.7", 8080, List.of("v2", "eu"),
            Map.of("zone", "a")), i);
        assertFalse(i.node().isEmpty());
      }
    }
  }

  /**
   * With a TTL of 2 s, ten heartbeats (three TTLs and more) keep the check passing throughout, although the
   * first three attempts are reset by the network: they are retried.
   */
  @Test
  void heartbeatsKeepTheCheckPassingPastSeveralTtlsThroughTransientErrors(TestConsul consul) throws Exception {
    String name = unique("heartbeat");
    try (FaultProxy proxy = FaultProxy.start(consul.address());
         Coordinator c = consul.builder().address(proxy.address()).build()) {
      FaultProxy.Match heartbeat = FaultProxy.Match.put().pathPrefix("/v1/agent/check/pass/");
      FaultProxy.Rule resets = proxy.when(heartbeat).times(3).reset();
      FaultProxy.Rule passes = proxy.when(heartbeat).always().pass();
      long start = System.nanoTime();
      try (ServiceRegistration reg = c.register(Service.builder(name).ttl(Duration.ofSeconds(2)).build())) {
        Await.until(Duration.ofSeconds(30), () -> {
          assertEquals("passing", status(consul.address(), reg.id()), "after " + passes.matched() + " heartbeats");
          return passes.matched() >= 10;
        }, () -> passes.matched() + " heartbeats");
        assertEquals(3, resets.matched());
        assertTrue(Await.millis(start, System.nanoTime()) > 3 * 2000, "ten heartbeats span more than three TTLs");
      }
    }
  }

  @Test
  void markUnhealthyFailsTheCheckWithItsNoteUntilMarkHealthy(TestConsul consul) throws Exception {
    CheckUpdates updates = new CheckUpdates();
    try (Coordinator c = consul.builder().metrics(updates).build();
         ServiceRegistration reg = c.register(Service.builder(unique("overload")).ttl(Duration.ofSeconds(1)).build())) {
      URI agent = consul.address();
      reg.markUnhealthy("overloaded: 950 requests in flight");
      assertEquals("critical", status(agent, reg.id()), "critical once markUnhealthy returns");
      assertEquals("overloaded: 950 requests in flight", output(agent, reg.id()));
      int before = updates.sent.get();
      Await.until(SOON, () -> {
        assertEquals("critical", status(agent, reg.id()), "heartbeats do not turn it green");
        assertEquals("overloaded: 950 requests in flight", output(agent, reg.id()));
        return updates.sent.get() >= before + 5;
      }, () -> "five more heartbeats, sent " + (updates.sent.get() - before));

      reg.markHealthy();
      assertEquals("passing", status(agent, reg.id()), "passing once markHealthy returns");
      int after = updates.sent.get();
      Await.until(SOON, () -> {
        assertEquals("passing", status(agent, reg.id()));
        return updates.sent.get() >= after + 3;
      }, () -> "three more heartbeats");
      assertThrows(IllegalArgumentException.class, () -> reg.markUnhealthy(null));
    }
  }

  /**
   * Heartbeats that stop getting through (the network drops them) let the TTL run out: the check turns
   * critical, the instance leaves the healthy ones, and after {@code deregisterCriticalAfter} (1 minute, Consul's
   * minimum) the agent removes the service. The agent's reaper looks every 30 s (not configurable), so this test
   * takes 60 to 90 s.
   */
  @Test
  void withoutHeartbeatsTheTtlRunsOutAndTheAgentRemovesTheService(TestConsul consul) throws Exception {
    String name = unique("expiring");
    URI agent = consul.address();
    try (FaultProxy proxy = FaultProxy.start(agent);
         Coordinator c = consul.builder().address(proxy.address()).build();
         Coordinator client = consul.builder().build();
         ServiceDiscovery d = client.discovery(name)) {
      ServiceRegistration reg = c.register(Service.builder(name).ttl(Duration.ofSeconds(1))
          .deregisterCriticalAfter(Duration.ofMinutes(1)).build());
      Await.until(SOON, () -> ids(d.healthy()).equals(List.of(reg.id())), () -> "healthy: " + d.healthy());

      proxy.when(FaultProxy.Match.put().pathPrefix("/v1/agent/check/")).always().reset();
      awaitStatus(agent, reg.id(), "critical", SOON);
      long critical = System.nanoTime();
      assertTrue(output(agent, reg.id()).contains("TTL expired"), output(agent, reg.id()));
      Await.until(SOON, () -> d.healthy().isEmpty(), () -> "still healthy: " + d.healthy());

      Await.until(Duration.ofSeconds(100), () -> service(agent, reg.id()).isEmpty(),
          () -> "service " + reg.id() + " still registered, check " + status(agent, reg.id()));
      long removedAfter = Await.millis(critical, System.nanoTime());
      assertTrue(removedAfter > 55_000, "removed " + removedAfter + " ms after turning critical");
      reg.close();
    }
  }

  @Test
  void aListenerSeesInstancesComeAndGoInOrder(TestConsul consul) throws Exception {
    String name = unique("orders");
    try (Coordinator a = consul.builder().build(); Coordinator b = consul.builder().build();
         Coordinator client = consul.builder().build();
         ServiceDiscovery d = client.discovery(name)) {
      Lists lists = new Lists();
      d.addListener(lists.seen::add);
      assertEquals(List.of(), lists.next(), "the current (empty) list first");

      ServiceRegistration one = a.register(Service.builder(name).id(name + "-1").port(1).build());
      assertEquals(List.of(name + "-1"), lists.next());
      ServiceRegistration two = b.register(Service.builder(name).id(name + "-2").port(2).build());
      assertEquals(List.of(name + "-1", name + "-2"), lists.next());
      assertEquals(List.of(name + "-1", name + "-2"), ids(d.healthy()));

      Lists late = new Lists();
      d.addListener(late.seen::add);
      assertEquals(List.of(name + "-1", name + "-2"), late.next(), "a listener added later gets the current list");

      two.markUnhealthy("draining");
      assertEquals(List.of(name + "-1"), lists.next(), "a failing check leaves the healthy ones");
      assertEquals(List.of(name + "-1"), late.next());
      one.close();
      assertEquals(List.of(), lists.next(), "a deregistered instance leaves");
      assertEquals(List.of(), late.next());
      two.markHealthy();
      assertEquals(List.of(name + "-2"), lists.next());
      assertEquals(List.of(name + "-2"), late.next());
      two.close();
      assertEquals(List.of(), lists.next());
      assertEquals(List.of(), late.next());
      assertTrue(lists.seen.isEmpty() && late.seen.isEmpty(), "each change once: " + lists.seen + late.seen);
    }
  }

  @Test
  void instancesAreValuesAndListsAreUnmodifiable() {
    Map<String, String> meta = new HashMap<>(Map.of("zone", "a", "rack", "7"));
    ServiceInstance a = new ServiceInstance("b-1", "billing", "node", "10.0.0.7", 8080, List.of("v2"), meta);
    ServiceInstance b = new ServiceInstance("b-1", "billing", "node", "10.0.0.7", 8080, new ArrayList<>(List.of("v2")),
        Map.of("rack", "7", "zone", "a"));
    meta.put("zone", "b");
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(List.of("rack", "zone"), List.copyOf(a.meta().keySet()), "sorted by key");
    assertThrows(UnsupportedOperationException.class, () -> a.tags().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> a.meta().put("x", "y"));
  }

  @Test
  void aTagFilterShowsOnlyTheTaggedInstancesAndAnEmptyAddressIsTheNodes(TestConsul consul) throws Exception {
    String name = unique("tagged");
    try (Coordinator c = consul.builder().build();
         ServiceRegistration v1 = c.register(Service.builder(name).id(name + "-v1").tags("v1").port(81).build());
         ServiceRegistration v2 = c.register(Service.builder(name).id(name + "-v2").tags("v2", "eu").port(82).build());
         ServiceDiscovery onlyV2 = c.discovery(name, "v2");
         ServiceDiscovery all = c.discovery(name)) {
      assertEquals(List.of(name + "-v2"), ids(onlyV2.healthy()));
      assertEquals(Optional.of("v2"), onlyV2.tag());
      assertEquals(List.of(name + "-v1", name + "-v2"), ids(all.healthy()));
      assertEquals("127.0.0.1", onlyV2.healthy().get(0).address(), "no address of its own: the node's");
      assertEquals(List.of("v2", "eu"), onlyV2.healthy().get(0).tags());

      Lists lists = new Lists();
      onlyV2.addListener(lists.seen::add);
      assertEquals(List.of(name + "-v2"), lists.next());
      v1.markUnhealthy("not v2's business");
      Await.until(SOON, () -> ids(all.healthy()).equals(List.of(name + "-v2")), () -> "all: " + all.healthy());
      v2.markUnhealthy("down");
      assertEquals(List.of(), lists.next(), "v1's change was not v2's: no call for it");
    }
  }

  /**
   * An agent restarted without its data forgets every service registered over HTTP; the next heartbeat finds
   * its check unknown and registers the service again, with the state the application set, and discovery
   * follows the restarted agent.
   *
   * <p>A restarted dev agent's Raft index starts again. When the engine's query saw the outage, it reads once
   * at once after it and takes that read as it stands (a reset); when it did not (it was between two requests),
   * it waits on the old index, which the new agent may not pass for a whole wait (15 s, then reset) — or may
   * reach exactly, so that only the next change shows. Hence one more registration at the end, and a minute.
   */
  @Test
  void afterAnAgentRestartTheServicesAreRegisteredAgain() throws Exception {
    String name = unique("restarted");
    try (ConsulProcess agent = ConsulProcess.start();
         Coordinator c = Coordinator.builder().address(agent.address()).token(null).build();
         ServiceRegistration up = c.register(Service.builder(name).id(name + "-up").ttl(Duration.ofSeconds(1))
             .build());
         ServiceRegistration down = c.register(Service.builder(name).id(name + "-down").ttl(Duration.ofSeconds(1))
             .build());
         ServiceDiscovery d = c.discovery(name)) {
      down.markUnhealthy("maintenance");
      Await.until(SOON, () -> ids(d.healthy()).equals(List.of(name + "-up")), () -> "healthy: " + d.healthy());

      agent.restart();
      URI restarted = agent.address();
      awaitStatus(restarted, up.id(), "passing", SOON);
      Await.until(SOON, () -> status(restarted, down.id()).equals("critical")
          && output(restarted, down.id()).equals("maintenance"),
          () -> "registered again with the app's state: " + check(restarted, down.id()));

      down.markHealthy();
      awaitStatus(restarted, down.id(), "passing", SOON);
      try (ServiceRegistration extra = c.register(Service.builder(name).id(name + "-extra").build())) {
        Await.until(Duration.ofSeconds(60),
            () -> ids(d.healthy()).equals(List.of(name + "-down", name + "-extra", name + "-up")),
            () -> "healthy: " + d.healthy());
      }
    }
  }

  @Test
  void badInputIsRejectedNamingTheFieldAndLeavesNothingBehind(TestConsul consul) throws Exception {
    List<Map.Entry<String, Executable>> cases = new ArrayList<>();
    cases.add(Map.entry("name", () -> Service.builder(null)));
    cases.add(Map.entry("name", () -> Service.builder("")));
    cases.add(Map.entry("name", () -> Service.builder("bil ling")));
    cases.add(Map.entry("name", () -> Service.builder("a/b")));
    cases.add(Map.entry("id", () -> Service.builder("s").id(null)));
    cases.add(Map.entry("id", () -> Service.builder("s").id("")));
    cases.add(Map.entry("id", () -> Service.builder("s").id("a/b")));
    cases.add(Map.entry("id", () -> Service.builder("s").id("a\nb")));
    cases.add(Map.entry("address", () -> Service.builder("s").address(" ")));
    cases.add(Map.entry("port", () -> Service.builder("s").port(-1)));
    cases.add(Map.entry("port", () -> Service.builder("s").port(65536)));
    cases.add(Map.entry("tags", () -> Service.builder("s").tags((String[]) null)));
    cases.add(Map.entry("tags[1]", () -> Service.builder("s").tags("ok", " ")));
    cases.add(Map.entry("tags[0]", () -> Service.builder("s").tags((String) null)));
    cases.add(Map.entry("meta", () -> Service.builder("s").meta(null)));
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("zone", null);
    cases.add(Map.entry("meta value", () -> Service.builder("s").meta(nullValue)));
    Map<String, String> nullKey = new HashMap<>();
    nullKey.put(null, "a");
    cases.add(Map.entry("meta", () -> Service.builder("s").meta(nullKey)));
    cases.add(Map.entry("meta key", () -> Service.builder("s").meta(Map.of("consul-zone", "a"))));
    cases.add(Map.entry("ttl", () -> Service.builder("s").ttl(null)));
    cases.add(Map.entry("ttl", () -> Service.builder("s").ttl(Duration.ofMillis(999))));
    cases.add(Map.entry("ttl", () -> Service.builder("s").ttl(Duration.ofHours(25))));
    cases.add(Map.entry("deregisterCriticalAfter",
        () -> Service.builder("s").deregisterCriticalAfter(Duration.ofSeconds(59))));
    cases.add(Map.entry("deregisterCriticalAfter", () -> Service.builder("s").deregisterCriticalAfter(null)));
    try (Coordinator c = consul.builder().ownerId("has space").build()) {
      cases.add(Map.entry("service", () -> c.register(null)));
      cases.add(Map.entry("id", () -> c.register(Service.builder("s").build())));    // default id "s-has space"
      cases.add(Map.entry("service", () -> c.discovery(null)));
      cases.add(Map.entry("service", () -> c.discovery("a b")));
      cases.add(Map.entry("tag", () -> c.discovery("s", null)));
      cases.add(Map.entry("tag", () -> c.discovery("s", " ")));
      for (Map.Entry<String, Executable> e : cases) {
        String field = e.getKey();
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e.getValue(), field);
        assertTrue(x.getMessage().startsWith(field + " "), "names " + field + ": " + x.getMessage());
      }
      assertEquals(0, c.registeredServices());
      assertFalse(get(consul.address(), "/v1/agent/services").toString().contains("has space"));

      ServiceRegistration reg = c.register(Service.builder(unique("dup")).id(unique("dup")).build());
      assertThrows(IllegalStateException.class, () -> c.register(reg.service()), "an id registered already");
      reg.close();
      c.register(reg.service()).close();                    // free again once closed
      assertEquals(0, c.registeredServices());
    }
  }

  @Test
  void aRegistrationConsulDeniesThrowsItsTypedExceptionAndLeavesNothingBehind() throws Exception {
    try (ConsulProcess agent = ConsulProcess.startWithAcls();
         Coordinator c = Coordinator.builder().address(agent.address()).token(null).build()) {
      Service s = Service.builder("denied").id("denied-1").build();
      ConsulAccessDeniedException e = assertThrows(ConsulAccessDeniedException.class, () -> c.register(s));
      assertEquals(403, e.status());
      assertEquals(0, c.registeredServices());
      assertThrows(ConsulAccessDeniedException.class, () -> c.register(s), "the id is free: the same refusal");
    }
  }

  @Test
  void closingDeregistersAndClosingTheCoordinatorDeregistersTheRest(TestConsul consul) throws Exception {
    String name = unique("closing");
    URI agent = consul.address();
    ServiceRegistration kept;
    try (Coordinator c = consul.builder().build()) {
      ServiceRegistration closed = c.register(Service.builder(name).id(name + "-1").build());
      kept = c.register(Service.builder(name).id(name + "-2").build());
      assertTrue(service(agent, closed.id()).isPresent() && service(agent, kept.id()).isPresent());
      closed.close();
      assertTrue(service(agent, closed.id()).isEmpty(), "deregistered once close returns");
      assertTrue(check(agent, closed.id()).isEmpty(), "with its check");
      closed.close();                                        // idempotent
      assertThrows(IllegalStateException.class, () -> closed.markUnhealthy("late"));
      assertThrows(IllegalStateException.class, closed::markHealthy);
      assertEquals(1, c.registeredServices());
    }
    assertTrue(service(agent, kept.id()).isEmpty(), "closing the Coordinator deregistered it");
    kept.close();
    Coordinator c = consul.builder().build();
    c.close();
    assertThrows(CoordinationException.class, () -> c.register(Service.builder(name).build()));
    assertThrows(CoordinationException.class, () -> c.discovery(name));
  }
}
