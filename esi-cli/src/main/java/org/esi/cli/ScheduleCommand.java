package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code esi node schedule N}: the node's offers and leases in a window ({@code GET
 * /lease/v1/nodes/{N}/schedule}), drawn as a text timeline: one row per offer or lease across a
 * fixed-width time axis, with now marked. {@code -f json|yaml} prints the server's document instead.
 */
@Command(name = "schedule", description = {"Show a node's offers and leases on a timeline (GET /lease/v1/nodes/{node}/schedule).",
    "Default window (the server's): from a day ago to 30 days ahead."})
final class ScheduleCommand extends Leaf {
  /** Width of the time axis in characters. */
  static final int WIDTH = 60;
  private static final int TICK = 15;
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SPAN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Parameters(paramLabel = "<node>", description = "Name or UUID")
  String node;

  @Option(names = "--start", paramLabel = "<time>", description = "Window start (default: a day ago); " + When.FORMATS)
  When start;

  @Option(names = "--end", paramLabel = "<time>", description = "Window end (default: 30 days ahead); " + When.FORMATS)
  When end;

  ScheduleCommand(Context ctx) {
    super(ctx);
  }

  @Override
  void run() {
    String path = Query.path("/lease/v1/nodes/" + Query.encode(node) + "/schedule").add("start", When.of(start)).add("end", When.of(end)).toString();
    JsonNode body = client().get(path);
    Output.Format f = ctx.options.format;
    if (f == Output.Format.json || f == Output.Format.yaml) {
      Map<String, JsonNode> fields = new LinkedHashMap<>();
      body.fieldNames().forEachRemaining(k -> fields.put(k, body.get(k)));
      output().show(fields);
      return;
    }
    ctx.out.print(render(body));
  }

  /** One bar of the timeline. */
  record Row(String kind, String uuid, String status, String project, Instant start, Instant end) {}

  static String render(JsonNode body) {
    Instant from = time(body.path("start"));
    Instant to = time(body.path("end"));
    Instant now = time(body.path("now"));
    if (from == null || to == null || !from.isBefore(to)) {
      throw new CliException("the server's schedule has no usable window (start " + body.path("start") + ", end " + body.path("end") + ")");
    }
    List<Row> rows = new ArrayList<>();
    for (JsonNode o : body.path("offers")) {
      rows.add(row("offer", o));
    }
    for (JsonNode l : body.path("leases")) {
      rows.add(row("lease", l));
    }
    rows.sort(Comparator.comparing((Row r) -> r.start() == null ? Instant.MIN : r.start()).thenComparing(Row::kind, Comparator.reverseOrder()));

    StringBuilder sb = new StringBuilder();
    JsonNode n = body.path("node");
    String name = n.path("name").asText("");
    sb.append("Node ").append(name.isEmpty() ? n.path("uuid").asText("?") : name + " (" + n.path("uuid").asText("?") + ")")
        .append(": ").append(SPAN.format(from)).append(" to ").append(SPAN.format(to)).append(" UTC");
    if (now != null) {
      sb.append(", now ").append(SPAN.format(now));
    }
    sb.append('\n');
    if (rows.isEmpty()) {
      sb.append("No offers or leases in this window.\n");
      return sb.toString();
    }
    int statusW = Math.max("STATUS".length(), rows.stream().mapToInt(r -> r.status().length()).max().orElse(0));
    int projectW = Math.max("PROJECT".length(), rows.stream().mapToInt(r -> r.project().length()).max().orElse(0));
    String prefixFormat = "%-5s  %-8s  %-" + statusW + "s  %-" + projectW + "s  ";
    String blank = String.format(prefixFormat, "", "", "", "");
    int nowCol = now != null && !now.isBefore(from) && now.isBefore(to) ? column(now, from, to) : -1;
    boolean shortWindow = Duration.between(from, to).compareTo(Duration.ofDays(4)) < 0;

    if (nowCol >= 0) {
      sb.append(blank).append(" ".repeat(1 + nowCol)).append("v now").append('\n');
    }
    char[] labels = new char[WIDTH + 2];
    Arrays.fill(labels, ' ');
    StringBuilder ruler = new StringBuilder("|");
    for (int c = 0; c < WIDTH; c++) {
      ruler.append(c % TICK == 0 ? '+' : '-');
    }
    ruler.append('|');
    for (int c = 0; c < WIDTH; c += TICK) {
      Instant at = from.plus(Duration.between(from, to).multipliedBy(c).dividedBy(WIDTH));
      String label = (shortWindow ? HOUR : DAY).format(at);
      for (int i = 0; i < label.length() && c + 1 + i < labels.length; i++) {
        labels[c + 1 + i] = label.charAt(i);
      }
    }
    sb.append(blank).append(new String(labels).stripTrailing()).append('\n');
    sb.append(String.format(prefixFormat, "KIND", "UUID", "STATUS", "PROJECT")).append(ruler).append('\n');
    for (Row r : rows) {
      char[] bar = new char[WIDTH];
      Arrays.fill(bar, ' ');
      if (nowCol >= 0) {
        bar[nowCol] = ':';
      }
      if (r.start() != null && r.end() != null && r.start().isBefore(to) && r.end().isAfter(from)) {
        int a = r.start().isBefore(from) ? 0 : column(r.start(), from, to);
        int b = r.end().isBefore(to) ? column(r.end(), from, to) : WIDTH;
        b = Math.max(b, a + 1);
        char fill = r.kind().equals("lease") ? '#' : '=';
        for (int c = a; c < Math.min(b, WIDTH); c++) {
          bar[c] = fill;
        }
      }
      sb.append(String.format(prefixFormat, r.kind(), r.uuid(), r.status(), r.project()))
          .append('|').append(bar).append('|').append("  ")
          .append(r.start() == null ? "?" : SPAN.format(r.start())).append(" - ")
          .append(r.end() == null ? "?" : SPAN.format(r.end())).append('\n');
    }
    sb.append("= offer  # lease").append(nowCol >= 0 ? "  : now" : "").append('\n');
    return sb.toString();
  }

  private static Row row(String kind, JsonNode o) {
    String uuid = o.path("uuid").asText("");
    String project = o.path("project").asText("");
    if (project.isEmpty() || o.path("project").isNull()) {
      project = o.path("project_id").isNull() ? "" : o.path("project_id").asText("");
    }
    if (project.length() > 20) {
      project = project.substring(0, 19) + "~";
    }
    return new Row(kind, uuid.length() > 8 ? uuid.substring(0, 8) : uuid, o.path("status").asText(""), project,
        time(o.path("start_time")), time(o.path("end_time")));
  }

  /** Column of an instant inside [from, to). */
  static int column(Instant t, Instant from, Instant to) {
    double f = (double) Duration.between(from, t).toMillis() / Duration.between(from, to).toMillis();
    return Math.max(0, Math.min(WIDTH - 1, (int) Math.floor(f * WIDTH)));
  }

  /** ESI-Leap times: UTC without a zone, seconds or microseconds; an offset or Z is accepted too. */
  static Instant time(JsonNode v) {
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      return null;
    }
    String s = v.asText().strip();
    try {
      return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }
}
