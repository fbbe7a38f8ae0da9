package dev.baton.examples;

import dev.baton.Coordinator;
import dev.baton.SessionListener;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;

/**
 * The first demo: creates a Coordinator against {@code CONSUL_HTTP_ADDR} (default {@code
 * http://127.0.0.1:8500}), creates its Consul session and prints every renewal until Ctrl-C, then closes
 * the Coordinator, which destroys the session. Optional argument: seconds to run (default: until Ctrl-C).
 */
public final class SessionDemo {
  private SessionDemo() {}

  public static void main(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : Long.MAX_VALUE;
    CountDownLatch stop = new CountDownLatch(1);
    Coordinator coordinator = Coordinator.builder()
        .sessionTtl(Duration.ofSeconds(10))
        .keyPrefix("baton-demo/")
        .build();
    Thread hook = new Thread(() -> {
      say("shutting down: closing the Coordinator (destroys its session)");
      coordinator.close();
      stop.countDown();
    }, "demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    coordinator.addSessionListener(new SessionListener() {
      @Override
      public void onSessionCreated(String id) {
        say("session created: " + id);
      }

      @Override
      public void onSessionRenewed(String id) {
        say("session renewed: " + id + " (renewed every TTL/3 = " + coordinator.sessionTtl().dividedBy(3)
            .truncatedTo(ChronoUnit.MILLIS).toMillis() + " ms)");
      }

      @Override
      public void onSessionLost(String id, String reason) {
        say("session ended: " + id + " (" + reason + ")");
      }
    });
    say("Baton session demo against " + coordinator);
    String id = coordinator.sessionId();
    say("holding session " + id + "; lock-delay " + coordinator.lockDelay().toMillis() + " ms; Ctrl-C to stop");
    if (seconds != Long.MAX_VALUE) {
      Thread.sleep(seconds * 1000);
      Runtime.getRuntime().removeShutdownHook(hook);
      hook.run();
    }
    stop.await();
  }

  private static void say(String s) {
    System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + "  " + s);
  }
}
