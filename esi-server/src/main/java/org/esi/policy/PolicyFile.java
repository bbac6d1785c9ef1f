package org.esi.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads an oslo-style policy.yaml. Uses the streaming parser rather than a tree because only the
 * token stream carries the line numbers operators need to find a mistake.
 */
final class PolicyFile {

    /** One {@code "name": "rule"} entry and the line its key is on. */
    record Entry(String name, String text, int line) {}

    private static final YAMLFactory YAML = new YAMLFactory();

    private PolicyFile() {}

    static List<Entry> read(Path file) {
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             JsonParser parser = YAML.createParser(reader)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return entries; // empty or comment-only file: nothing overridden
            }
            if (token != JsonToken.START_OBJECT) {
                throw error(file, line(parser), "expected a mapping of rule name to rule text, found " + describe(token));
            }
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                int line = line(parser);
                JsonToken value = parser.nextToken();
                if (value != JsonToken.VALUE_STRING) {
                    throw error(file, line, "rule '" + name + "' must be a string, found " + describe(value));
                }
                if (name.isBlank()) {
                    throw error(file, line, "rule name must not be blank");
                }
                // YAML would silently keep the last one; for authorisation rules that hides mistakes.
                Integer previous = seen.putIfAbsent(name, line);
                if (previous != null) {
                    throw error(file, line, "rule '" + name + "' is already defined on line " + previous);
                }
                entries.add(new Entry(name, parser.getText(), line));
            }
            if (parser.nextToken() != null) {
                throw error(file, line(parser), "expected a single YAML document");
            }
            return entries;
        } catch (JsonProcessingException e) {
            throw yamlError(file, e);
        } catch (IOException e) {
            throw new PolicyException("policy file " + file + ": cannot read: " + e, e);
        }
    }

    /**
     * Jackson reports SnakeYAML's context mark (often the start of the whole mapping), but the operator
     * needs the problem mark, where the scanner actually gave up.
     */
    private static PolicyException yamlError(Path file, JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                String reason = marked.getContext() == null
                        ? marked.getProblem()
                        : marked.getContext() + ": " + marked.getProblem();
                return error(file, marked.getProblemMark().getLine() + 1, "invalid YAML: " + reason, e);
            }
        }
        JsonLocation where = e.getLocation();
        int line = where == null ? -1 : where.getLineNr();
        return error(file, line, "invalid YAML: " + firstLine(e.getOriginalMessage()), e);
    }

    private static int line(JsonParser parser) {
        return parser.currentTokenLocation().getLineNr();
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "end of file";
        }
        return switch (token) {
            case START_OBJECT -> "a mapping";
            case START_ARRAY -> "a list";
            case VALUE_NULL -> "nothing (null)";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            default -> token.asString() == null ? token.name() : token.asString();
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    static String where(Path file, int line) {
        return line > 0 ? "policy file " + file + " line " + line : "policy file " + file;
    }

    private static PolicyException error(Path file, int line, String reason) {
        return new PolicyException(where(file, line) + ": " + reason);
    }

    private static PolicyException error(Path file, int line, String reason, Throwable cause) {
        return new PolicyException(where(file, line) + ": " + reason, cause);
    }
}
