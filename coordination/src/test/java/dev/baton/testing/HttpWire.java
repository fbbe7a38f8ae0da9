package dev.baton.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Just enough HTTP/1.1 framing for {@link FaultProxy}: reads one request or response from a stream, keeping
 * the exact bytes (to forward them unchanged) and the body (to match and log it). Bodies are framed by
 * {@code Content-Length}, {@code Transfer-Encoding: chunked}, or (responses only) the end of the connection.
 */
final class HttpWire {
  private static final int MAX_LINE = 64 * 1024;
  private static final int MAX_HEADERS = 200;

  private HttpWire() {}

  /** One message as received. */
  record Message(String startLine, List<String> headers, byte[] raw, byte[] body, String framing,
      boolean close) {

    /** The body without its content coding (gzip and deflate undone; what the application reads). */
    byte[] decodedBody() {
      String coding = header("content-encoding");
      if (coding == null || body.length == 0) return body;
      try {
        InputStream in = switch (coding.trim().toLowerCase(Locale.ROOT)) {
          case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
          case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(body));
          default -> null;
        };
        if (in == null) return body;
        try (in) {
          return in.readAllBytes();
        }
      } catch (IOException e) {
        return body;
      }
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    String header(String name) {
      for (String h : headers) {
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) return h.substring(colon + 1).trim();
      }
      return null;
    }

    /** For a request: the method. */
    String method() {
      int sp = startLine.indexOf(' ');
      return sp < 0 ? startLine : startLine.substring(0, sp);
    }

    /** For a request: the request target (path and query, as sent). */
    String target() {
      String[] parts = startLine.split(" ");
      return parts.length > 1 ? parts[1] : "";
    }

    /** For a response: the status code. */
    int status() {
      String[] parts = startLine.split(" ");
      try {
        return parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      } catch (NumberFormatException e) {
        return 0;
      }
    }
  }

  /** The next request on a connection, or null when the client closed it between requests. */
  static Message readRequest(InputStream in) throws IOException {
    String start;
    do {
      start = readLine(in, true);
      if (start == null) return null;
    } while (start.isEmpty());                       // tolerate stray CRLFs between requests (RFC 9112 2.2)
    if (start.split(" ").length != 3) throw new IOException("not an HTTP/1.x request line: " + start);
    return readRest(in, start, false, false);
  }

  /**
   * The response to a request with {@code requestMethod}; interim (1xx) responses are skipped. Null when the
   * server closed the connection before sending anything.
   */
  static Message readResponse(InputStream in, String requestMethod) throws IOException {
    while (true) {
      String start = readLine(in, true);
      if (start == null) return null;
      if (!start.startsWith("HTTP/")) throw new IOException("not an HTTP status line: " + start);
      Message m = readRest(in, start, true, requestMethod.equalsIgnoreCase("HEAD"));
      int status = m.status();
      if (status >= 100 && status < 200 && status != 101) continue;
      return m;
    }
  }

  private static Message readRest(InputStream in, String start, boolean response, boolean headRequest)
      throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    writeLine(raw, start);
    List<String> headers = new ArrayList<>();
    long contentLength = -1;
    boolean chunked = false;
    String connection = "";
    while (true) {
      String h = readLine(in, false);
      writeLine(raw, h);
      if (h.isEmpty()) break;
      if (headers.size() == MAX_HEADERS) throw new IOException("too many header lines");
      headers.add(h);
      int colon = h.indexOf(':');
      if (colon <= 0) continue;
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> contentLength = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
        case "connection" -> connection = value.toLowerCase(Locale.ROOT);
        default -> { }
      }
    }
    boolean http10 = start.startsWith("HTTP/1.0") || start.endsWith("HTTP/1.0");
    boolean close = connection.contains("close") || (http10 && !connection.contains("keep-alive"));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String framing;
    int status = response ? new Message(start, headers, null, null, null, false).status() : 0;
    boolean noBody = response && (headRequest || status == 204 || status == 304 || status < 200);
    if (noBody) {
      framing = "none";
    } else if (chunked) {
      framing = "chunked";
      readChunked(in, raw, body);
    } else if (contentLength >= 0) {
      framing = "length";
      copy(in, contentLength, raw, body);
    } else if (response) {
      framing = "close";
      close = true;
      byte[] rest = in.readAllBytes();
      raw.write(rest);
      body.write(rest);
    } else {
      framing = "none";
    }
    return new Message(start, List.copyOf(headers), raw.toByteArray(), body.toByteArray(), framing, close);
  }

  private static void readChunked(InputStream in, ByteArrayOutputStream raw, ByteArrayOutputStream body)
      throws IOException {
    while (true) {
      String sizeLine = readLine(in, false);
      writeLine(raw, sizeLine);
      int semi = sizeLine.indexOf(';');
      String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
      long size;
      try {
        size = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size: " + sizeLine);
      }
      if (size == 0) {
        while (true) {                             // trailer section, ends with an empty line
          String trailer = readLine(in, false);
          writeLine(raw, trailer);
          if (trailer.isEmpty()) return;
        }
      }
      copy(in, size, raw, body);
      String end = readLine(in, false);
      if (!end.isEmpty()) throw new IOException("chunk not followed by CRLF");
      writeLine(raw, end);
    }
  }

  private static void copy(InputStream in, long n, ByteArrayOutputStream raw, ByteArrayOutputStream body)
      throws IOException {
    byte[] buf = new byte[8192];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) throw new EOFException("connection closed " + left + " bytes before the end of a body");
      raw.write(buf, 0, r);
      body.write(buf, 0, r);
      left -= r;
    }
  }

  /** One line without its CRLF (or bare LF); null at a clean end of stream when {@code eofOk}. */
  private static String readLine(InputStream in, boolean eofOk) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofOk && line.size() == 0) return null;
        throw new EOFException("connection closed in the middle of a line");
      }
      if (b == '\n') break;
      if (line.size() == MAX_LINE) throw new IOException("line longer than " + MAX_LINE + " bytes");
      line.write(b);
    }
    byte[] bytes = line.toByteArray();
    int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
  }

  private static void writeLine(ByteArrayOutputStream out, String line) {
    byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
    out.write(b, 0, b.length);
    out.write('\r');
    out.write('\n');
  }
}
