package dev.baton.internal.consul;

import static dev.baton.internal.consul.ConsulHttp.Repeat.ONLY_IF_NOT_SENT;
import static dev.baton.internal.consul.ConsulHttp.Repeat.SAFE;
import static dev.baton.internal.consul.ConsulJson.first;
import static dev.baton.internal.consul.ConsulJson.firstSession;
import static dev.baton.internal.consul.ConsulJson.parseBoolean;
import static dev.baton.internal.consul.ConsulJson.parseEntries;

import dev.baton.ConsulAccessDeniedException;
import dev.baton.ConsulNotFoundException;
import dev.baton.ConsulRequestRejectedException;
import dev.baton.ConsulSessionInvalidException;
import dev.baton.internal.consul.ConsulJson.TxnJson;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.RequestBody;

/**
 * The Consul API endpoints Baton uses (KV, txn, sessions, agent services and checks, health, status), each a
 * thin method over one HTTP call
 * ({@link ConsulHttp}) with its JSON ({@link ConsulJson}); the only code in Baton that does I/O.
 *
 * <p>Every call runs through a retry policy (exponential backoff with jitter, an overall deadline per
 * operation). What is retried depends on whether repeating the call is safe:
 * <ul>
 *   <li>reads, session renew/destroy, plain writes, acquire/release by the same session, index-tied unlocks,
 *       service register/deregister, check pass/fail: retried on I/O errors, 5xx and 429;</li>
 *   <li>the lock transaction: retried likewise, each attempt with a fresh value, and every attempt whose
 *       outcome is unknown handed to the caller (it may land later: see {@link #kvLock});</li>
 *   <li>check-and-set writes and session create: retried only when the request provably never left this
 *       process (connection refused); otherwise the caller re-reads.</li>
 * </ul>
 * 403 ({@link ConsulAccessDeniedException}) and 400 ({@link ConsulRequestRejectedException}) are never
 * retried; a transaction that Consul denies answers 409 with {@code Permission denied} in its errors, which is
 * a {@link ConsulAccessDeniedException} too, never a refusal or contention. All calls are interruptible: an
 * interrupt cancels the HTTP call and throws {@link InterruptedException}. The ACL token travels in the
 * {@code X-Consul-Token} header only.
 */
public final class ConsulTransport implements AutoCloseable {
  private static final MediaType BYTES = MediaType.get("application/octet-stream");
  /** Consul caps {@code wait} at 10 minutes. */
  public static final Duration MAX_WAIT = ConsulHttp.MAX_WAIT;

  private final TransportSettings settings;
  private final ConsulHttp http;

  /** A transport that observes nothing. */
  public ConsulTransport(TransportSettings settings) {
    this(settings, CallObserver.NONE);
  }

  public ConsulTransport(TransportSettings settings, CallObserver observer) {
    this.settings = settings;
    this.http = new ConsulHttp(settings, observer);
  }

  public TransportSettings settings() {
    return settings;
  }

  /** Open HTTP connections to Consul, idle or in use (blocking queries share the pool). */
  public int openConnections() {
    return http.openConnections();
  }

  // ---------------------------------------------------------------------------------------------- KV

  /** Reads one key now (the configured consistency mode); empty when it does not exist. */
  public Optional<KvEntry> kvGet(String key) throws InterruptedException {
    HttpUrl url = http.consistency(http.kvUrl(key)).build();
    return http.call("GET", url, null, SAFE, 404, (code, body, index) ->
        code == 404 ? Optional.<KvEntry>empty() : first(parseEntries(body)));
  }

  /**
   * Blocking read of one key: returns when its index passes {@code index} or after about {@code wait}.
   * {@code index} 0 answers at once (a short call). Default consistency always (never stale for waits).
   */
  public QueryResult<Optional<KvEntry>> kvGet(String key, long index, Duration wait)
      throws InterruptedException {
    QueryResult<List<KvEntry>> r = kvRead(key, false, null, index, wait);
    return new QueryResult<>(first(r.value()), r.index());
  }

  /**
   * Reads {@code path} (one key, or with {@code recurse} every key that starts with it) in consistency mode
   * {@code consistency} (null: Consul's default; {@code consistent}; {@code stale}): at once when
   * {@code index} is 0 (a short call), otherwise as a blocking query that returns when the index passes
   * {@code index} or after about {@code wait}. Blocking queries are not counted against a lane here: the
   * watch engine counts them.
   */
  public QueryResult<List<KvEntry>> kvRead(String path, boolean recurse, String consistency, long index,
      Duration wait) throws InterruptedException {
    return kvRead(path, recurse, consistency, index, wait, false);
  }

