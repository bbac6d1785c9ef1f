package org.esi.drivers.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Small helpers for reading Redfish JSON, where any property may be absent, null or of an odd type. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isValueNode() && !value.isNull() ? Optional.of(value.asText()) : Optional.empty();
    }

    /** The @odata.id of a link object such as {"@odata.id": "/redfish/v1/Systems/1"}. */
    static Optional<String> link(JsonNode node) {
        return text(node, "@odata.id").filter(s -> !s.isBlank()).map(Json::trimSlash);
    }

    static Optional<String> link(JsonNode node, String field) {
        return link(node.path(field));
    }

    /** The links of a list property; tolerates a single object where a list was due. */
    static List<String> links(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> link(n).ifPresent(out::add));
        } else {
            link(node).ifPresent(out::add);
        }
        return out;
    }

    /** A collection's members, duplicates dropped (some BMCs list one drive many times). */
    static List<String> members(JsonNode collection) {
        Set<String> unique = new LinkedHashSet<>(links(collection.path("Members")));
        return List.copyOf(unique);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> {
                if (n.isValueNode() && !n.isNull()) {
                    out.add(n.asText());
                }
            });
        }
        return out;
    }

    /** Paths differ only in a trailing slash across vendors ("/redfish/v1/SessionService/"). */
    static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
