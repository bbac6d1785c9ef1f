package org.esi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Column> COLS = List.of(Column.of("UUID", "uuid"), Column.of("Name", "name"),
      Column.of("Maintenance", "maintenance"), Column.of("Properties", "properties"));

  private static List<JsonNode> rows() throws Exception {
    return List.of(
        JSON.readTree("{\"uuid\": \"u1\", \"name\": \"node-1\", \"maintenance\": false, \"properties\": {\"cpus\": 8}}"),
        JSON.readTree("{\"uuid\": \"u2\", \"name\": null, \"maintenance\": true, \"properties\": {}}"));
  }

  private static String list(Output.Format f, List<String> cols, List<JsonNode> rows) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    new Output(new PrintStream(buf, true, StandardCharsets.UTF_8), f, cols).list(COLS, rows);
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static String show(Output.Format f, Map<String, JsonNode> fields) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    new Output(new PrintStream(buf, true, StandardCharsets.UTF_8), f, List.of()).show(fields);
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tableIsAnAsciiBoxWithHeader() throws Exception {
    assertThat(list(Output.Format.table, List.of(), rows())).isEqualTo("""
        +------+--------+-------------+------------+
        | UUID | Name   | Maintenance | Properties |
        +------+--------+-------------+------------+
        | u1   | node-1 | False       | {"cpus":8} |
        | u2   | None   | True        | {}         |
        +------+--------+-------------+------------+
        """);
  }

  @Test
  void emptyTablePrintsItsHeader() {
    assertThat(list(Output.Format.table, List.of(), List.of())).isEqualTo("""
        +------+------+-------------+------------+
        | UUID | Name | Maintenance | Properties |
        +------+------+-------------+------------+
        +------+------+-------------+------------+
        """);
    assertThat(list(Output.Format.value, List.of(), List.of())).isEmpty();
    assertThat(list(Output.Format.json, List.of(), List.of())).isEqualTo("[]\n");
  }

  @Test
  void jsonKeepsTypesAndUsesHeadings() throws Exception {
    assertThat(list(Output.Format.json, List.of(), rows())).isEqualTo("""
        [
          {
            "UUID": "u1",
            "Name": "node-1",
            "Maintenance": false,
            "Properties": {
              "cpus": 8
            }
          },
          {
            "UUID": "u2",
            "Name": null,
            "Maintenance": true,
            "Properties": {}
          }
        ]
        """);
    assertThat(list(Output.Format.json, List.of(), List.of())).isEqualTo("[]\n");
  }

  @Test
  void yaml() throws Exception {
    assertThat(list(Output.Format.yaml, List.of("UUID", "Maintenance"), rows())).isEqualTo("""
        - UUID: u1
          Maintenance: false
        - UUID: u2
          Maintenance: true
        """);
  }

  @Test
  void valueIsSpaceSeparatedOneRowPerLineInColumnOrderGiven() throws Exception {
    assertThat(list(Output.Format.value, List.of("Name", "UUID"), rows())).isEqualTo("node-1 u1\nNone u2\n");
  }

  @Test
  void unknownColumnIsAnError() {
    assertThatThrownBy(() -> list(Output.Format.table, List.of("Nope"), rows()))
        .isInstanceOf(CliException.class).hasMessageContaining("unknown column 'Nope'");
  }

  @Test
  void showIsAFieldValueTable() throws Exception {
    Map<String, JsonNode> f = new LinkedHashMap<>();
    f.put("name", JSON.readTree("\"node-1\""));
    f.put("last_error", JSON.readTree("\"line one\\nline two\""));
    assertThat(show(Output.Format.table, f)).isEqualTo("""
        +------------+----------+
        | Field      | Value    |
        +------------+----------+
        | name       | node-1   |
        | last_error | line one |
        |            | line two |
        +------------+----------+
        """);
    assertThat(show(Output.Format.json, f)).isEqualTo("{\n  \"name\": \"node-1\",\n  \"last_error\": \"line one\\nline two\"\n}\n");
    assertThat(show(Output.Format.value, Map.of("name", JSON.readTree("\"n\"")))).isEqualTo("n\n");
  }
}
