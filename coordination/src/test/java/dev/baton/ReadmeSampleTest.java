package dev.baton;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's code sample (its first {@code ```java} block) must compile against the library, so that it
 * cannot rot: it is wrapped in a method of a class that declares the application's names it uses (storage,
 * report, callDownstream, ...) and compiled with the JDK's compiler, as a user outside the module would compile
 * it (the library on the module path, only its exported package visible). Warnings fail too (e.g. a call of
 * a deprecated method), except the {@code try} lint: the sample holds a permit for a block without using it.
 */
class ReadmeSampleTest {
  private static final Path README = Path.of(System.getProperty("basedir", "."), "..", "README.md");

  /** The class around the sample: the application's names, then the sample as the body of a method. */
  private static final String PRELUDE = """
      import dev.baton.*;
      import java.time.Duration;

      class ReadmeSample {
        interface Storage { void write(Object report, long fencingToken); }
        Storage storage;
        Object report;
        void callDownstream() {}
        void buildReport(long fencingToken) {}
        void startWork(long fencingToken) {}
        void stopWork() {}

        void sample() throws Exception {
      """;
  private static final String END = """
        }
      }
      """;

  @BeforeAll
  static void readTheCompilerModule() {
    // the library's tests run inside its module (patched in), which does not read java.compiler by itself
    Module self = ReadmeSampleTest.class.getModule();
    ModuleLayer.boot().findModule("java.compiler").ifPresent(self::addReads);
  }

  @Test
  void readmeSampleCompiles(@TempDir Path out) throws IOException {
    List<String> readme = Files.readAllLines(README, StandardCharsets.UTF_8);
    int start = readme.indexOf("```java");
    if (start < 0) fail(README.normalize() + " has no ```java block");
    int end = readme.subList(start + 1, readme.size()).indexOf("```");
    if (end < 0) fail("the first ```java block of " + README.normalize() + " is not closed");
    String sample = String.join("\n", readme.subList(start + 1, start + 1 + end));
    int firstLine = start + 2;                        // README line (1-based) of the sample's first line
    int preludeLines = (int) PRELUDE.lines().count();

    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    assertNotNull(compiler, "no Java compiler in this runtime (a JDK is needed)");
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///ReadmeSample.java"),
        JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return PRELUDE + sample + "\n" + END;
      }
    };
    boolean ok = compiler.getTask(null, null, diagnostics, options(out), null, List.of(source)).call();

    List<String> problems = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      long line = d.getLineNumber() - preludeLines;
      String where = d.getLineNumber() == Diagnostic.NOPOS ? "javac"
          : line >= 1 && line <= end ? "README.md:" + (firstLine + line - 1)
          : "ReadmeSample.java:" + d.getLineNumber() + " (the test's wrapper)";
      problems.add(where + ": " + d.getKind().toString().toLowerCase(Locale.ROOT) + ": "
          + d.getMessage(Locale.ROOT));
    }
    if (!ok || !problems.isEmpty()) {
      fail("the README's code sample does not compile against the library:\n  "
          + String.join("\n  ", problems) + "\nThe sample as compiled:\n" + numbered(sample, firstLine));
    }
  }

  /**
   * Compiler options: the library as a user sees it. On the module path (how its tests run) the sample sits
   * in the unnamed module and reads the library's module; elsewhere it gets this JVM's class path.
   */
  private static List<String> options(Path out) {
    List<String> options = new ArrayList<>(List.of("-d", out.toString(), "-proc:none", "--release", "17",
        "-Xlint:all,-try", "-Werror", "-encoding", "UTF-8"));   // -try: a permit held for a block is unused
    String modulePath = System.getProperty("jdk.module.path", "");
    if (modulePath.isEmpty()) {
      options.addAll(List.of("-classpath", System.getProperty("java.class.path")));
    } else {
      options.addAll(List.of("--module-path", modulePath, "--add-modules", "dev.baton"));
    }
    return options;
  }

  private static String numbered(String sample, int firstLine) {
    List<String> lines = sample.lines().collect(Collectors.toList());
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) b.append(String.format("%4d  %s%n", firstLine + i, lines.get(i)));
    return b.toString();
  }
}
