package dev.baton.internal.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulJson.TxnJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** Consul's answers as the transport reads them, without a server. */
class ConsulJsonTest {

  @Test
  void kvEntriesDecodeBase64AndTreatNullAsEmpty() {
    List<KvEntry> entries = ConsulJson.parseEntries("""
        [{"Key":"a","Value":"b25l","Flags":42,"CreateIndex":3,"ModifyIndex":5,"LockIndex":1,"Session":"s1"},
         {"Key":"b","Value":null,"CreateIndex":4,"ModifyIndex":4}]""");
    assertEquals(new KvEntry("a", "one".getBytes(StandardCharsets.UTF_8), 42, 3, 5, 1, "s1"), entries.get(0));
    assertEquals(0, entries.get(1).value().length);
    assertNull(entries.get(1).session());
  }

  @Test
  void sessionTtlIsAGoDurationAndLockDelayNanoseconds() {
    SessionInfo s = ConsulJson.firstSession("""
        [{"ID":"id1","Name":"n","Node":"node","TTL":"15s","LockDelay":3000000000,"Behavior":"release",
          "CreateIndex":9}]""").orElseThrow();
    assertEquals(new SessionInfo("id1", "n", "node", Duration.ofSeconds(15), Duration.ofSeconds(3), "release", 9),
        s);
    assertTrue(ConsulJson.firstSession("[]").isEmpty());
  }

  @Test
  void txnAnswerCarriesTheWrittenEntryOrTheFirstError() {
    byte[] value = {1, 2};
    TxnJson ok = ConsulJson.parse("""
        {"Results":[{"KV":{"Key":"k","Flags":0,"CreateIndex":7,"ModifyIndex":8,"LockIndex":2,"Session":"s"}}],
         "Errors":null}""", TxnJson.class);
    KvEntry written = ConsulJson.txnWritten(200, ok, value);
    assertEquals(new KvEntry("k", value, 0, 7, 8, 2, "s"), written, "the value sent, since Consul omits it");

    String refused = "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"failed to lock key \\\"k\\\"\"}]}";
    TxnJson failed = ConsulJson.parse(refused, TxnJson.class);
    assertNull(ConsulJson.txnWritten(409, failed, value));
    assertEquals("failed to lock key \"k\"", ConsulJson.txnFailure(failed, refused));
    assertEquals("Permission denied", ConsulJson.txnFailure(null, "Permission denied"));
  }

  @Test
  void healthEntriesCarryTheServiceAndItsNodeAndTolerateNulls() {
    List<ServiceEntry> entries = ConsulJson.parseHealth("""
        [{"Node":{"Node":"n1","Address":"10.0.0.1"},
          "Service":{"ID":"b-1","Service":"billing","Tags":["v2"],"Address":"","Port":8080,"Meta":{"zone":"a"}},
          "Checks":[]},
         {"Node":{"Node":"n2","Address":"10.0.0.2"},
          "Service":{"ID":"b-2","Service":"billing","Tags":null,"Address":"10.1.1.1","Port":0,"Meta":null}}]""");
    assertEquals(new ServiceEntry("n1", "10.0.0.1", "b-1", "billing", "", 8080, List.of("v2"), Map.of("zone", "a")),
        entries.get(0));
    assertEquals(new ServiceEntry("n2", "10.0.0.2", "b-2", "billing", "10.1.1.1", 0, List.of(), Map.of()),
        entries.get(1));
    assertEquals(List.of(), ConsulJson.parseHealth("[]"));
  }

  @Test
  void aServiceIsRegisteredWithOneTtlCheck() throws Exception {
    ServiceDefinition d = new ServiceDefinition("b-1", "billing", null, 0, List.of("v2"), Map.of(), "service:b-1",
        Duration.ofSeconds(5), Duration.ofMinutes(1), true);
    Buffer body = new Buffer();
    ConsulJson.serviceBody(d).writeTo(body);
    assertEquals("{\"ID\":\"b-1\",\"Name\":\"billing\",\"Tags\":[\"v2\"],\"Check\":{\"CheckID\":\"service:b-1\","
        + "\"Name\":\"Baton heartbeat\",\"Notes\":\"A TTL check the registering process passes every TTL/3 while "
        + "it runs\",\"TTL\":\"5000ms\",\"Status\":\"passing\",\"DeregisterCriticalServiceAfter\":\"60000ms\"}}",
        body.readUtf8(), "no address, port or meta when there is none");
    body.clear();
    ConsulJson.serviceBody(d.withPassing(false)).writeTo(body);
    assertTrue(body.readUtf8().contains("\"Status\":\"critical\""));
  }

  @Test
  void booleansAreStrict() {
    assertTrue(ConsulJson.parseBoolean(" true\n"));
    assertThrows(IllegalStateException.class, () -> ConsulJson.parseBoolean("maybe"));
  }

  @Test
  void flagsAreUint64BothWays() throws Exception {
    long goSemaphore = 0xe0f69a2baa414de0L;            // above Long.MAX_VALUE as a uint64
    KvEntry e = ConsulJson.parseEntries("""
        [{"Key":"p/.lock","Value":null,"Flags":16210313421097356768,"CreateIndex":3,"ModifyIndex":5}]""").get(0);
    assertEquals(goSemaphore, e.flags());
    Buffer body = new Buffer();
    ConsulJson.txnBody(List.of(KvOp.cas("k", new byte[] {1, 2, 3}, goSemaphore, 9), KvOp.deleteCas("d", 4)))
        .writeTo(body);
    assertEquals("[{\"KV\":{\"Verb\":\"cas\",\"Key\":\"k\",\"Value\":\"AQID\",\"Flags\":16210313421097356768,"
        + "\"Index\":9}},{\"KV\":{\"Verb\":\"delete-cas\",\"Key\":\"d\",\"Index\":4}}]", body.readUtf8());
  }

  @Test
  void multiOperationTxnAnswersTheWrittenEntriesInOrder() {
    List<KvOp> ops = List.of(KvOp.cas("a", new byte[] {1}, 0, 0), KvOp.deleteCas("gone", 3),
        KvOp.cas("b", new byte[] {2}, 7, 4));
    TxnJson ok = ConsulJson.parse("""
        {"Results":[{"KV":{"Key":"a","Flags":0,"CreateIndex":9,"ModifyIndex":9}},
                    {"KV":{"Key":"b","Flags":7,"CreateIndex":4,"ModifyIndex":9,"Session":"s"}}],"Errors":null}""",
        TxnJson.class);
    List<KvEntry> written = ConsulJson.txnWrittenAll(200, ok, ops);
    assertEquals(List.of(new KvEntry("a", new byte[] {1}, 0, 9, 9, 0, null),
        new KvEntry("b", new byte[] {2}, 7, 4, 9, 0, "s")), written, "deletions answer nothing");
    TxnJson stale = ConsulJson.parse("""
        {"Results":null,"Errors":[{"OpIndex":2,"What":"failed to set key \\"b\\", index is stale"}]}""",
        TxnJson.class);
    assertNull(ConsulJson.txnWrittenAll(409, stale, ops));
  }
}
