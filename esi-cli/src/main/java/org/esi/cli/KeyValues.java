package org.esi.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.List;

/** Parsing of {@code key=value} arguments and of JSON option values. */
final class KeyValues {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KeyValues() {}

  /** Splits "k=v" at the first '='; the key must not be empty. */
  static String[] split(String arg, String option) {
    int eq = arg.indexOf('=');
    if (eq <= 0) {
      throw new CliException("invalid " + option + " '" + arg + "': expected key=value");
    }
    return new String[] {arg.substring(0, eq), arg.substring(eq + 1)};
  }

  /**
   * The value as ironicclient treats it: JSON when it parses as JSON (so cpus=8 is the number 8,
   * flag=true a boolean), otherwise the plain string.
   */
  static JsonNode deserialize(String value) {
    try {
      JsonNode n = JSON.readTree(value);
      if (n != null && !n.isMissingNode()) {
        return n;
      }
    } catch (IOException notJson) {
      // a plain string such as "boot_mode:uefi"
    }
    return TextNode.valueOf(value);
  }

  /** k=v list to an object; values deserialized when {@code typed}, kept as strings otherwise. */
  static ObjectNode toObject(List<String> args, String option, boolean typed) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (args != null) {
      for (String a : args) {
        String[] kv = split(a, option);
        o.set(kv[0], typed ? deserialize(kv[1]) : TextNode.valueOf(kv[1]));
      }
    }
    return o;
  }

  /** Several comma-separated k=v pairs in one argument (--local-link-connection switch_id=..,port_id=..). */
  static ObjectNode commaPairs(List<String> args, String option) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (args != null) {
      for (String a : args) {
        for (String pair : a.split(",")) {
          if (!pair.isBlank()) {
            String[] kv = split(pair.strip(), option);
            o.put(kv[0], kv[1]);
          }
        }
      }
    }
    return o;
  }

  /** A JSON object given on the command line (--properties '{"a": 1}'). */
  static JsonNode jsonObject(String text, String option) {
    try {
      JsonNode n = JSON.readTree(text);
      if (n == null || !n.isObject()) {
        throw new CliException(option + " must be a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new CliException("invalid JSON in " + option + ": " + e.getOriginalMessage());
    }
  }
}
