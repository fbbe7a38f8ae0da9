package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The public API (what the module exports) is checked in as {@code api/baton-coordination.api}: a change of
 * the API fails this test until the file is regenerated and committed with it, so every API change shows up
 * in review. Regenerate with {@value #UPDATE_COMMAND}.
 */
class ApiBaselineTest {
  static final String UPDATE_COMMAND =
      "mvn -pl coordination test -Dtest=ApiBaselineTest -Dbaton.api.update=true";
  private static final Path FILE = Path.of(System.getProperty("basedir", "."), "api", "baton-coordination.api");

  @Test
  void publicApiMatchesTheCommittedBaseline() throws IOException {
    ApiDump dump = ApiDump.of(Coordinator.class);
    if (Boolean.getBoolean("baton.api.update")) {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, dump.text(), StandardCharsets.UTF_8);
      System.out.println("[api] wrote " + FILE.toAbsolutePath().normalize());
      return;
    }
    if (!Files.exists(FILE)) {
      fail("no API baseline at " + FILE.toAbsolutePath().normalize() + "; create it with:\n  " + UPDATE_COMMAND);
    }
    List<String> committed = Files.readString(FILE, StandardCharsets.UTF_8).replace("\r\n", "\n").lines()
        .toList();
    List<String> current = dump.lines();
    if (!committed.equals(current)) {
      fail("The public API differs from " + FILE.getFileName() + " (- committed, + current):\n"
          + diff(committed, current)
          + "If the change is intended, regenerate the file and commit it with the change:\n  " + UPDATE_COMMAND
          + "\n");
    }
  }

  @Test
  void apiSignaturesMentionOnlyApiAndJdkTypes() {
    assertEquals(List.of(), List.copyOf(ApiDump.of(Coordinator.class).leaks()),
        "the API mentions types a user of the module cannot see or should not depend on");
  }

  @Test
  void testsRunTheLibraryAsItsNamedModule() {
    Module module = Coordinator.class.getModule();
    assertTrue(module.isNamed(), "the library's tests should run it on the module path, as the module dev.baton");
    assertEquals("dev.baton", module.getName());
    assertEquals(List.of("dev.baton.internal to [com.google.gson]", "dev.baton.internal.consul to [com.google.gson]"),
        module.getDescriptor().opens().stream().map(o -> o.source() + (o.isQualified() ? " to " + o.targets() : ""))
            .sorted().toList(),
        "the internals are open to Gson only (it reads and writes their JSON types)");
  }

  /**
   * The lines only in {@code a} (-) or only in {@code b} (+), by a longest common subsequence; a member line
   * is preceded by its type's line (@).
   */
  static String diff(List<String> a, List<String> b) {
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    String header = null;
    boolean headerShown = false;
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      String line;
      char op;
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        line = a.get(i);
        op = ' ';
        i++;
        j++;
      } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
        line = b.get(j++);
        op = '+';
      } else {
        line = a.get(i++);
        op = '-';
      }
      if (!line.startsWith(" ") && !line.isEmpty()) {
        header = line;
        headerShown = false;
      }
      if (op == ' ') continue;
      if (line.startsWith(" ") && header != null && !headerShown) {
        out.add("@ " + header);
      }
      headerShown = true;
      out.add(op + " " + line);
    }
    StringBuilder s = new StringBuilder();
    for (String l : out) s.append("  ").append(l).append('\n');
    return s.toString();
  }
}
