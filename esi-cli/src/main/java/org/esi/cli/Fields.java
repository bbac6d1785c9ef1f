package org.esi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Field/Value views of one API object for show-commands. */
final class Fields {
  /** Hypermedia members that carry no information for a person. */
  static final Set<String> LINKS = Set.of("links", "ports", "portgroups", "states", "volume", "allocations");

  private Fields() {}

  /** Every member, sorted by key, minus the excluded ones (as the OpenStack client shows objects). */
  static Map<String, JsonNode> sorted(JsonNode obj, Set<String> exclude) {
    Map<String, JsonNode> m = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!exclude.contains(e.getKey())) {
        m.put(e.getKey(), e.getValue());
      }
    }
    return m;
  }

  /** Exactly these keys, sorted; absent ones show as None. */
  static Map<String, JsonNode> only(JsonNode obj, List<String> keys) {
    return only(obj, keys, List.of());
  }

  /** As {@link #only(JsonNode, List)}, plus those of {@code ifPresent} the object has (a priced offer's price, a lease's cost). */
  static Map<String, JsonNode> only(JsonNode obj, List<String> keys, List<String> ifPresent) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    Stream.concat(keys.stream(), ifPresent.stream().filter(obj::has)).sorted()
        .forEach(k -> m.put(k, obj.has(k) ? obj.get(k) : MissingNode.getInstance()));
    return m;
  }

  /** {@code column} when any row has {@code key} (so free-only listings keep upstream's columns), else none. */
  static List<Column> ifAny(List<JsonNode> rows, String key, Column column) {
    return rows.stream().anyMatch(r -> r.has(key)) ? List.of(column) : List.of();
  }
}
