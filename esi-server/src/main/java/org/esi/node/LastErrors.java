package org.esi.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's {@code last_error} as its lessee may read it. The text is a driver's own words and names what the driver
 * talked to: the BMC's address, user, system path, sometimes a URL with credentials in it. The owner and admins read
 * it whole; the lessee reads it with every {@code driver_info} value, URL and IP address replaced, which still tells
 * it what failed ("Failed to change power state to 'power on': the BMC at *** did not answer").
 */
final class LastErrors {
    static final String HIDDEN = "***";
    /** Shorter plain values ("1", "on") are no secret and would blank out ordinary words; secrets go whatever their length. */
    private static final int MIN_PLAIN_VALUE = 3;
    private static final Pattern URL = Pattern.compile("\\b[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>]+");
    private static final Pattern IPV4 = Pattern.compile("(?<![\\d.])\\d{1,3}(?:\\.\\d{1,3}){3}(?![\\d.])");
    /** Full eight-group IPv6 addresses and any compressed form with "::" (MACs have six groups and no "::"). */
    private static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Za-z:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){0,6}(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{0,4})(?![0-9A-Za-z:])");

    private static final Pattern HOST_PORT = Pattern.compile("\\[?\\*\\*\\*]?(?::\\d{1,5}(?!\\d))?");

    private LastErrors() {}

    /**
     * The text with every value of {@code driverInfo} (secrets unsealed, so they can be found) and every URL and IP
     * address replaced by {@value #HIDDEN}. Null stays null.
     */
    static String forLessee(String lastError, JsonNode driverInfo) {
        if (lastError == null) {
            return null;
        }
        String out = lastError;
        for (String value : values(driverInfo)) {
            out = Pattern.compile(Pattern.quote(value), Pattern.CASE_INSENSITIVE).matcher(out).replaceAll(Matcher.quoteReplacement(HIDDEN));
        }
        out = URL.matcher(out).replaceAll(HIDDEN);
        out = IPV6.matcher(out).replaceAll(HIDDEN);
        out = IPV4.matcher(out).replaceAll(HIDDEN);
        // A hidden host's port ("***:623", "[***]:623") is part of the address: hide it with the host.
        return HOST_PORT.matcher(out).replaceAll(HIDDEN);
    }

    /** Every text value in driver_info worth hiding, longest first so a value inside another cannot split it. */
    private static List<String> values(JsonNode driverInfo) {
        List<String> out = new ArrayList<>();
        if (driverInfo != null) {
            collect(null, driverInfo, out);
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return out;
    }

    private static void collect(String key, JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> collect(e.getKey(), e.getValue(), out));
        } else if (node.isArray()) {
            node.forEach(child -> collect(key, child, out));
        } else if (node.isTextual()) {
            // Numbers (ports) and flags say nothing about where the BMC is; hiding "true" or "623" would garble the text.
            String v = node.textValue();
            boolean secret = key != null && NodeService.isSecretKey(key);
            if (!v.isEmpty() && (secret || v.length() >= MIN_PLAIN_VALUE)) {
                out.add(v);
            }
        }
    }
}
