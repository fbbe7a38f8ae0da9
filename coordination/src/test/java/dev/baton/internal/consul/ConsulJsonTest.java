package dev.baton.internal.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.internal.consul.ConsulJson.TxnJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
  void booleansAreStrict() {
    assertTrue(ConsulJson.parseBoolean(" true\n"));
    assertThrows(IllegalStateException.class, () -> ConsulJson.parseBoolean("maybe"));
  }
}
