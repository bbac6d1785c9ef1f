package org.esi.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints lists and single objects the way the OpenStack client (cliff) does: {@code table}
 * (ASCII box), {@code json} (indent 2), {@code yaml} and {@code value} (cells separated by one
 * space, one row per line). {@code -c} picks columns by heading, in the order given.
 */
public final class Output {
  public enum Format { table, json, yaml, value }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .build());

  private final PrintStream out;
  private final Format format;
  private final List<String> selected;

  public Output(PrintStream out, Format format, List<String> selected) {
    this.out = out;
    this.format = format == null ? Format.table : format;
    this.selected = selected == null ? List.of() : List.copyOf(selected);
  }

  /**
   * A list of objects, one row each. An empty table still prints its header, so "nothing there" is
   * told apart from "nothing printed" (and a reader sees the columns); value form prints no lines.
   */
  public void list(List<Column> columns, List<JsonNode> rows) {
    List<Column> cols = select(columns);
    List<String> headers = cols.stream().map(Column::header).toList();
    List<List<JsonNode>> cells = new ArrayList<>();
    for (JsonNode row : rows) {
      cells.add(cols.stream().map(c -> c.read(row)).toList());
    }
    switch (format) {
      case table -> out.print(table(headers, cells));
      case value -> cells.forEach(r -> out.println(String.join(" ", r.stream().map(Output::text).toList())));
      case json, yaml -> {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        for (List<JsonNode> r : cells) {
          arr.add(object(headers, r));
        }
        out.print(structured(arr));
      }
    }
  }

  /** One object as Field/Value pairs, in the order given. */
  public void show(Map<String, JsonNode> fields) {
    List<Column> cols = fields.keySet().stream().map(k -> new Column(k, n -> fields.get(k))).toList();
    List<Column> chosen = select(cols);
    List<String> names = chosen.stream().map(Column::header).toList();
    List<JsonNode> values = chosen.stream().map(c -> c.read(null)).toList();
    switch (format) {
      case table -> {
        List<List<JsonNode>> rows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
          rows.add(List.of(JsonNodeFactory.instance.textNode(names.get(i)), values.get(i)));
        }
        out.print(table(List.of("Field", "Value"), rows));
      }
      case value -> values.forEach(v -> out.println(text(v)));
      case json, yaml -> out.print(structured(object(names, values)));
    }
  }

  private List<Column> select(List<Column> columns) {
    if (selected.isEmpty()) {
      return columns;
    }
    List<Column> chosen = new ArrayList<>();
    for (String name : selected) {
      Column c = columns.stream().filter(col -> col.header().equals(name)).findFirst()
          .orElseThrow(() -> new CliException("unknown column '" + name + "'; choose from: "
              + String.join(", ", columns.stream().map(Column::header).toList())));
      chosen.add(c);
    }
    return chosen;
  }

  private static ObjectNode object(List<String> names, List<JsonNode> values) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    for (int i = 0; i < names.size(); i++) {
      JsonNode v = values.get(i);
      o.set(names.get(i), v == null || v.isMissingNode() ? NullNode.getInstance() : v);
    }
    return o;
  }

  private String structured(JsonNode node) {
    try {
      if (format == Format.yaml) {
        return YAML.writeValueAsString(node);
      }
      // Python's json.dumps(indent=2) layout: "key": value, "[]" and "{}" when empty.
      DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withArrayEmptySeparator("")
          .withObjectEmptySeparator(""));
      DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
      pp.indentArraysWith(indenter);
      pp.indentObjectsWith(indenter);
      return JSON.writer(pp).writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new CliException("cannot format output: " + e.getOriginalMessage());
    }
  }

  /** Text of one cell: strings as they are, null as "None" and booleans as True/False like the OpenStack client, objects as compact JSON. */
  static String text(JsonNode v) {
    if (v == null || v.isMissingNode() || v.isNull()) {
      return "None";
    }
    if (v.isBoolean()) {
      return v.booleanValue() ? "True" : "False";
    }
    if (v.isValueNode()) {
      return v.asText();
    }
    return v.toString();
  }

  static String table(List<String> headers, List<List<JsonNode>> rows) {
    int n = headers.size();
    List<List<String[]>> textRows = new ArrayList<>();
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      width[i] = headers.get(i).length();
    }
    for (List<JsonNode> row : rows) {
      List<String[]> cells = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String[] lines = text(row.get(i)).split("\n", -1);
        for (String l : lines) {
          width[i] = Math.max(width[i], l.length());
        }
        cells.add(lines);
      }
      textRows.add(cells);
    }
    StringBuilder sb = new StringBuilder();
    StringBuilder border = new StringBuilder("+");
    for (int w : width) {
      border.append("-".repeat(w + 2)).append('+');
    }
    border.append('\n');
    sb.append(border);
    appendLine(sb, headers, width);
    sb.append(border);
    for (List<String[]> cells : textRows) {
      int height = cells.stream().mapToInt(c -> c.length).max().orElse(1);
      for (int line = 0; line < height; line++) {
        List<String> parts = new ArrayList<>();
        for (String[] c : cells) {
          parts.add(line < c.length ? c[line] : "");
        }
        appendLine(sb, parts, width);
      }
    }
    sb.append(border);
    return sb.toString();
  }

  private static void appendLine(StringBuilder sb, List<String> parts, int[] width) {
    sb.append('|');
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i);
      sb.append(' ').append(p).append(" ".repeat(width[i] - p.length())).append(" |");
    }
    sb.append('\n');
  }
}
