package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.function.Function;

/** One output column: the heading shown to the user and how to read its value from an API object. */
public record Column(String header, Function<JsonNode, JsonNode> getter) {

  /** A column read from a field; dots walk into nested objects ("scope.project.id"). */
  public static Column of(String header, String dottedKey) {
    String[] parts = dottedKey.split("\\.");
    return new Column(header, node -> {
      JsonNode cur = node;
      for (String p : parts) {
        if (cur == null || !cur.isObject()) {
          return MissingNode.getInstance();
        }
        cur = cur.path(p);
      }
      return cur;
    });
  }

  public JsonNode read(JsonNode row) {
    JsonNode v = getter.apply(row);
    return v == null ? MissingNode.getInstance() : v;
  }
}
