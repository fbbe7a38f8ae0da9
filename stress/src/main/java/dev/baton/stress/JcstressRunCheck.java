package dev.baton.stress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jcstress.infra.runners.TestList;

/**
 * Fails (exit 1) unless the last jcstress run really ran tests: jcstress exits 0 when its {@code -t} filter
 * matches nothing, and generates no tests at all when the annotation processor did not run.
 *
 * <p>Usage: {@code java -cp baton-stress.jar dev.baton.stress.JcstressRunCheck <resultsDir> <filter>}. Every test
 * compiled into the jar that the filter selects (same regex "find" as jcstress {@code -t}) must have its report
 * page {@code <resultsDir>/<test>.html}; there must be at least one such test.
 */
public final class JcstressRunCheck {
  public static void main(String[] args) {
    if (args.length != 2) fail("usage: JcstressRunCheck <resultsDir> <filter>");
    Path results = Path.of(args[0]);
    Pattern filter = Pattern.compile(args[1]);

    List<String> selected =
        TestList.tests().stream().filter(t -> filter.matcher(t).find()).sorted().collect(Collectors.toList());
    if (selected.isEmpty()) fail("no jcstress tests in the jar match '" + args[1] + "' (annotation processor not run?)");

    List<String> missing =
        selected.stream().filter(t -> !Files.isRegularFile(results.resolve(t + ".html"))).collect(Collectors.toList());
    if (!missing.isEmpty()) fail("jcstress did not report these tests in " + results + ": " + missing);

    System.out.println("jcstress ran all " + selected.size() + " selected tests: " + selected);
  }

  private static void fail(String message) {
    System.err.println("JcstressRunCheck FAILED: " + message);
    System.exit(1);
  }
}
