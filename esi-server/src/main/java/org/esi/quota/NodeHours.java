package org.esi.quota;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.esi.http.ApiException;

/**
 * Node-hours as the API writes them: decimal strings (or JSON numbers, read from their decimal text) with at
 * most 4 fractional digits, stored as integers of 1/10,000 node-hour. Usage is measured in microseconds, the
 * database's precision: one unit is 360,000 microseconds of one node.
 */
public final class NodeHours {
    public static final long MICROS_PER_UNIT = 360_000L;
    /** A limit of at most 10^9 node-hours: sums of microseconds under it stay far inside a long. */
    static final long MAX_UNITS = 1_000_000_000L * 10_000L;

    private NodeHours() {}

    /** A positive limit from a body field, or null when the field is null; 400 naming the field otherwise. */
    public static Long optionalLimit(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        String text;
        if (node.isTextual()) {
            text = node.textValue();
        } else if (node.isNumber()) {
            try {
                text = node.isIntegralNumber() ? node.bigIntegerValue().toString() : node.decimalValue().toPlainString();
            } catch (NumberFormatException | ArithmeticException e) { // e.g. 1e400
                throw invalid(field);
            }
        } else {
            throw invalid(field);
        }
        if (text.length() > 40 || !text.matches("[0-9]+(\\.[0-9]+)?")) {
            throw invalid(field);
        }
        BigDecimal units = new BigDecimal(text).stripTrailingZeros().movePointRight(4);
        if (units.scale() > 0) {
            throw ApiException.badRequest("'" + field + "' has more than 4 fractional digits; the smallest limit is 0.0001 node-hours");
        }
        if (units.signum() <= 0 || units.compareTo(BigDecimal.valueOf(MAX_UNITS)) > 0) {
            throw ApiException.badRequest("'" + field + "' must be more than 0 and at most 1000000000 node-hours");
        }
        return units.longValueExact();
    }

    private static ApiException invalid(String field) {
        return ApiException.badRequest("'" + field + "' must be a number of node-hours (at most 4 fractional digits, e.g. \"12.5\") or null");
    }

    /** "12.5", "0.0001", "100": a limit in units. */
    public static String format(long units) {
        BigDecimal d = BigDecimal.valueOf(units, 4).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0, RoundingMode.UNNECESSARY).toPlainString() : d.toPlainString();
    }

    /** Usage in microseconds as node-hours, rounded up to 1/10,000: what is shown never understates a use. */
    public static String formatMicros(long micros) {
        return format(Math.ceilDiv(micros, MICROS_PER_UNIT));
    }
}
