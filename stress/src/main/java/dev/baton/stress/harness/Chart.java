package dev.baton.stress.harness;

import dev.baton.stress.harness.StressHarness.Fault;
import dev.baton.stress.harness.StressHarness.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code chart.html}: one self-contained page (inline SVG, no script, no external resource). Per run: latency
 * over time (per time bucket: acquire latency p50 and p99, handoff p50; logarithmic axis) above the
 * acquisitions per second, with faults marked (kill: red line; pause: orange band for its duration; network
 * faults: thin blue ticks at the bottom, a black hole a blue band; labels only when there are few), session
 * losses (purple ticks) and violations (red crosses). The summary text follows the charts.
 */
final class Chart {
  private static final int W = 1100;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int LAT_TOP = 30;
  private static final int LAT_H = 230;
  private static final int GAP = 30;
  private static final int TP_H = 80;
  private static final int H = LAT_TOP + LAT_H + GAP + TP_H + 40;

  private Chart() {}

  static void write(Path file, StressHarness h, String summary) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Baton stress run ").append(h.runId)
        .append("</title>\n<style>body{font-family:sans-serif;margin:20px;color:#222}pre{font-size:12px;"
            + "background:#f6f6f6;padding:10px;overflow-x:auto}h2{font-size:16px;margin:24px 0 4px}"
            + "svg text{font-family:sans-serif}</style></head><body>\n");
    b.append("<h1>Baton stress run ").append(h.runId).append(": ").append(esc(h.o.primitive)).append("</h1>\n<p>")
        .append(esc(h.consulDescription)).append("</p>\n");
    for (RunResult r : h.results) {
      b.append("<h2>").append(esc(r.label())).append(r.jvms > 0 ? " in " + r.jvms + " JVMs" : "").append("</h2>\n");
      if (!r.ok()) {
        b.append("<p>FAILED: ").append(esc(r.error)).append("</p>\n");
        continue;
      }
      panel(b, r);
    }
    b.append("<h2>Summary</h2>\n<pre>").append(esc(summary)).append("</pre>\n</body></html>\n");
    Files.writeString(file, b.toString());
  }

  private static void panel(StringBuilder b, RunResult r) {
    Records.Analysis a = r.analysis;
    double seconds = a.seconds();
    double bucket = Math.max(0.25, seconds / 160);
    int buckets = (int) Math.ceil(seconds / bucket);
    List<List<Long>> acquire = lists(buckets);
    List<List<Long>> handoff = lists(buckets);
    long[] counts = new long[buckets];
    for (Records.Acquisition x : a.acquisitions) {
      int i = index(x.acquired, a.start, bucket, buckets);
      if (i < 0) continue;
      counts[i]++;
      if (x.called != Records.NONE) acquire.get(i).add(x.acquired - x.called);
    }
    for (long[] s : a.handoffSeries) {
      int i = index(s[0], a.start, bucket, buckets);
      if (i >= 0) handoff.get(i).add(s[1]);
    }
    double maxMs = 1;
    for (List<Long> l : acquire) for (long v : l) maxMs = Math.max(maxMs, v / 1e6);
    for (List<Long> l : handoff) for (long v : l) maxMs = Math.max(maxMs, v / 1e6);
    double lo = 0.1;
    double hi = Math.pow(10, Math.ceil(Math.log10(maxMs)));
    long maxCount = 1;
    for (long c : counts) maxCount = Math.max(maxCount, c);
    double maxRate = maxCount / bucket;
    int plotW = W - LEFT - RIGHT;

    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
        .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\">\n");
    b.append("<rect x=\"").append(LEFT).append("\" y=\"").append(LAT_TOP).append("\" width=\"").append(plotW)
        .append("\" height=\"").append(LAT_H).append("\" fill=\"#fff\" stroke=\"#999\"/>\n");
    // latency axis: decades
    for (double d = lo; d <= hi * 1.0001; d *= 10) {
      double y = yLog(d, lo, hi);
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s ms</text>%n", LEFT, LEFT + plotW, y, y,
          LEFT - 5, y + 4, d < 1 ? String.format(Locale.ROOT, "%.1f", d) : String.format(Locale.ROOT, "%.0f", d)));
    }
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\">latency per %.2f s bucket "
        + "(log scale)</text>%n", LEFT, LAT_TOP - 8, bucket));
    // throughput panel
    int tpTop = LAT_TOP + LAT_H + GAP;
    b.append("<rect x=\"").append(LEFT).append("\" y=\"").append(tpTop).append("\" width=\"").append(plotW)
        .append("\" height=\"").append(TP_H).append("\" fill=\"#fff\" stroke=\"#999\"/>\n");
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\">acquisitions/s (max %.0f)</text>%n",
        LEFT, tpTop - 6, maxRate));
    for (int i = 0; i < buckets; i++) {
      if (counts[i] == 0) continue;
      double x = LEFT + plotW * (i * bucket / seconds);
      double w = Math.max(1, plotW * bucket / seconds - 1);
      double hgt = TP_H * (counts[i] / bucket) / maxRate;
      b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
          + "fill=\"#7aa6d6\"/>%n", x, tpTop + TP_H - hgt, w, hgt));
    }
    // time axis
    double step = niceStep(seconds);
    for (double t = 0; t <= seconds + 1e-9; t += step) {
      double x = LEFT + plotW * t / seconds;
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
          + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s s</text>%n", x, x, LAT_TOP,
          LAT_TOP + LAT_H, x, tpTop + TP_H + 15, Report.num(Math.round(t * 100) / 100.0)));
    }
    // faults
    boolean labels = r.faults.size() <= 20;
    for (Fault f : r.faults) {
      double x = LEFT + plotW * Math.min(1, f.at() / seconds);
      if (!f.kind().equals("kill") && !f.kind().equals("pause")) {
        if (f.kind().equals("blackhole") && f.duration() > 0) {
          double w = plotW * Math.min(f.duration(), seconds - f.at()) / seconds;
          b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
              + "fill=\"#4a90e2\" fill-opacity=\"0.15\"/>%n", x, LAT_TOP, w, tpTop + TP_H - LAT_TOP));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#4a90e2\" "
            + "stroke-width=\"1\"><title>%s</title></line>%n", x, x, tpTop + TP_H - 12, tpTop + TP_H,
            esc(f.kind() + " " + f.target() + ": " + f.note())));
        if (labels) {
          b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#4a90e2\">%s"
              + "</text>%n", x + 2, tpTop + TP_H - 14, esc(f.kind())));
        }
        continue;
      }
      String label = f.kind() + " " + f.target() + (f.holder() ? " (holder)" : "");
      if (f.kind().equals("pause")) {
        double w = plotW * Math.min(f.duration(), seconds - f.at()) / seconds;
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f5a623\" "
            + "fill-opacity=\"0.18\"/>%n", x, LAT_TOP, w, tpTop + TP_H - LAT_TOP));
      }
      String color = f.kind().equals("kill") ? "#d0021b" : "#e08e0b";
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
          + "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>%n", x, x, LAT_TOP,
          tpTop + TP_H, color, x + 3, LAT_TOP + 12, color, esc(label)));
    }
    for (long t : a.sessionLossTimes) {
      double x = LEFT + plotW * clamp((t - a.start) / 1e9 / seconds);
      b.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l-5 -9 h10 z\" fill=\"#7b3fb5\"><title>session lost"
          + "</title></path>%n", x, LAT_TOP));
    }
    // latency series
    series(b, acquire, 50, bucket, seconds, lo, hi, "#1f5fa8", "", "acquire p50");
    series(b, acquire, 99, bucket, seconds, lo, hi, "#1f5fa8", "5,3", "acquire p99");
    series(b, handoff, 50, bucket, seconds, lo, hi, "#2a9d3a", "", "handoff p50");
    for (long t : a.violationTimes) {
      double x = LEFT + plotW * clamp((t - a.start) / 1e9 / seconds);
      double y = LAT_TOP + 10;
      b.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1f l8 8 m0 -8 l-8 8\" stroke=\"#d0021b\" "
          + "stroke-width=\"2\"><title>violation</title></path>%n", x - 4, y - 4));
    }
    // legend
    int ly = H - 8;
    legend(b, LEFT, ly, "#1f5fa8", "", "acquire p50");
    legend(b, LEFT + 130, ly, "#1f5fa8", "5,3", "acquire p99");
    legend(b, LEFT + 260, ly, "#2a9d3a", "", "handoff p50");
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\"><tspan fill=\"#d0021b\">| kill"
        + "</tspan>   <tspan fill=\"#e08e0b\">| pause (band: stopped)</tspan>   <tspan fill=\"#7b3fb5\">▼ session "
        + "lost</tspan>   <tspan fill=\"#d0021b\">✕ violation</tspan>   %d acquisitions, %.1f/s, %d violations"
        + "</text>%n", LEFT + 400, ly, a.count(), a.perSecond(), a.violationCount()));
    b.append("</svg>\n");
  }

  private static void series(StringBuilder b, List<List<Long>> buckets, double pct, double bucket, double seconds,
      double lo, double hi, String color, String dash, String title) {
    int plotW = W - LEFT - RIGHT;
    StringBuilder d = new StringBuilder();
    boolean pen = false;
    for (int i = 0; i < buckets.size(); i++) {
      List<Long> l = buckets.get(i);
      if (l.isEmpty()) {
        pen = false;
        continue;
      }
      long[] s = l.stream().mapToLong(Long::longValue).sorted().toArray();
      double v = Math.max(lo, Stats.percentile(s, pct) / 1e6);
      double x = LEFT + plotW * ((i + 0.5) * bucket / seconds);
      d.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f %.1f", x, yLog(v, lo, hi)));
      pen = true;
    }
    if (d.length() == 0) return;
    b.append("<path d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(color)
        .append("\" stroke-width=\"1.5\"").append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"")
        .append("><title>").append(title).append("</title></path>\n");
  }

  private static void legend(StringBuilder b, int x, int y, String color, String dash, String text) {
    b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
        + "stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n", x, x + 25, y - 4, y - 4, color,
        dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"", x + 30, y, text));
  }

  private static List<List<Long>> lists(int n) {
    List<List<Long>> l = new ArrayList<>(n);
    for (int i = 0; i < n; i++) l.add(new ArrayList<>());
    return l;
  }

  private static int index(long t, long start, double bucket, int buckets) {
    double rel = (t - start) / 1e9;
    if (rel < 0) return -1;
    return Math.min(buckets - 1, (int) (rel / bucket));
  }

  private static double yLog(double v, double lo, double hi) {
    double f = (Math.log10(Math.max(lo, Math.min(hi, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    return LAT_TOP + LAT_H * (1 - f);
  }

  private static double clamp(double f) {
    return Math.max(0, Math.min(1, f));
  }

  private static double niceStep(double seconds) {
    for (double s : new double[] {1, 2, 5, 10, 15, 30, 60, 120, 300, 600}) {
      if (seconds / s <= 12) return s;
    }
    return 1200;
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
