package dev.baton;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Typed configuration for hot reload ({@link Coordinator#watchConfig}): a key whose value is JSON, decoded with
 * Gson into {@code T} whenever it changes.
 *
 * <p>A value that cannot be decoded (not JSON, not a {@code T}, {@code null}) keeps the last good
 * configuration: {@link #get()} goes on returning it, configuration listeners are not called, and the error
 * goes to the error listeners and the log ({@code dev.baton.watch}, warning). A deleted key keeps the last
 * good configuration too (also reported as an error). See {@link Watch} for how changes are delivered.
 *
 * <p>Gson builds {@code T} by reflection (records through their canonical constructor): on the module path,
 * open the type's package to {@code com.google.gson} ({@code opens my.config to com.google.gson;}), otherwise
 * every value is reported as not decodable.
 *
 * @param <T> the configuration's type
 */
public interface ConfigWatch<T> extends Watch {
  /** {@return the watched key, relative to the key prefix} */
  String key();

  /**
   * The current configuration: the last value that decoded.
   *
   * @return the configuration
   * @throws IllegalStateException until a value has decoded: before the first read (see
   *     {@link #awaitFirstRead}), while the key does not exist, or while it holds nothing that decodes; the
   *     message says which, with the key
   */
  T get();

  /** {@return the current configuration, or empty where {@link #get()} would throw} */
  Optional<T> current();

  /**
   * Calls {@code listener} with every new configuration that decoded, in order; at once (on the watch's
   * thread) with the current one when there is one.
   *
   * @param listener told each configuration
   */
  void addListener(Consumer<? super T> listener);

  /**
   * Calls {@code listener} whenever a new value of the key does not decode or the key was deleted; the
   * exception names the key and carries the cause. At once (on the watch's thread) with the current failure
   * when the key's latest state gave no configuration (it does not exist, or does not decode), so that a
   * listener added after the watch started does not miss it.
   *
   * @param listener told each failure
   */
  void addErrorListener(Consumer<? super CoordinationException> listener);
}
