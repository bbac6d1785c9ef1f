package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Builds the RFC 6902 JSON Patch documents Ironic takes on PATCH /nodes/{id} and /ports/{id}. */
final class JsonPatch {
  private final ArrayNode ops = JsonNodeFactory.instance.arrayNode();

  /** "add" replaces an existing member too, so it serves for every "set". */
  JsonPatch add(String path, JsonNode value) {
    ObjectNode op = ops.addObject();
    op.put("op", "add");
    op.put("path", path);
    op.set("value", value);
    return this;
  }

  JsonPatch remove(String path) {
    ObjectNode op = ops.addObject();
    op.put("op", "remove");
    op.put("path", path);
    return this;
  }

  /** add ops under {@code /prefix/key} for each k=v; values as {@link KeyValues#deserialize} when typed. */
  JsonPatch addAll(String prefix, List<String> keyValues, String option, boolean typed) {
    if (keyValues != null) {
      for (String kv : keyValues) {
        String[] p = KeyValues.split(kv, option);
        add(prefix + "/" + escape(p[0]), typed ? KeyValues.deserialize(p[1]) : JsonNodeFactory.instance.textNode(p[1]));
      }
    }
    return this;
  }

  JsonPatch removeAll(String prefix, List<String> keys) {
    if (keys != null) {
      for (String k : keys) {
        remove(prefix + "/" + escape(k));
      }
    }
    return this;
  }

  boolean isEmpty() {
    return ops.isEmpty();
  }

  ArrayNode toJson() {
    return ops;
  }

  /** A key is one path segment: '~' and '/' are escaped as RFC 6901 says. */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
