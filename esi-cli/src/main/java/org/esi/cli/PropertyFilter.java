package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client-side {@code --property "key<op>value"} filter of the upstream ESI client: ops
 * {@code >= <= > < =}; when both sides are numbers they compare numerically (so "cpus>=8"
 * keeps 16), otherwise as text. An object without the key does not match.
 */
record PropertyFilter(String key, String op, String value) {
  private static final Pattern SYNTAX = Pattern.compile("^([^<>=]+?)\\s*(>=|<=|>|<|=)\\s*(.*)$");

  static PropertyFilter parse(String expr) {
    Matcher m = SYNTAX.matcher(expr.strip());
    if (!m.matches()) {
      throw new CliException("invalid --property '" + expr + "': expected key<op>value with op one of >= <= > < =");
    }
    return new PropertyFilter(m.group(1).strip(), m.group(2), m.group(3).strip());
  }

  static List<PropertyFilter> parseAll(List<String> exprs) {
    return exprs == null ? List.of() : exprs.stream().map(PropertyFilter::parse).toList();
  }

  /** True when every filter holds for the properties object. */
  static boolean all(List<PropertyFilter> filters, JsonNode properties) {
    return filters.stream().allMatch(f -> f.test(properties));
  }

  boolean test(JsonNode properties) {
    if (properties == null || !properties.has(key) || properties.get(key).isNull()) {
      return false;
    }
    JsonNode actual = properties.get(key);
    String actualText = actual.isValueNode() ? actual.asText() : actual.toString();
    BigDecimal a = number(actualText);
    BigDecimal b = number(value);
    int cmp = a != null && b != null ? a.compareTo(b) : actualText.compareTo(value);
    return switch (op) {
      case ">=" -> cmp >= 0;
      case "<=" -> cmp <= 0;
      case ">" -> cmp > 0;
      case "<" -> cmp < 0;
      default -> cmp == 0;
    };
  }

  private static BigDecimal number(String s) {
    try {
      return new BigDecimal(s.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
