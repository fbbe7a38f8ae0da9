package dev.baton;

/**
 * Observes the Coordinator's Consul session. Callbacks run on Baton's session thread: keep them short and
 * never block in them. What a listener throws is logged. Every method has an empty default, so an
 * implementation overrides what it needs. Register with {@link Coordinator#addSessionListener}.
 */
public interface SessionListener {
  /**
   * A new session was created (the first one, or a replacement after a loss).
   *
   * @param sessionId the new session's id
   */
  default void onSessionCreated(String sessionId) {}

  /**
   * A renewal succeeded; the local deadline moved forward.
   *
   * @param sessionId the renewed session's id
   */
  default void onSessionRenewed(String sessionId) {}

  /**
   * The session is lost: Consul answered that it no longer exists, or no renewal succeeded before the local
   * deadline, or the Coordinator was closed. Every lease held with it is lost. Called once per session.
   *
   * @param sessionId the lost session's id
   * @param reason why it is lost, for logs
   */
  default void onSessionLost(String sessionId, String reason) {}
}