  /**
   * {@link #kvRead(String, boolean, String, long, Duration)} for the watch engine: a blocking query is sent once
   * and any failure thrown (the engine backs off and reads afresh after an outage).
   */
  public QueryResult<List<KvEntry>> kvWatch(String path, boolean recurse, String consistency, long index,
      Duration wait) throws InterruptedException {
    return kvRead(path, recurse, consistency, index, wait, true);
  }

  private QueryResult<List<KvEntry>> kvRead(String path, boolean recurse, String consistency, long index,
      Duration wait, boolean once) throws InterruptedException {
    HttpUrl.Builder b = http.kvUrl(path);
    if (recurse) b.addQueryParameter("recurse", null);
    if (consistency != null) b.addQueryParameter(consistency, null);
    ConsulHttp.Reader<QueryResult<List<KvEntry>>> reader = (code, body, idx) -> new QueryResult<>(
        code == 404 ? List.<KvEntry>of() : parseEntries(body), idx);
    if (index == 0) return http.call("GET", b.build(), null, SAFE, 404, reader);
    return http.blockingGet(ConsulHttp.blocking(b, index, wait).build(), wait, once, reader);
  }

    /**
   * Every key under {@code prefix}, read at once from whichever server answers ({@code ?stale}: may lag the
   * leader by a little; for hints that Consul checks when they are used).
   */
  public List<KvEntry> kvListStale(String prefix) throws InterruptedException {
    return kvRead(prefix, true, "stale", 0, Duration.ZERO).value();
  }

/** Lists every entry under {@code prefix} now; empty list when there is none. */
  public List<KvEntry> kvList(String prefix) throws InterruptedException {
    HttpUrl url = http.consistency(http.kvUrl(prefix).addQueryParameter("recurse", null)).build();
    return http.call("GET", url, null, SAFE, 404, (code, body, index) ->
        code == 404 ? List.<KvEntry>of() : parseEntries(body));
  }

  /** Blocking list of a prefix (see {@link #kvGet(String, long, Duration)}). */
  public QueryResult<List<KvEntry>> kvList(String prefix, long index, Duration wait)
      throws InterruptedException {
    return kvRead(prefix, true, null, index, wait);
  }

  /**
   * PUT a key. Answers Consul's verdict: false when a check-and-set index did not match, or an acquire found
   * the key held by another session (or under lock-delay), or a release was not by the holder. Check-and-set
   * and acquire writes are repeated only when the request provably never left ({@link KvWrite}): when such a
   * write throws, it may still apply, now or later, and the caller must treat it as possibly applied.
   */
  public boolean kvPut(String key, byte[] value, KvWrite write) throws InterruptedException {
    HttpUrl.Builder u = http.kvUrl(key);
    if (write.cas() != null) u.addQueryParameter("cas", Long.toString(write.cas()));
    if (write.acquire() != null) u.addQueryParameter("acquire", write.acquire());
    if (write.release() != null) u.addQueryParameter("release", write.release());
    if (write.flags() != null) u.addQueryParameter("flags", Long.toUnsignedString(write.flags()));
    RequestBody body = RequestBody.create(value == null ? new byte[0] : value, BYTES);
    return http.call("PUT", u.build(), body, write.repeatable() ? SAFE : ONLY_IF_NOT_SENT, 0,
        (code, b, index) -> parseBoolean(b));
  }

  /** {@code expected} of {@link #kvLock(String, long, String, long, Supplier, Consumer)}: no check of the key. */
  public static final long ANY_STATE = -1;

  /** {@link #kvLock(String, long, String, long, Supplier, Consumer)}: Flags 0, no check of the key's state. */
  public LockAttempt kvLock(String key, String session, Supplier<byte[]> values, Consumer<byte[]> unknown)
      throws InterruptedException {
    return kvLock(key, 0, session, ANY_STATE, values, unknown);
  }

