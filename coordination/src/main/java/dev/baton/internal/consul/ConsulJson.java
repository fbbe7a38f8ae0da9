package dev.baton.internal.consul;

import com.google.gson.Gson;
import com.google.gson.annotations.SerializedName;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.RequestBody;

/**
 * The JSON Consul's API speaks, both ways: request bodies (session create, one-operation {@code /v1/txn},
 * service registration) and the answers (KV entries with base64 values, sessions, txn results and errors, ids,
 * plain booleans, health entries of a service). Gson's
 * {@code *Json} classes mirror Consul's field names and never leave this package.
 */
final class ConsulJson {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final Gson GSON = new Gson();

  private ConsulJson() {}

  // ------------------------------------------------------------------------------------------ requests

  /** An empty body for PUTs that carry nothing (session renew, destroy). */
  static RequestBody empty() {
    return RequestBody.create(new byte[0], JSON);
  }

  /** The body of {@code PUT /v1/session/create}. */
  /** Any map or list as a JSON body. */
  static RequestBody json(Object value) {
    return RequestBody.create(GSON.toJson(value), JSON);
  }

  static RequestBody sessionBody(SessionSpec spec) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("Name", spec.name());
    json.put("TTL", GoDuration.format(spec.ttl()));
    json.put("LockDelay", GoDuration.format(spec.lockDelay()));
    json.put("Behavior", spec.deleteOnInvalidate() ? "delete" : "release");
    if (spec.checks() != null) json.put("Checks", spec.checks());
    return RequestBody.create(GSON.toJson(json), JSON);
  }

  /** A one-operation {@code /v1/txn} body: KV {@code verb} on {@code key} with {@code value} and one more field. */
  static RequestBody txnBody(String verb, String key, byte[] value, String field, Object fieldValue) {
    Map<String, Object> kv = new LinkedHashMap<>();
    kv.put("Verb", verb);
    kv.put("Key", key);
    kv.put("Value", Base64.getEncoder().encodeToString(value == null ? new byte[0] : value));
    kv.put(field, fieldValue);
    return RequestBody.create(GSON.toJson(List.of(Map.of("KV", kv))), JSON);
  }

  /**
   * The body of a lock transaction tied to the key's state: {@code check-index} at {@code expected} (a
   * ModifyIndex), or {@code check-not-exists} when {@code expected} is 0, or no check when it is negative; then
   * {@code lock} by {@code session} with {@code value} and {@code flags}.
   */
  static RequestBody lockTxnBody(String key, byte[] value, long flags, String session, long expected) {
    List<Map<String, Object>> ops = new ArrayList<>(2);
    if (expected == 0) ops.add(kv("check-not-exists", key, null, null, null, null));
    if (expected > 0) ops.add(kv("check-index", key, null, null, null, expected));
    ops.add(kv("lock", key, value == null ? new byte[0] : value, flags, session, null));
    return RequestBody.create(GSON.toJson(ops), JSON);
  }

  /**
   * The body of an index-tied release: {@code check-index} on {@code key} at {@code index}, then {@code unlock}
   * by {@code session} (the value becomes empty, as with {@code ?release=} without a body; the flags become
   * {@code flags}: Consul writes the operation's).
   */
  static RequestBody unlockTxnBody(String key, long flags, String session, long index) {
    return RequestBody.create(GSON.toJson(List.of(
        kv("check-index", key, null, null, null, index),
        kv("unlock", key, null, flags, session, null))), JSON);
  }

  /**
   * The body of a wait announcement: {@code check-index} on the lock key at {@code lockIndex} (the state the
   * waiter was refused in), {@code check-not-exists} on the fresh {@code entryKey}, then {@code lock} of it by
   * {@code session} with {@code value}. A copy that lands after the lock key moved on changes nothing.
   */
  static RequestBody announceTxnBody(String lockKey, long lockIndex, String entryKey, byte[] value,
      String session) {
    return RequestBody.create(GSON.toJson(List.of(
        kv("check-index", lockKey, null, null, null, lockIndex),
        kv("check-not-exists", entryKey, null, null, null, null),
        kv("lock", entryKey, value, 0L, session, null))), JSON);
  }

  /**
   * The body of a hand-over: {@code check-index} on {@code key} at {@code token} (the releasing hold's write),
   * {@code unlock} by {@code from}, {@code lock} by {@code to} with {@code value}, and {@code check-index} on
   * the waiter's announcement {@code entryKey} at {@code entryIndex}: the key moves from one hold to the next
   * in one Raft commit, or nothing happens.
   */
  static RequestBody handOverTxnBody(String key, long flags, String from, long token, String to, byte[] value,
      String entryKey, long entryIndex) {
    return RequestBody.create(GSON.toJson(List.of(
        kv("check-index", key, null, null, null, token),
        kv("unlock", key, null, flags, from, null),
        kv("lock", key, value, flags, to, null),
        kv("check-index", entryKey, null, null, null, entryIndex))), JSON);
  }

  private static Map<String, Object> kv(String verb, String key, byte[] value, Long flags, String session,
      Long index) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("Verb", verb);
    op.put("Key", key);
    if (value != null) op.put("Value", Base64.getEncoder().encodeToString(value));
    if (flags != null) op.put("Flags", new BigInteger(Long.toUnsignedString(flags)));   // a uint64
    if (session != null) op.put("Session", session);
    if (index != null) op.put("Index", index);
    return Map.of("KV", op);
  }

  /** The body of {@code PUT /v1/agent/service/register}: the service with its one TTL check. */
  static RequestBody serviceBody(ServiceDefinition s) {
    Map<String, Object> check = new LinkedHashMap<>();
    check.put("CheckID", s.checkId());
    check.put("Name", "Baton heartbeat");
    check.put("Notes", "A TTL check the registering process passes every TTL/3 while it runs");
    check.put("TTL", GoDuration.format(s.ttl()));
    check.put("Status", s.passing() ? "passing" : "critical");
    if (s.deregisterCriticalAfter() != null) {
      check.put("DeregisterCriticalServiceAfter", GoDuration.format(s.deregisterCriticalAfter()));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("ID", s.id());
    json.put("Name", s.name());
    if (!s.tags().isEmpty()) json.put("Tags", s.tags());
    if (s.address() != null) json.put("Address", s.address());
    if (s.port() > 0) json.put("Port", s.port());
    if (!s.meta().isEmpty()) json.put("Meta", s.meta());
    json.put("Check", check);
    return RequestBody.create(GSON.toJson(json), JSON);
  }

  /** A {@code /v1/txn} body of several KV operations, in order. */
  static RequestBody txnBody(List<KvOp> ops) {
    List<Map<String, Object>> body = new ArrayList<>(ops.size());
    for (KvOp op : ops) {
      Map<String, Object> kv = new LinkedHashMap<>();
      kv.put("Verb", op.verb());
      kv.put("Key", op.key());
      if (op.writes()) {
        kv.put("Value", Base64.getEncoder().encodeToString(op.value()));
        kv.put("Flags", new BigInteger(Long.toUnsignedString(op.flags())));   // a uint64
      }
      kv.put("Index", op.index());
      body.add(Map.of("KV", kv));
    }
    return RequestBody.create(GSON.toJson(body), JSON);
  }

  // ------------------------------------------------------------------------------------------- answers

  static <T> T parse(String body, Class<T> type) {
    return GSON.fromJson(body, type);
  }

  /** Consul's {@code true} / {@code false} answer to writes. */
  static boolean parseBoolean(String body) {
    String b = body.trim();
    if (b.equals("true")) return true;
    if (b.equals("false")) return false;
    throw new IllegalStateException("expected true or false, got: " + b);
  }

  /** The {@code ID} of a created session. */
  static String parseId(String body) {
    IdJson id = parse(body, IdJson.class);
    if (id == null || id.id == null) throw new IllegalStateException("no ID in answer: " + body);
    return id.id;
  }

  /** A JSON string answer ({@code ""} for none). */
  static String parseString(String body) {
    String s = parse(body, String.class);
    return s == null ? "" : s;
  }

  /** The entries of a KV read, values decoded from base64. */
  static List<KvEntry> parseEntries(String body) {
    KvJson[] raw = parse(body, KvJson[].class);
    List<KvEntry> out = new ArrayList<>(raw == null ? 0 : raw.length);
    if (raw != null) {
      for (KvJson j : raw) {
        byte[] value = j.value == null ? new byte[0] : Base64.getDecoder().decode(j.value);
        out.add(new KvEntry(j.key, value, j.flags(), j.createIndex, j.modifyIndex, j.lockIndex, j.session));
      }
    }
    return out;
  }

  /** The instances of a {@code /v1/health/service/<name>} answer. */
  static List<ServiceEntry> parseHealth(String body) {
    HealthJson[] raw = parse(body, HealthJson[].class);
    List<ServiceEntry> out = new ArrayList<>(raw == null ? 0 : raw.length);
    if (raw == null) return out;
    for (HealthJson h : raw) {
      if (h == null || h.service == null) continue;
      ServiceJson s = h.service;
      String node = h.node == null ? "" : nullToEmpty(h.node.node);
      String nodeAddress = h.node == null ? "" : nullToEmpty(h.node.address);
      out.add(new ServiceEntry(node, nodeAddress, nullToEmpty(s.id), nullToEmpty(s.service), nullToEmpty(s.address),
          s.port, noNulls(s.tags), noNulls(s.meta)));
    }
    return out;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static List<String> noNulls(List<String> list) {
    return list == null ? List.of() : list.stream().filter(java.util.Objects::nonNull).toList();
  }

  private static Map<String, String> noNulls(Map<String, String> map) {
    Map<String, String> out = new LinkedHashMap<>();
    if (map != null) map.forEach((k, v) -> {
      if (k != null && v != null) out.put(k, v);
    });
    return Collections.unmodifiableMap(out);
  }

  static <T> Optional<T> first(List<T> list) {
    return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
  }

  /** The first session of a session read or renew answer. */
  static Optional<SessionInfo> firstSession(String body) {
    SessionJson[] raw = parse(body, SessionJson[].class);
    if (raw == null || raw.length == 0) return Optional.empty();
    SessionJson s = raw[0];
    return Optional.of(new SessionInfo(s.id, s.name, s.node, GoDuration.parse(s.ttl),
        Duration.ofNanos(s.lockDelay), s.behavior, s.createIndex));
  }

  /**
   * The entry a one-operation txn wrote (carrying {@code value}: Consul's answer omits it), or null when the
   * operation failed (status other than 200, or no result).
   */
  static KvEntry txnWritten(int code, TxnJson txn, byte[] value) {
    if (code != 200 || txn == null || txn.results == null || txn.results.isEmpty()) return null;
    KvJson e = txn.results.get(txn.results.size() - 1).kv;       // the last operation's: checks come first
    return new KvEntry(e.key, value, e.flags(), e.createIndex, e.modifyIndex, e.lockIndex, e.session);
  }

  /**
   * The entry of {@code key} as the last of a txn's results that names it (carrying {@code value}: Consul's
   * answer omits it), or null when the transaction failed.
   */
  static KvEntry txnEntryOf(int code, TxnJson txn, String key, byte[] value) {
    if (code != 200 || txn == null || txn.results == null) return null;
    for (int i = txn.results.size() - 1; i >= 0; i--) {
      KvJson e = txn.results.get(i).kv;
      if (e != null && key.equals(e.key)) {
        return new KvEntry(e.key, value, e.flags(), e.createIndex, e.modifyIndex, e.lockIndex, e.session);
      }
    }
    return null;
  }

  /**
   * The entries a multi-operation txn wrote, in operation order (each carrying its operation's value: Consul's
   * answer omits it; deletions answer nothing), or null when the transaction failed.
   */
  static List<KvEntry> txnWrittenAll(int code, TxnJson txn, List<KvOp> ops) {
    if (code != 200 || txn == null || txn.results == null) return null;
    List<KvEntry> out = new ArrayList<>();
    int r = 0;
    for (KvOp op : ops) {
      if (!op.writes()) continue;
      if (r >= txn.results.size()) return null;
      KvJson e = txn.results.get(r++).kv;
      out.add(new KvEntry(e.key, op.value(), e.flags(), e.createIndex, e.modifyIndex, e.lockIndex, e.session));
    }
    return out;
  }

  /** True when the ACL system denied the txn (Consul 1.8: 409, {@code Permission denied} in its errors). */
  static boolean txnDenied(TxnJson txn) {
    if (txn == null || txn.errors == null) return false;
    for (TxnErrorJson e : txn.errors) {
      if (e != null && e.what != null && e.what.toLowerCase(Locale.ROOT).contains("permission denied")) return true;
    }
    return false;
  }

  /** True when the txn failed in its operation {@code op} (e.g. the state check that comes first). */
  static boolean txnFailedAt(TxnJson txn, int op) {
    if (txn == null || txn.errors == null) return false;
    for (TxnErrorJson e : txn.errors) {
      if (e != null && e.opIndex == op) return true;
    }
    return false;
  }

  /** Why a txn failed: its first error, or the whole answer when it names none. */
  static String txnFailure(TxnJson txn, String body) {
    return txn == null || txn.errors == null || txn.errors.isEmpty() ? body : txn.errors.get(0).what;
  }

  // --------------------------------------------------------------------------------------- Gson types

  private static final class KvJson {
    @SerializedName("Key") String key;
    @SerializedName("Value") String value;
    /** A uint64 (Consul's Go semaphore and lock use values above {@link Long#MAX_VALUE}). */
    @SerializedName("Flags") BigInteger flags;
    @SerializedName("CreateIndex") long createIndex;
    @SerializedName("ModifyIndex") long modifyIndex;
    @SerializedName("LockIndex") long lockIndex;
    @SerializedName("Session") String session;

    /** The flags' 64 bits as a long (unsigned: compare with {@link Long#compareUnsigned}). */
    long flags() {
      return flags == null ? 0 : flags.longValue();
    }
  }

  private static final class SessionJson {
    @SerializedName("ID") String id;
    @SerializedName("Name") String name;
    @SerializedName("Node") String node;
    @SerializedName("TTL") String ttl;
    @SerializedName("LockDelay") long lockDelay;
    @SerializedName("Behavior") String behavior;
    @SerializedName("CreateIndex") long createIndex;
  }

  static final class TxnJson {
    @SerializedName("Results") List<TxnResultJson> results;
    @SerializedName("Errors") List<TxnErrorJson> errors;
  }

  private static final class TxnResultJson {
    @SerializedName("KV") KvJson kv;
  }

  private static final class TxnErrorJson {
    @SerializedName("OpIndex") int opIndex;
    @SerializedName("What") String what;
  }

  private static final class HealthJson {
    @SerializedName("Node") NodeJson node;
    @SerializedName("Service") ServiceJson service;
  }

  private static final class NodeJson {
    @SerializedName("Node") String node;
    @SerializedName("Address") String address;
  }

  private static final class ServiceJson {
    @SerializedName("ID") String id;
    @SerializedName("Service") String service;
    @SerializedName("Tags") List<String> tags;
    @SerializedName("Address") String address;
    @SerializedName("Port") int port;
    @SerializedName("Meta") Map<String, String> meta;
  }

  private static final class IdJson {
    @SerializedName("ID") String id;
  }
}
