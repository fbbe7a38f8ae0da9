package dev.baton.examples;

import dev.baton.Coordinator;
import dev.baton.LeaderJob;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Three workers (three Coordinators, i.e. three Consul sessions, as three processes would have) schedule the
 * same job every 500 ms; only the elected leader runs it. After a few seconds the leader is killed (its
 * Coordinator is closed mid-run) and another worker takes the schedule over with a larger fencing token.
 */
public final class LeaderElectedJob {
  private LeaderElectedJob() {}

  public static void main(String[] args) throws Exception {
    run(Demo::builder, Duration.ofSeconds(3));
  }

  /** Runs the example; answers the workers that ran the job, in order of their terms. */
  static List<String> run(Supplier<Coordinator.Builder> builders, Duration beforeKill) throws Exception {
    List<String> runners = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Coordinator> workers = new ArrayList<>();
    List<LeaderJob> jobs = new ArrayList<>();
    String[] lastRunner = {null};
    try {
      for (int i = 1; i <= 3; i++) {
        String name = "worker-" + i;
        Coordinator c = builders.get().ownerId(name).build();
        workers.add(c);
        jobs.add(c.scheduleOnLeader("examples/nightly-report", Duration.ofMillis(500), ctx -> {
          synchronized (lastRunner) {
            lastRunner[0] = name;
            if (runners.isEmpty() || !runners.get(runners.size() - 1).equals(name)) runners.add(name);
          }
          System.out.printf("%s  %s runs the report (fencing token %d)%n",
              LocalTime.now().truncatedTo(ChronoUnit.MILLIS), name, ctx.fencingToken());
          Thread.sleep(100);
        }));
      }
      Thread.sleep(beforeKill.toMillis());
      String leader;
      synchronized (lastRunner) {
        leader = lastRunner[0];
      }
      int index = Integer.parseInt(leader.substring("worker-".length())) - 1;
      System.out.printf("%s  killing the leader, %s%n", LocalTime.now().truncatedTo(ChronoUnit.MILLIS), leader);
      workers.get(index).close();
      Thread.sleep(beforeKill.toMillis());
      System.out.println("current leader: " + jobs.get((index + 1) % 3).election().currentLeader()
          .map(l -> l.candidateId() + " (token " + l.fencingToken() + ")").orElse("none"));
      return runners;
    } finally {
      jobs.forEach(LeaderJob::close);
      workers.forEach(Coordinator::close);
    }
  }
}
