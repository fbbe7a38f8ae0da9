package dev.baton.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The resource the lock protects in the scenarios: it remembers the largest fencing token it accepted and
 * rejects every write that carries a smaller one (equal is the same holder writing again). Child JVMs
 * write through a small HTTP face ({@code POST /write?writer=..&token=..}: 200 accepted, 409 rejected).
 */
final class FencedResource implements AutoCloseable {
  /** One write attempt. */
  record Write(String writer, long token, long atNanos, boolean accepted) {}

  private final List<Write> writes = new ArrayList<>();
  private long highest = Long.MIN_VALUE;
  private HttpServer server;

  /** A write by {@code writer} fenced with {@code token}; true when accepted. */
  synchronized boolean write(String writer, long token) {
    boolean ok = token >= highest;
    if (ok) highest = token;
    writes.add(new Write(writer, token, System.nanoTime(), ok));
    return ok;
  }

  synchronized List<Write> writes() {
    return List.copyOf(writes);
  }

  synchronized List<Write> rejected() {
    return writes.stream().filter(w -> !w.accepted()).toList();
  }

  synchronized long highest() {
    return highest;
  }

  /** Starts the HTTP face on a free loopback port and answers its base address. */
  synchronized URI startHttp() throws IOException {
    if (server == null) {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
      server.createContext("/write", exchange -> {
        String writer = "?";
        long token = Long.MIN_VALUE;
        String q = exchange.getRequestURI().getRawQuery();
        for (String kv : q == null ? new String[0] : q.split("&")) {
          String[] p = kv.split("=", 2);
          if (p.length == 2 && p[0].equals("writer")) writer = p[1];
          if (p.length == 2 && p[0].equals("token")) token = Long.parseLong(p[1]);
        }
        boolean ok = write(writer, token);
        byte[] body = (ok ? "ACCEPTED" : "REJECTED").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(ok ? 200 : 409, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.start();
    }
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public synchronized void close() {
    if (server != null) server.stop(0);
    server = null;
  }
}
