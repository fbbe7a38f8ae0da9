package dev.baton.it;

import dev.baton.Coordinator;
import dev.baton.LeaderElection;
import dev.baton.LeadershipListener;
import dev.baton.testing.Work;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A candidate process for scenario 4: joins an election and, while it is leader, writes to the
 * {@link FencedResource} every 50 ms with its term's fencing token.
 *
 * <p>Args: Consul address, key prefix, election name, the {@link FencedResource}'s HTTP address, candidate id.
 * Prints {@code CANDIDATE} once started, {@code ELECTED <token> <nanoTime>} when a term begins and
 * {@code REVOKED <nanoTime>} when it ended (printed after the writer stopped: every write of a term lies
 * within [ELECTED, REVOKED]). Writes check {@link LeaderElection#isLeader()} first. Command {@code EXIT}
 * closes the election and the Coordinator and prints {@code BYE}.
 */
public final class ElectionCandidateMain {
  private ElectionCandidateMain() {}

  /** The token of the current term; 0 between terms. Guarded by {@code WRITING} for the hand-over. */
  private static volatile long token;
  private static final Object WRITING = new Object();

  public static void main(String[] args) throws Exception {
    String id = args[4];
    Coordinator coordinator = Clients.coordinator(URI.create(args[0]), args[1], id);
    URI resource = URI.create(args[3]);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    LeaderElection election = coordinator.election(args[2], id);
    election.addListener(new LeadershipListener() {
      @Override
      public void onElected(long fencingToken) {
        long at = System.nanoTime();
        token = fencingToken;
        say("ELECTED " + fencingToken + " " + at);
      }

      @Override
      public void onRevoked() {
        token = 0;
        synchronized (WRITING) {
          // a write in flight has finished: the term is over
          say("REVOKED " + System.nanoTime());
        }
      }
    });
    Thread writer = new Thread(() -> {
      while (true) {
        synchronized (WRITING) {
          long t = token;
          if (t != 0 && election.isLeader()) {
            try {
              HttpRequest write = HttpRequest.newBuilder(resource.resolve("/write?writer=" + id + "&token=" + t))
                  .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.noBody()).build();
              int status = http.send(write, HttpResponse.BodyHandlers.ofString()).statusCode();
              if (status != 200) say("WRITE REJECTED " + t + " " + System.nanoTime());
            } catch (Exception e) {
              say("WRITE FAILED " + e);
            }
          }
        }
        try {
          Work.take(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "writer");
    writer.setDaemon(true);
    writer.start();
    election.start();
    say("CANDIDATE " + id);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String command; (command = in.readLine()) != null; ) {
      if (command.trim().equals("EXIT")) {
        election.close();
        coordinator.close();
        say("BYE");
        System.exit(0);
      }
      say("UNKNOWN " + command);
    }
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