  /**
   * Acquires {@code key} for {@code session} with a transaction ({@code PUT /v1/txn}, KV verb {@code lock}):
   * unlike {@code PUT ?acquire}, the answer carries the entry's new ModifyIndex, the fencing token, in the
   * same round trip. The lock is tied to the state of the key it was decided on: {@code expected} is the
   * key's ModifyIndex (checked with {@code check-index}), or 0 when the key must not exist
   * ({@code check-not-exists}), or {@link #ANY_STATE}. So a copy of the request that lands late (a duplicate, a
   * retransmission, a transport retry) finds the key moved on — by this very write if it succeeded — and
   * changes nothing; the answer says {@link LockAttempt#stale()} then.
   *
   * <p>Retried like a safe call (a session may re-acquire what it holds), but every attempt writes a fresh
   * value from {@code values}, and every attempt whose outcome is unknown (sent; the answer lost, timed out or
   * interrupted) is handed to {@code unknown} with its value before the call is retried or gives up: such an
   * attempt may still land, and only its value tells its write apart from the others. The answer is that of
   * the last attempt.
   *
   * @param flags the Flags the key gets (Consul writes the operation's; 0 for Baton's own locks)
   * @param values a fresh value per attempt (never the same twice: Consul skips a write that changes nothing)
   * @param unknown told the value of each attempt that may or may not have taken effect (on the calling thread)
   * @throws ConsulSessionInvalidException when the session no longer exists
   * @throws ConsulAccessDeniedException when the token may not write the key (Consul's 409 Permission denied)
   */
  public LockAttempt kvLock(String key, long flags, String session, long expected, Supplier<byte[]> values,
      Consumer<byte[]> unknown) throws InterruptedException {
    HttpUrl url = http.url("v1", "txn").build();
    String where = url.encodedPath();
    byte[][] sent = new byte[1][];
    ConsulHttp.Attempts attempts = new ConsulHttp.Attempts() {
      @Override
      public RequestBody next() {
        sent[0] = values.get();
        return ConsulJson.lockTxnBody(key, sent[0], flags, session, expected);
      }

      @Override
      public void unknown() {
        unknown.accept(sent[0]);
      }
    };
    return http.callEachAttempt("PUT", url, attempts, SAFE, 409,
        (code, b, index) -> lockAnswer(code, b, where, sent[0], expected >= 0));
  }

  /**
   * Creates {@code key} held by {@code session} with {@code value}, only if it does not exist: a transaction
   * of {@code check-not-exists} and {@code lock}. A copy that lands after the key was deleted again changes
   * nothing as long as the key is never reused. Not repeated blindly (it may have landed: the caller treats it
   * as possibly written). Answers the written entry, or empty when the key exists.
   *
   * @throws ConsulSessionInvalidException when the session no longer exists
   * @throws ConsulAccessDeniedException when the token may not write the key
   */
  public Optional<KvEntry> kvCreateHeld(String key, byte[] value, String session) throws InterruptedException {
    HttpUrl url = http.url("v1", "txn").build();
    RequestBody body = ConsulJson.lockTxnBody(key, value, 0, session, 0);
    LockAttempt a = http.call("PUT", url, body, ONLY_IF_NOT_SENT, 409,
        (code, b, index) -> lockAnswer(code, b, url.encodedPath(), value, true));
    if (a.acquired()) return Optional.of(a.entry());
    if (a.stale()) return Optional.empty();
    throw new ConsulRequestRejectedException("PUT", url.encodedPath(), 409, a.failure());
  }

  /**
   * Announces a waiter of {@code lockKey}: creates the fresh {@code entryKey} held by {@code session} with
   * {@code value}, only while the lock key is still at {@code lockIndex} (the state the waiter was refused in)
   * and the entry does not exist. A copy that lands later finds the lock key moved on (or the entry there) and
   * changes nothing. Not repeated blindly (the caller treats an unknown outcome as possibly written). Answers
   * the entry, or empty when the lock key moved on or the entry exists.
   *
   * @throws ConsulSessionInvalidException when the session no longer exists
   * @throws ConsulAccessDeniedException when the token may not write the entry
   */
  public Optional<KvEntry> kvAnnounce(String lockKey, long lockIndex, String entryKey, byte[] value,
      String session) throws InterruptedException {
    HttpUrl url = http.url("v1", "txn").build();
    String where = url.encodedPath();
    RequestBody body = ConsulJson.announceTxnBody(lockKey, lockIndex, entryKey, value, session);
    return http.call("PUT", url, body, ONLY_IF_NOT_SENT, 409, (code, b, i) -> {
      TxnJson txn = txnAnswer(code, b, where);
      KvEntry written = ConsulJson.txnEntryOf(code, txn, entryKey, value);
      if (written != null) return Optional.of(written);
      String what = ConsulJson.txnFailure(txn, b);
      if (what != null && what.toLowerCase(Locale.ROOT).contains("invalid session")) {
        throw new ConsulSessionInvalidException("PUT", where, code, what);
      }
      return Optional.<KvEntry>empty();
    });
  }

