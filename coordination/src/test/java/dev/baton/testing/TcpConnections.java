package dev.baton.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Counts established TCP connections to a local port as the kernel sees them ({@code /proc/net/tcp} and
 * {@code tcp6}): both ends of a loopback connection are listed, and only the client's end has the port as
 * its remote port, so this is the number of clients' connections to a server on that port.
 */
public final class TcpConnections {
  private TcpConnections() {}

  /** Established connections whose remote port is {@code port}. */
  public static int establishedTo(int port) {
    String hex = String.format(":%04X", port);
    int n = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) continue;
      try {
        for (String line : Files.readAllLines(p)) {
          String[] f = line.trim().split("\\s+");
          // sl local_address rem_address st ...; state 01 = ESTABLISHED
          if (f.length > 3 && f[2].endsWith(hex) && f[3].equals("01")) n++;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return n;
  }
}
