package dev.baton.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.baton.LeaderInfo;
import dev.baton.LockHolder;
import dev.baton.internal.consul.KvEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The value Baton writes into every key it holds (locks, election keys, semaphore contender keys): who holds
 * it. {@code candidateId} and {@code metadata} only for elections; {@code seq} makes every acquisition's value
 * differ, since Consul skips a write that changes nothing and its index would not grow.
 */
record HolderValue(String ownerId, String host, long acquiredAt, String session, String candidateId,
    Map<String, String> metadata, long seq) {

  private static final Gson GSON = new Gson();
  /** This host's name. */
  static final String HOST = hostName();
  /** Acquisitions by this JVM. */
  private static final AtomicLong SEQUENCE = new AtomicLong();

  /** A fresh value for an acquisition now by {@code ownerId} with {@code session} (may be null). */
  static byte[] encode(String ownerId, String session, String candidateId, Map<String, String> metadata) {
    HolderValue v = new HolderValue(ownerId, HOST, System.currentTimeMillis(), session, candidateId, metadata,
        SEQUENCE.incrementAndGet());
    return GSON.toJson(v).getBytes(StandardCharsets.UTF_8);
  }

  static LockHolder holderOf(KvEntry entry) {
    HolderValue v = parse(entry);
    if (v == null || v.ownerId() == null) {
      return new LockHolder("unknown", "unknown", null, entry.session(), entry.modifyIndex());
    }
    return new LockHolder(v.ownerId(), v.host(), Instant.ofEpochMilli(v.acquiredAt()), entry.session(),
        entry.modifyIndex());
  }

  static LeaderInfo leaderOf(KvEntry entry) {
    HolderValue v = parse(entry);
    if (v == null || v.ownerId() == null) {
      return new LeaderInfo("unknown", entry.modifyIndex(), "unknown", "unknown", null, Map.of());
    }
    return new LeaderInfo(v.candidateId() == null ? v.ownerId() : v.candidateId(), entry.modifyIndex(),
        v.ownerId(), v.host(), Instant.ofEpochMilli(v.acquiredAt()),
        v.metadata() == null ? Map.of() : Map.copyOf(v.metadata()));
  }

  private static HolderValue parse(KvEntry entry) {
    try {
      return GSON.fromJson(entry.valueUtf8(), HolderValue.class);
    } catch (JsonParseException e) {
      return null;          // held by something that is not Baton (consul lock, a script)
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
