package org.esi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.http.ApiException;

/**
 * One property filter of a pool, as upstream's offer list takes them: {@code cpus>=32}, {@code memory_mb>=1024},
 * {@code cpu_arch=x86_64}. Numbers compare as numbers, anything else as text (only = and != then).
 */
public record PropertyMatch(String property, String op, String value) {
    private static final Pattern FORM = Pattern.compile("([A-Za-z_][A-Za-z0-9_.:-]{0,63})\\s*(>=|<=|==|!=|=|>|<)\\s*(\\S.{0,254})");

    public static PropertyMatch parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw ApiException.badRequest("Property filter '" + org.esi.http.Jsons.clip(String.valueOf(text))
                    + "' must look like name>=value (operators >=, <=, >, <, =, !=), e.g. cpus>=32");
        }
        String op = m.group(2).equals("==") ? "=" : m.group(2);
        String value = m.group(3).strip();
        if (!op.equals("=") && !op.equals("!=") && number(value) == null) {
            throw ApiException.badRequest("Property filter '" + text + "': " + op + " needs a number");
        }
        return new PropertyMatch(m.group(1), op, value);
    }

    /** A body's list of filters (absent or null: none); 400 for anything but a list of at most 32 filter strings. */
    public static java.util.List<PropertyMatch> parseAll(JsonNode n) {
        java.util.List<PropertyMatch> out = new java.util.ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray() || n.size() > 32) {
            throw ApiException.badRequest("properties must be a list of at most 32 filters like \"cpus>=32\"");
        }
        for (JsonNode f : n) {
            if (!f.isTextual()) {
                throw ApiException.badRequest("properties must be a list of strings like \"cpus>=32\"");
            }
            out.add(parse(f.textValue()));
        }
        return out;
    }

    /** Whether a node's properties pass; a missing property never passes (except for !=). */
    public boolean test(JsonNode properties) {
        JsonNode v = properties == null ? null : properties.get(property);
        if (v == null || v.isNull()) {
            return op.equals("!=");
        }
        String have = v.asText();
        BigDecimal want = number(value);
        BigDecimal got = number(have);
        if (want != null && got != null) {
            int c = got.compareTo(want);
            return switch (op) {
                case ">=" -> c >= 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case "<" -> c < 0;
                case "=" -> c == 0;
                default -> c != 0;
            };
        }
        return switch (op) {
            case "=" -> have.equals(value);
            case "!=" -> !have.equals(value);
            default -> false;
        };
    }

    @Override
    public String toString() {
        return property + op + value;
    }

    private static BigDecimal number(String s) {
        try {
            return new BigDecimal(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
