package org.esi.market;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.esi.http.ApiException;

/**
 * Credits as the API writes them: decimal strings with at most 4 fractional digits, stored as integers of
 * 1/10,000 credit ("units"). Never floating point: a JSON number is read from its decimal text.
 */
public final class Money {
    public static final long UNITS_PER_CREDIT = 10_000;
    /** The most one request may move: 10^11 credits, far below where sums of many could overflow a bigint. */
    public static final long MAX_UNITS = 100_000_000_000L * UNITS_PER_CREDIT;

    private Money() {}

    /** A positive amount from a body field (string or number); 400 naming the field otherwise. */
    public static long positive(JsonNode body, String field) {
        long units = amount(body, field);
        if (units <= 0) {
            throw ApiException.badRequest("'" + field + "' must be more than 0");
        }
        return units;
    }

    /** An optional price (0 or more) from a body field: null when the field is absent or null. */
    public static Long optionalPrice(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        long units = amount(body, field);
        if (units < 0) {
            throw ApiException.badRequest("'" + field + "' must not be negative");
        }
        return units;
    }

    private static long amount(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            throw ApiException.badRequest("Missing required field '" + field + "'");
        }
        String text;
        if (node.isTextual()) {
            text = node.textValue();
        } else if (node.isNumber()) {
            try {
                text = node.isBigDecimal() || node.isFloatingPointNumber() ? node.decimalValue().toPlainString() : node.bigIntegerValue().toString();
            } catch (NumberFormatException | ArithmeticException e) { // e.g. 1e400, read as an infinite double
                throw ApiException.badRequest("'" + field + "' must be a decimal number of credits, e.g. \"12.5\"");
            }
        } else {
            throw ApiException.badRequest("Field '" + field + "' must be a decimal string of credits, e.g. \"12.5\"");
        }
        return parse(text, field);
    }

    /** Units from a decimal string; 400 for anything but a plain decimal with at most 4 fractional digits. */
    public static long parse(String text, String field) {
        if (text.length() > 40 || !text.matches("-?[0-9]+(\\.[0-9]+)?")) {
            throw ApiException.badRequest("'" + field + "' must be a decimal number of credits with at most 4 fractional digits, e.g. \"12.5\"");
        }
        BigDecimal d = new BigDecimal(text).stripTrailingZeros();
        if (d.scale() > 4) {
            throw ApiException.badRequest("'" + field + "' has more than 4 fractional digits; the smallest amount is 0.0001");
        }
        BigDecimal units = d.movePointRight(4);
        if (units.abs().compareTo(BigDecimal.valueOf(MAX_UNITS)) > 0) {
            throw ApiException.badRequest("'" + field + "' must be at most " + format(MAX_UNITS) + " credits");
        }
        return units.longValueExact();
    }

    /** "12.5", "0.0001", "-3", "0". */
    public static String format(long units) {
        return BigDecimal.valueOf(units, 4).stripTrailingZeros().setScale(Math.max(0, BigDecimal.valueOf(units, 4).stripTrailingZeros().scale()),
                RoundingMode.UNNECESSARY).toPlainString();
    }
}