  /**
   * Hands {@code key} from the hold of {@code from} written at {@code token} to the waiter {@code to}, whose
   * announcement {@code entryKey} is still at {@code entryIndex}, in one transaction (one Raft commit):
   * {@code check-index} on the key, {@code unlock} by {@code from}, {@code lock} by {@code to} with
   * {@code value} (the announcement's), {@code check-index} on the announcement. Answers the key's new
   * ModifyIndex (the next hold's fencing token), or 0 when nothing happened (the hold moved on, the waiter's
   * session is gone, the announcement changed). Safe to repeat: once it took effect the key's index has moved.
   *
   * @throws ConsulAccessDeniedException when the token may not write the key
   */
  public long kvHandOver(String key, long flags, String from, long token, String to, byte[] value,
      String entryKey, long entryIndex) throws InterruptedException {
    HttpUrl url = http.url("v1", "txn").build();
    String where = url.encodedPath();
    RequestBody body = ConsulJson.handOverTxnBody(key, flags, from, token, to, value, entryKey, entryIndex);
    return http.call("PUT", url, body, SAFE, 409, (code, b, i) -> {
      KvEntry e = ConsulJson.txnEntryOf(code, txnAnswer(code, b, where), key, value);   // a denial throws
      return e == null || !to.equals(e.session()) ? 0L : e.modifyIndex();
    });
  }

  private static LockAttempt lockAnswer(int code, String body, String where, byte[] value, boolean checked) {
    TxnJson txn = txnAnswer(code, body, where);
    KvEntry written = ConsulJson.txnWritten(code, txn, value);
    if (written != null) return new LockAttempt(written, null, false);
    String what = ConsulJson.txnFailure(txn, body);
    if (what != null && what.toLowerCase(Locale.ROOT).contains("invalid session")) {
      throw new ConsulSessionInvalidException("PUT", where, code, what);
    }
    return new LockAttempt(null, what, checked && ConsulJson.txnFailedAt(txn, 0));
  }

  /**
   * Releases {@code key} held by {@code session} only if its ModifyIndex is still {@code index} — the write of
   * one particular hold (its fencing token): a transaction of {@code check-index} and {@code unlock}. A late,
   * duplicated or retried release therefore never frees a later hold, also not one of the same session.
   * Answers the key's new ModifyIndex, or 0 when nothing was released: the key changed since that write
   * (released already, taken over, written again, deleted) or is not held by {@code session}. Safe to repeat:
   * once it took effect, the index has moved and a repetition changes nothing.
   *
   * @throws ConsulAccessDeniedException when the token may not write the key
   */
  public long kvUnlock(String key, String session, long index) throws InterruptedException {
    return kvUnlock(key, 0, session, index);
  }

  /** {@link #kvUnlock(String, String, long)} leaving the key with {@code flags} (Consul writes the operation's). */
  public long kvUnlock(String key, long flags, String session, long index) throws InterruptedException {
    HttpUrl url = http.url("v1", "txn").build();
    String where = url.encodedPath();
    RequestBody body = ConsulJson.unlockTxnBody(key, flags, session, index);
    return http.call("PUT", url, body, SAFE, 409, (code, b, i) -> {
      KvEntry e = ConsulJson.txnWritten(code, txnAnswer(code, b, where), null);   // a denial throws
      return e == null ? 0L : e.modifyIndex();
    });
  }

  /**
   * Check-and-set through a one-operation transaction (KV verb {@code cas}): writes only if the key's
   * ModifyIndex is still {@code index} (0: only if absent) and answers the written entry with its new
   * ModifyIndex, or empty when the index did not match. Not repeated blindly (re-read instead).
   *
   * @throws ConsulAccessDeniedException when the token may not write the key (Consul's 409 Permission denied)
   */
  public Optional<KvEntry> kvCas(String key, byte[] value, long index) throws InterruptedException {
    RequestBody body = ConsulJson.txnBody("cas", key, value, "Index", index);
    HttpUrl url = http.url("v1", "txn").build();
    return http.call("PUT", url, body, ONLY_IF_NOT_SENT, 409, (code, b, i) ->
        Optional.ofNullable(ConsulJson.txnWritten(code, txnAnswer(code, b, url.encodedPath()), value)));
  }

