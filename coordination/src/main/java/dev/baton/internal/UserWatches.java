package dev.baton.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.baton.ConfigWatch;
import dev.baton.Consistency;
import dev.baton.CoordinationException;
import dev.baton.KeyValue;
import dev.baton.KeyWatch;
import dev.baton.PrefixWatch;
import dev.baton.Watch;
import dev.baton.internal.consul.KvEntry;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watches users create ({@link KeyWatch}, {@link PrefixWatch}, {@link ConfigWatch}): each a subscription of
 * the {@link Watches} engine whose reads become states (compared by the keys' versions, so a read that shows no
 * change of the watch's own keys calls nobody), handed to the listener through a {@link Mailbox} on the
 * Coordinator's listener threads.
 */
public final class UserWatches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.baton.watch");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Watches engine;
  private final String keyPrefix;
  private final ExecutorService listeners = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-watch-listener-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  UserWatches(Watches engine, String keyPrefix) {
    this.engine = engine;
    this.keyPrefix = keyPrefix;
  }

  /** The watch of {@code name} (validated, below the key prefix). */
  public KeyWatch key(String name, Consistency consistency, Consumer<Optional<KeyValue>> listener) {
    KeyWatchImpl w = new KeyWatchImpl(name, mode(consistency), listener);
    w.start();
    return w;
  }

  /** The watch of every key starting with {@code name} (validated, below the key prefix). */
  public PrefixWatch prefix(String name, Consistency consistency, Consumer<Map<String, KeyValue>> listener) {
    PrefixWatchImpl w = new PrefixWatchImpl(name, mode(consistency), listener);
    w.start();
    return w;
  }

  /** The typed configuration in {@code name} (validated, below the key prefix). */
  public <T> ConfigWatch<T> config(String name, Class<T> type, Consistency consistency) {
    ConfigWatchImpl<T> w = new ConfigWatchImpl<>(name, type, mode(consistency));
    w.start();
    return w;
  }

  /** The Coordinator's listener threads: every watch's and discovery's listeners run there. */
  Executor listenerThreads() {
    return listeners;
  }

  private static String mode(Consistency consistency) {
    return switch (consistency) {
      case DEFAULT -> null;
      case CONSISTENT -> "consistent";
      case STALE -> "stale";
    };
  }

  private KeyValue relative(KvEntry e) {
    String key = e.key().startsWith(keyPrefix) ? e.key().substring(keyPrefix.length()) : e.key();
    return new KeyValue(key, e.value(), e.modifyIndex(), e.session());
  }

  @Override
  public void close() {
    listeners.shutdown();
  }

  /**
   * Hands states to one consumer in order, one at a time, on the listener threads; a state offered while the
   * consumer is still busy with an earlier one replaces any other waiting state (coalescing only then).
   */
  static final class Mailbox<S> {
    private final Executor executor;
    private final Consumer<S> consumer;
    private final String what;
    private S pending;
    private boolean waiting;
    private boolean running;
    private volatile boolean closed;

    Mailbox(Executor executor, String what, Consumer<S> consumer) {
      this.executor = executor;
      this.what = what;
      this.consumer = consumer;
    }

    void offer(S state) {
      synchronized (this) {
        pending = state;
        waiting = true;
        if (running || closed) return;
        running = true;
      }
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          running = false;
        }
      }
    }

    private void drain() {
      while (true) {
        S state;
        synchronized (this) {
          if (!waiting || closed) {
            running = false;
            return;
          }
          state = pending;
          pending = null;
          waiting = false;
        }
        try {
          consumer.accept(state);
        } catch (RuntimeException | Error e) {
          log.error("a listener of the watch of {} threw", what, e);
        }
      }
    }

    void close() {
      closed = true;
    }
  }

  /** A subscription whose reads of its own keys become states {@code S}, the first read releasing waiters. */
  private abstract class Base<S> implements Watch {
    final String what;
    private final boolean recurse;
    private final String mode;
    private final CountDownLatch firstRead = new CountDownLatch(1);
    private volatile Watches.Subscription subscription;
    /** Guarded by the subscription (reads arrive one at a time). */
    private List<KvEntry> last;
    volatile S current;

    Base(String path, boolean recurse, String mode) {
      this.what = path;
      this.recurse = recurse;
      this.mode = mode;
    }

    /** Subscribes (after construction: the first read may be handed over before subscribe returns). */
    void start() {
      subscription = engine.subscribe(keyPrefix + what, recurse, mode, (entries, index, reset) -> {
        if (last != null && Watches.sameVersions(last, entries)) return;
        last = entries;
        S state = state(entries);
        current = state;
        changed(state);
        firstRead.countDown();
      });
    }

    abstract S state(List<KvEntry> entries);

    /** A new state (on the engine's thread: hand it on, never block). */
    abstract void changed(S state);

    @Override
    public boolean awaitFirstRead(Duration timeout) throws InterruptedException {
      return firstRead.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
      Watches.Subscription s = subscription;
      if (s != null) s.close();
      stopDelivery();
    }

    abstract void stopDelivery();
  }

  private final class KeyWatchImpl extends Base<Optional<KeyValue>> implements KeyWatch {
    private final Mailbox<Optional<KeyValue>> mailbox;

    KeyWatchImpl(String name, String mode, Consumer<Optional<KeyValue>> listener) {
      super(name, false, mode);
      this.mailbox = new Mailbox<>(listeners, name, listener);
    }

    @Override
    Optional<KeyValue> state(List<KvEntry> entries) {
      return entries.stream().findFirst().map(UserWatches.this::relative);
    }

    @Override
    void changed(Optional<KeyValue> state) {
      mailbox.offer(state);
    }

    @Override
    public String key() {
      return what;
    }

    @Override
    public Optional<KeyValue> current() {
      Optional<KeyValue> c = current;
      return c == null ? Optional.empty() : c;
    }

    @Override
    void stopDelivery() {
      mailbox.close();
    }

    @Override
    public String toString() {
      return "KeyWatch{" + what + "}";
    }
  }

  private final class PrefixWatchImpl extends Base<Map<String, KeyValue>> implements PrefixWatch {
    private final Mailbox<Map<String, KeyValue>> mailbox;

    PrefixWatchImpl(String name, String mode, Consumer<Map<String, KeyValue>> listener) {
      super(name, true, mode);
      this.mailbox = new Mailbox<>(listeners, name, listener);
    }

    @Override
    Map<String, KeyValue> state(List<KvEntry> entries) {
      Map<String, KeyValue> m = new TreeMap<>();
      for (KvEntry e : entries) {
        KeyValue kv = relative(e);
        m.put(kv.key(), kv);
      }
      return Collections.unmodifiableMap(m);
    }

    @Override
    void changed(Map<String, KeyValue> state) {
      mailbox.offer(state);
    }

    @Override
    public String prefix() {
      return what;
    }

    @Override
    public Map<String, KeyValue> current() {
      Map<String, KeyValue> c = current;
      return c == null ? Map.of() : c;
    }

    @Override
    void stopDelivery() {
      mailbox.close();
    }

    @Override
    public String toString() {
      return "PrefixWatch{" + what + "}";
    }
  }

  /** A decoded configuration, or why there is none. */
  private record Config<T>(T value, CoordinationException error) {}

  private final class ConfigWatchImpl<T> extends Base<Config<T>> implements ConfigWatch<T> {
    private final Gson gson = new Gson();
    private final Class<T> type;
    private final List<Mailbox<T>> valueListeners = new CopyOnWriteArrayList<>();
    private final List<Mailbox<CoordinationException>> errorListeners = new CopyOnWriteArrayList<>();
    /** The last value that decoded; guarded by {@code this}. */
    private T good;
    /** Why there is no good value yet (null: not read yet); guarded by {@code this}. */
    private String missing;
    /** Why the key's latest state gave no configuration (null: it decoded, or not read yet); guarded by this. */
    private CoordinationException failing;

    ConfigWatchImpl(String name, Class<T> type, String mode) {
      super(name, false, mode);
      this.type = type;
    }

    @Override
    Config<T> state(List<KvEntry> entries) {
      if (entries.isEmpty()) {
        return new Config<>(null, new CoordinationException("configuration key " + what + " does not exist"));
      }
      String json = entries.get(0).valueUtf8();
      try {
        T value = gson.fromJson(json, type);
        if (value == null) {
          return new Config<>(null, new CoordinationException("configuration key " + what + " holds no JSON "
              + "object for " + type.getName() + " (empty or null)"));
        }
        return new Config<>(value, null);
      } catch (JsonParseException e) {
        return new Config<>(null, new CoordinationException("configuration key " + what + " does not decode as "
            + type.getName() + ": " + e.getMessage(), e));
      }
    }

    @Override
    void changed(Config<T> state) {
      List<Mailbox<T>> values;
      List<Mailbox<CoordinationException>> errors;
      synchronized (this) {
        if (state.error() == null) {
          good = state.value();
        } else if (good == null) {
          missing = state.error().getMessage();
        }
        failing = state.error();
        values = List.copyOf(valueListeners);
        errors = List.copyOf(errorListeners);
      }
      if (state.error() == null) {
        values.forEach(m -> m.offer(state.value()));
        return;
      }
      log.warn("{}; keeping the last good configuration", state.error().getMessage());
      errors.forEach(m -> m.offer(state.error()));
    }

    @Override
    public String key() {
      return what;
    }

    @Override
    public synchronized T get() {
      if (good != null) return good;
      throw new IllegalStateException(missing == null
          ? "configuration key " + what + " has not been read yet (see awaitFirstRead)"
          : "no configuration yet: " + missing);
    }

    @Override
    public synchronized Optional<T> current() {
      return Optional.ofNullable(good);
    }

    @Override
    public void addListener(Consumer<? super T> listener) {
      if (listener == null) throw new IllegalArgumentException("listener must not be null");
      Mailbox<T> m = new Mailbox<>(listeners, what, listener::accept);
      T now;
      synchronized (this) {
        valueListeners.add(m);
        now = good;
      }
      if (now != null) m.offer(now);
    }

    @Override
    public void addErrorListener(Consumer<? super CoordinationException> listener) {
      if (listener == null) throw new IllegalArgumentException("listener must not be null");
      Mailbox<CoordinationException> m = new Mailbox<>(listeners, what, listener::accept);
      synchronized (this) {                            // before any failure that changed() delivers later
        errorListeners.add(m);
        if (failing != null) m.offer(failing);
      }
    }

    @Override
    void stopDelivery() {
      valueListeners.forEach(Mailbox::close);
      errorListeners.forEach(Mailbox::close);
    }

    @Override
    public String toString() {
      return "ConfigWatch{" + what + ", " + type.getName() + "}";
    }
  }
}
