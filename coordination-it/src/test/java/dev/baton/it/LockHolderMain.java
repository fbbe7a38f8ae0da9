package dev.baton.it;

import dev.baton.Coordinator;
import dev.baton.Lease;
import dev.baton.LeaseLostException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client process for the scenarios: takes a lock and holds it, then obeys commands on stdin.
 *
 * <p>Args: Consul address, key prefix, lock name, the {@link FencedResource}'s HTTP address, lock-delay ms
 * ({@code -}: the builder's default). System property {@code baton.test.healthCheckTtlMs}: a health-bound
 * session with that check TTL.
 * Prints {@code HELD <token>} once it holds the lock and {@code LOST} when Baton reports the lease lost.
 * Commands: {@code CHECK} (prints {@code CHECK OK} or {@code CHECK LOST <reason>} from
 * {@link Lease#ensureHeld()}), {@code WRITE} (a write to the resource fenced with the lease's token, without
 * checking the lease first; prints {@code WRITE ACCEPTED} or {@code WRITE REJECTED}), {@code EXIT} (closes
 * the lease and the Coordinator, prints {@code BYE}).
 */
public final class LockHolderMain {
  private LockHolderMain() {}

  public static void main(String[] args) throws Exception {
    String name = "child-" + ProcessHandle.current().pid();
    Coordinator.Builder builder = Clients.builder(URI.create(args[0]), args[1], name);
    if (!args[4].equals("-")) builder.lockDelay(Duration.ofMillis(Long.parseLong(args[4])));
    Long checkTtl = Long.getLong("baton.test.healthCheckTtlMs");   // a health-bound session (issue 11)
    if (checkTtl != null) builder.healthCheckTtl(Duration.ofMillis(checkTtl));
    Coordinator coordinator = builder.build();
    URI resource = URI.create(args[3]);
    HttpClient http = HttpClient.newHttpClient();
    Lease lease = coordinator.lock(args[2]).acquire(Duration.ofSeconds(30));
    lease.onLost(() -> say("LOST"));
    say("HELD " + lease.fencingToken());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String command; (command = in.readLine()) != null; ) {
      switch (command.trim()) {
        case "CHECK" -> {
          try {
            lease.ensureHeld();
            say("CHECK OK");
          } catch (LeaseLostException e) {
            say("CHECK LOST " + e.getMessage());
          }
        }
        case "WRITE" -> {
          HttpRequest write = HttpRequest.newBuilder(resource.resolve("/write?writer=" + name + "&token="
              + lease.fencingToken())).POST(HttpRequest.BodyPublishers.noBody()).build();
          int status = http.send(write, HttpResponse.BodyHandlers.ofString()).statusCode();
          say(status == 200 ? "WRITE ACCEPTED" : "WRITE REJECTED");
        }
        case "EXIT" -> {
          lease.close();
          coordinator.close();
          say("BYE");
          return;
        }
        default -> say("UNKNOWN " + command);
      }
    }
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