  /**
   * A transaction's answer; a denial by the ACL system (409 with {@code Permission denied} among the errors,
   * as Consul 1.8 answers a denied {@code /v1/txn}) is an access error, not a failed operation.
   */
  private static TxnJson txnAnswer(int code, String body, String where) {
    TxnJson txn = ConsulJson.parse(body, TxnJson.class);
    if (code == 409 && ConsulJson.txnDenied(txn)) throw new ConsulAccessDeniedException("PUT", where, body);
    return txn;
  }

  /**
   * Several KV operations in one transaction ({@code PUT /v1/txn}), each tied to its key's ModifyIndex
   * ({@link KvOp}): all apply in one Raft commit, or none. Answers the written entries in operation order
   * (deletions answer none), or empty when an index did not match. Not repeated blindly (re-read instead).
   *
   * @throws ConsulAccessDeniedException when the token may not write one of the keys (Consul answers a
   *     denied transaction with 409, as it answers a stale index)
   */
  public Optional<List<KvEntry>> kvTxn(List<KvOp> ops) throws InterruptedException {
    RequestBody body = ConsulJson.txnBody(ops);
    HttpUrl url = http.url("v1", "txn").build();
    String where = url.encodedPath();
    return http.call("PUT", url, body, ONLY_IF_NOT_SENT, 409, (code, b, index) -> {
      TxnJson txn = ConsulJson.parse(b, TxnJson.class);
      List<KvEntry> written = ConsulJson.txnWrittenAll(code, txn, ops);
      if (written != null) return Optional.of(written);
      String what = ConsulJson.txnFailure(txn, b);
      if (what != null && what.toLowerCase(Locale.ROOT).contains("permission denied")) {
        throw new ConsulAccessDeniedException("PUT", where, what);
      }
      return Optional.<List<KvEntry>>empty();
    });
  }

  /**
   * The outcome of {@link #kvLock}: the acquired entry, or Consul's reason for refusing; {@code stale} when the
   * key was not in the state the lock was tied to (its ModifyIndex moved, or it exists / does not exist).
   */
  public record LockAttempt(KvEntry entry, String failure, boolean stale) {
    public boolean acquired() {
      return entry != null;
    }

    /** Refused although nobody holds the key: a lock-delay after an invalidated session is in force. */
    public boolean refusedByLockDelay() {
      return failure != null && failure.contains("lock delay");
    }
  }

  /** Deletes one key (idempotent). */
  public boolean kvDelete(String key) throws InterruptedException {
    return http.call("DELETE", http.kvUrl(key).build(), null, SAFE, 0, (code, b, index) -> parseBoolean(b));
  }

  /** Deletes one key only if its ModifyIndex is still {@code index}; false otherwise. */
  public boolean kvDeleteCas(String key, long index) throws InterruptedException {
    HttpUrl url = http.kvUrl(key).addQueryParameter("cas", Long.toString(index)).build();
    return http.call("DELETE", url, null, ONLY_IF_NOT_SENT, 0, (code, b, i) -> parseBoolean(b));
  }

  /** Deletes every key under {@code prefix} (idempotent). */
  public void kvDeleteTree(String prefix) throws InterruptedException {
    HttpUrl url = http.kvUrl(prefix).addQueryParameter("recurse", null).build();
    http.call("DELETE", url, null, SAFE, 0, (code, b, index) -> parseBoolean(b));
  }

  // ----------------------------------------------------------------------------------------- sessions

  /** Creates a session and answers its id. Repeated only when the request was never sent. */
  public String sessionCreate(SessionSpec spec) throws InterruptedException {
    HttpUrl url = http.url("v1", "session", "create").build();
    return http.sessionCall("PUT", url, ConsulJson.sessionBody(spec), ONLY_IF_NOT_SENT, 0,
        (code, b, index) -> ConsulJson.parseId(b));
  }

  /** Renews a session; empty when Consul no longer knows it (invalidated, destroyed, expired). */
  public Optional<SessionInfo> sessionRenew(String id) throws InterruptedException {
    HttpUrl url = http.url("v1", "session", "renew", id).build();
    return http.sessionCall("PUT", url, ConsulJson.empty(), SAFE, 404,
        (code, b, index) -> code == 404 ? Optional.<SessionInfo>empty() : firstSession(b));
  }

  /** Destroys a session (idempotent; true also when it did not exist). */
  public boolean sessionDestroy(String id) throws InterruptedException {
    HttpUrl url = http.url("v1", "session", "destroy", id).build();
    return http.sessionCall("PUT", url, ConsulJson.empty(), SAFE, 0, (code, b, index) -> parseBoolean(b));
  }

