package org.esi.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RFC 6902 JSON Patch over a JSON document, as Ironic accepts it: {@code add}, {@code replace},
 * {@code remove} and {@code test}. Every problem is a 400 naming the operation's path.
 */
public final class JsonPatch {
    private static final Set<String> OPS = Set.of("add", "replace", "remove", "test");
    static final int MAX_KEY_LENGTH = 255;
    static final int MAX_DEPTH = 16;

    /** One operation after validation; {@code pointer} is the decoded RFC 6901 path. */
    public record Operation(String op, String path, List<String> pointer, JsonNode value) {
        /** The top-level field the operation touches. */
        public String field() {
            return pointer.get(0);
        }
    }

    private JsonPatch() {}

    public static List<Operation> parse(JsonNode body) {
        if (!(body instanceof ArrayNode ops)) {
            throw ApiException.badRequest("A PATCH body must be a JSON Patch list (RFC 6902)");
        }
        if (ops.isEmpty()) {
            throw ApiException.badRequest("The JSON Patch list is empty");
        }
        List<Operation> out = new ArrayList<>();
        for (JsonNode op : ops) {
            if (!op.isObject()) {
                throw ApiException.badRequest("Each JSON Patch operation must be an object");
            }
            Jsons.requireOnly((ObjectNode) op, Set.of("op", "path", "value", "from"), "a JSON Patch operation");
            String name = Jsons.requireString(op, "op");
            String path = Jsons.requireString(op, "path");
            if (!OPS.contains(name)) {
                throw ApiException.badRequest("Unsupported JSON Patch op '" + Jsons.clip(name) + "' (use add, replace, remove or test)");
            }
            List<String> pointer = pointer(path);
            JsonNode value = op.get("value");
            if (!name.equals("remove") && value == null) {
                throw ApiException.badRequest("JSON Patch op '" + name + "' on " + path + " needs a value");
            }
            out.add(new Operation(name, path, pointer, value));
        }
        return out;
    }

    /** Applies operations to {@code doc} in place. */
    public static void apply(ObjectNode doc, List<Operation> ops) {
        for (Operation op : ops) {
            JsonNode parent = doc;
            List<String> p = op.pointer();
            for (int i = 0; i < p.size() - 1; i++) {
                JsonNode next = child(parent, p.get(i));
                if (next == null || next.isNull()) {
                    if (op.op().equals("add") && parent instanceof ObjectNode o) {
                        // Ironic creates missing intermediate objects for add (e.g. /properties/x on null).
                        next = o.putObject(p.get(i));
                    } else {
                        throw ApiException.badRequest("Cannot " + op.op() + " " + op.path() + ": " + p.get(i) + " does not exist");
                    }
                }
                parent = next;
            }
            String last = p.get(p.size() - 1);
            switch (op.op()) {
                case "add" -> add(parent, last, op);
                case "replace" -> {
                    if (child(parent, last) == null) {
                        throw ApiException.badRequest("Cannot replace " + op.path() + ": it does not exist");
                    }
                    set(parent, last, op.value(), op);
                }
                case "remove" -> {
                    if (child(parent, last) == null) {
                        throw ApiException.badRequest("Cannot remove " + op.path() + ": it does not exist");
                    }
                    if (parent instanceof ObjectNode o) {
                        o.remove(last);
                    } else {
                        ((ArrayNode) parent).remove(index(parent, last, op, false));
                    }
                }
                case "test" -> {
                    JsonNode actual = child(parent, last);
                    if (actual == null || !actual.equals(op.value())) {
                        throw ApiException.conflict("JSON Patch test failed at " + op.path());
                    }
                }
                default -> throw new IllegalStateException(op.op());
            }
        }
    }

    private static void add(JsonNode parent, String key, Operation op) {
        if (parent instanceof ArrayNode a) {
            if (key.equals("-")) {
                a.add(op.value());
            } else {
                a.insert(index(parent, key, op, true), op.value());
            }
        } else {
            set(parent, key, op.value(), op);
        }
    }

    private static void set(JsonNode parent, String key, JsonNode value, Operation op) {
        if (parent instanceof ObjectNode o) {
            o.set(key, value);
        } else if (parent instanceof ArrayNode a) {
            a.set(index(parent, key, op, false), value);
        } else {
            throw ApiException.badRequest("Cannot " + op.op() + " " + op.path() + ": its parent is not an object or list");
        }
    }

    private static JsonNode child(JsonNode parent, String key) {
        if (parent instanceof ObjectNode o) {
            return o.get(key);
        }
        if (parent instanceof ArrayNode a) {
            try {
                int i = Integer.parseInt(key);
                return i >= 0 && i < a.size() ? a.get(i) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static int index(JsonNode array, String key, Operation op, boolean forInsert) {
        try {
            int i = Integer.parseInt(key);
            int max = forInsert ? array.size() : array.size() - 1;
            if (i < 0 || i > max) {
                throw ApiException.badRequest("Index " + key + " is out of range in " + op.path());
            }
            return i;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'" + Jsons.clip(key) + "' is not a list index in " + op.path());
        }
    }

    static List<String> pointer(String path) {
        if (!path.startsWith("/") || path.length() < 2) {
            throw ApiException.badRequest("JSON Patch path '" + Jsons.clip(path) + "' must start with / and name a field");
        }
        List<String> parts = new ArrayList<>();
        for (String raw : path.substring(1).split("/", -1)) {
            if (raw.isEmpty()) {
                throw ApiException.badRequest("JSON Patch path '" + Jsons.clip(path) + "' has an empty segment");
            }
            if (raw.length() > MAX_KEY_LENGTH) {
                // A longer key would be stored but could not be read back, leaving the object unusable.
                throw ApiException.badRequest("JSON Patch path '" + Jsons.clip(path) + "' has a segment longer than " + MAX_KEY_LENGTH + " characters");
            }
            parts.add(raw.replace("~1", "/").replace("~0", "~"));
        }
        if (parts.size() > MAX_DEPTH) {
            throw ApiException.badRequest("JSON Patch path '" + Jsons.clip(path) + "' is more than " + MAX_DEPTH + " levels deep");
        }
        return parts;
    }
}
