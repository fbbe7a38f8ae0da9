package dev.baton;

/**
 * Observes the Coordinator's Consul session. Callbacks run on Baton's session thread: keep them short and
 * never block in them.
 */
public interface SessionListener {
  /** A new session was created (the first one, or a replacement after a loss). */
  default void onSessionCreated(String sessionId) {}

  /** A renewal succeeded; the local deadline moved forward. */
  default void onSessionRenewed(String sessionId) {}

  /**
   * The session is lost: Consul answered that it no longer exists, or no renewal succeeded before the local
   * deadline, or the Coordinator was closed. Every lease held with it is lost. Called once per session.
   */
  default void onSessionLost(String sessionId, String reason) {}
}