  /** What Consul knows about a session; empty when it does not exist. */
  public Optional<SessionInfo> sessionInfo(String id) throws InterruptedException {
    HttpUrl url = http.consistency(http.url("v1", "session", "info", id)).build();
    return http.call("GET", url, null, SAFE, 404,
        (code, b, index) -> code == 404 ? Optional.<SessionInfo>empty() : firstSession(b));
  }

  // ---------------------------------------------------------------------------------- agent services

  /**
   * Registers a service with its TTL check at the agent ({@code PUT /v1/agent/service/register}, replacing the
   * checks it had): safe to repeat, a repetition registers the same thing again.
   *
   * @throws ConsulAccessDeniedException when the token may not register the service (403)
   * @throws ConsulRequestRejectedException when the agent refuses the definition (400)
   */
  public void agentServiceRegister(ServiceDefinition service) throws InterruptedException {
    HttpUrl url = http.localUrl("v1", "agent", "service", "register")
        .addQueryParameter("replace-existing-checks", "true").build();
    http.agentCall("PUT", url, ConsulJson.serviceBody(service), SAFE, 0, (code, b, index) -> null);
  }

  /** Removes a service and its checks from the agent (idempotent: an unknown id is no error). */
  public void agentServiceDeregister(String id) throws InterruptedException {
    HttpUrl url = http.localUrl("v1", "agent", "service", "deregister", id).build();
    http.agentCall("PUT", url, ConsulJson.empty(), SAFE, 0, (code, b, index) -> null);
  }

  /**
   * Sets a TTL check passing and restarts its TTL ({@code PUT /v1/agent/check/pass/<id>}); {@code note} (null:
   * none) becomes its output. Answers false when the agent does not know the check: it forgot it (an agent
   * restarts without the services registered over HTTP) or it was removed.
   */
  public boolean agentCheckPass(String checkId, String note) throws InterruptedException {
    return checkUpdate("pass", checkId, note);
  }

  /** Sets a TTL check critical with {@code note} as its output; false when the agent does not know it. */
  public boolean agentCheckFail(String checkId, String note) throws InterruptedException {
    return checkUpdate("fail", checkId, note);
  }

  private boolean checkUpdate(String verb, String checkId, String note) throws InterruptedException {
    HttpUrl.Builder b = http.localUrl("v1", "agent", "check", verb, checkId);
    if (note != null && !note.isEmpty()) b.addQueryParameter("note", note);
    try {
      http.agentCall("PUT", b.build(), ConsulJson.empty(), SAFE, 0, (code, body, index) -> null);
      return true;
    } catch (ConsulNotFoundException e) {        // 404, or Consul 1.8's 500 "... does not have associated TTL"
      return false;
    }
  }

  /**
   * The passing instances of {@code service} ({@code /v1/health/service/<name>?passing}, with {@code tag}: only
   * those tagged so), Consul's default consistency, same rules as {@link #kvRead}: at once when {@code index}
   * is 0, otherwise a blocking query that returns when the index passes {@code index} or after about
   * {@code wait}. An unknown service has no instances. For the watch engine: a blocking query is sent once and
   * any failure thrown.
   */
  public QueryResult<List<ServiceEntry>> healthService(String service, String tag, long index, Duration wait)
      throws InterruptedException {
    HttpUrl.Builder b = http.url("v1", "health", "service", service).addQueryParameter("passing", null);
    if (tag != null) b.addQueryParameter("tag", tag);
    ConsulHttp.Reader<QueryResult<List<ServiceEntry>>> reader = (code, body, idx) ->
        new QueryResult<>(ConsulJson.parseHealth(body), idx);
    if (index == 0) return http.call("GET", b.build(), null, SAFE, 0, reader);
    return http.blockingGet(ConsulHttp.blocking(b, index, wait).build(), wait, true, reader);
  }

  // ------------------------------------------------------------------------------------------- status

  /** The Raft leader's address as Consul reports it ({@code ""} while there is none). */
  public String statusLeader() throws InterruptedException {
    HttpUrl url = http.localUrl("v1", "status", "leader").build();
    return http.call("GET", url, null, SAFE, 0, (code, b, index) -> ConsulJson.parseString(b));
  }

  @Override
  public void close() {
    http.close();
  }

  @Override
  public String toString() {
    return "ConsulTransport{" + settings + "}";
  }
}
