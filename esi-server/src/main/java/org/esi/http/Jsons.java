package org.esi.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/** The one ObjectMapper setup and small strict readers for request bodies. */
public final class Jsons {
    private Jsons() {}

    public static ObjectMapper newMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    }

    /** What is wrong with an unreadable body, in the caller's terms (see {@link JsonErrors}). */
    public static String describe(Exception e) {
        return JsonErrors.describe(e);
    }

    public static String clip(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() > 120 ? text.substring(0, 117) + "..." : text;
    }

    /** 400 naming every field of {@code object} outside {@code allowed}. */
    public static void requireOnly(ObjectNode object, Set<String> allowed, String what) {
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("Unknown or read-only field(s) in " + what + ": " + String.join(", ", unknown));
        }
    }

    public static ObjectNode requireObject(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw ApiException.badRequest("Missing required field '" + field + "'");
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("Field '" + field + "' must be an object");
        }
        return (ObjectNode) node;
    }

    public static String requireString(JsonNode parent, String field) {
        String value = optString(parent, field);
        if (value == null) {
            throw ApiException.badRequest("Missing required field '" + field + "'");
        }
        return value;
    }

    /** A string field, null when absent or JSON null; any other type is 400. */
    public static String optString(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest("Field '" + field + "' must be a string");
        }
        return node.textValue();
    }

    /** As {@link #optString(JsonNode, String)}, refusing text longer than {@code maxLength} characters. */
    public static String optString(JsonNode parent, String field, int maxLength) {
        String s = optString(parent, field);
        if (s != null && s.codePointCount(0, s.length()) > maxLength) {
            throw ApiException.badRequest("'" + field + "' must be at most " + maxLength + " characters");
        }
        return s;
    }

    public static Boolean optBoolean(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest("Field '" + field + "' must be true or false");
        }
        return node.booleanValue();
    }

    public static ObjectNode optObject(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("Field '" + field + "' must be an object");
        }
        return (ObjectNode) node;
    }
}
