package org.esi.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.esi.http.Call;
import org.esi.http.Jsons;

/**
 * A Neutron request body: the resource wrapped in its name ({@code {"port": {...}}}), attributes Neutron
 * has but this service does not refused unless given their "not in use" value, lengths as Neutron's.
 */
final class NeutronBody {
    static final int NAME_MAX = 255;

    private final ObjectNode object;

    private NeutronBody(ObjectNode object) {
        this.object = object;
    }

    /** The object under {@code resource}; anything else in the body (a bulk list, another key) is a 400. */
    static NeutronBody of(Call call, String resource, Set<String> allowed) {
        ObjectNode body = call.bodyObject();
        if (body.size() != 1 || !body.has(resource)) {
            throw NeutronErrors.badRequest("Resource body required: the body must be {\"" + resource + "\": {...}}"
                    + (body.has(resource + "s") ? "; bulk requests are not supported" : ""));
        }
        return unwrapped(Jsons.requireObject(body, resource), allowed, resource);
    }

    static NeutronBody unwrapped(ObjectNode object, Set<String> allowed, String what) {
        List<String> unknown = new ArrayList<>();
        object.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                unknown.add(f);
            }
        });
        if (!unknown.isEmpty()) {
            throw NeutronErrors.badRequest("Unrecognized attribute(s) '" + String.join(", ", unknown.stream().sorted().map(Jsons::clip).toList())
                    + "' in " + what);
        }
        return new NeutronBody(object);
    }

    boolean has(String field) {
        return object.has(field);
    }

    JsonNode get(String field) {
        return object.get(field);
    }

    ObjectNode object() {
        return object;
    }

    /** A string of at most {@code max} characters, or {@code otherwise} when absent. */
    String string(String field, int max, String otherwise) {
        String v = Jsons.optString(object, field);
        if (v == null) {
            return otherwise;
        }
        if (v.length() > max) {
            throw NeutronErrors.badRequest("Invalid input for " + field + ". Reason: '" + Jsons.clip(v) + "' exceeds maximum length of " + max + ".");
        }
        return v;
    }

    boolean bool(String field, boolean otherwise) {
        Boolean v = Jsons.optBoolean(object, field);
        return v == null ? otherwise : v;
    }

    Integer integer(String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual() && n.textValue().matches("-?\\d{1,9}")) {
            return Integer.parseInt(n.textValue()); // Neutron converts integer-valued strings, and the stock client sends some
        }
        if (!n.isInt()) {
            throw NeutronErrors.badRequest("Invalid input for " + field + ". Reason: '" + Jsons.clip(n.toString()) + "' is not an integer.");
        }
        return n.intValue();
    }

    /** Refuses an attribute this service does not implement unless it has the value that means "not used". */
    void onlyUnused(String field, Function<JsonNode, Boolean> unused, String why) {
        JsonNode n = object.get(field);
        if (n != null && !unused.apply(n)) {
            throw NeutronErrors.badRequest("Invalid input for " + field + ": " + why);
        }
    }

    /** A list of objects; each element is read by {@code reader}. */
    <T> List<T> objects(String field, Function<ObjectNode, T> reader) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw NeutronErrors.badRequest("Invalid input for " + field + ". Reason: it must be a list.");
        }
        List<T> out = new ArrayList<>();
        for (JsonNode x : n) {
            if (!x.isObject()) {
                throw NeutronErrors.badRequest("Invalid input for " + field + ". Reason: each entry must be an object.");
            }
            out.add(reader.apply((ObjectNode) x));
        }
        return out;
    }

    List<String> strings(String field, int maxItems) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray() || n.size() > maxItems) {
            throw NeutronErrors.badRequest("Invalid input for " + field + ". Reason: it must be a list of at most " + maxItems + " strings.");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) {
            if (!x.isTextual()) {
                throw NeutronErrors.badRequest("Invalid input for " + field + ". Reason: each entry must be a string.");
            }
            out.add(x.textValue());
        }
        return out;
    }

    static boolean isEmptyList(JsonNode n) {
        return n.isArray() && n.isEmpty();
    }

    static boolean isNull(JsonNode n) {
        return n.isNull();
    }

    static boolean isFalse(JsonNode n) {
        return n.isBoolean() && !n.booleanValue();
    }

    static boolean isTrue(JsonNode n) {
        return n.isBoolean() && n.booleanValue();
    }
}
