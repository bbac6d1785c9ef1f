package org.esi.lease;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import org.esi.http.ApiException;

/**
 * Times as ESI-Leap clients send and read them. Input: ISO 8601 with {@code T} or a space, optional
 * fraction, optional offset or {@code Z}; no offset means UTC. Output: UTC without offset, with
 * microseconds only when they are not zero. Everything is kept at microsecond precision, as stored.
 */
public final class LeaseTimes {
    /** An offer without an end ends here, as upstream prints it. */
    public static final Instant FOREVER = Instant.parse("9999-12-31T23:59:59.999999Z");

    private static final DateTimeFormatter INPUT = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd")
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss").optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .toFormatter();
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    private LeaseTimes() {}

    public static Instant parse(String text, String field) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        if (t.length() > 40) {
            throw ApiException.badRequest("'" + field + "' is not a time");
        }
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            var parsed = INPUT.parse(t);
            LocalDateTime local = LocalDateTime.from(parsed);
            Instant i = parsed.isSupported(ChronoField.OFFSET_SECONDS)
                    ? OffsetDateTime.of(local, ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS))).toInstant()
                    : local.toInstant(ZoneOffset.UTC);
            return i.truncatedTo(ChronoUnit.MICROS);
        } catch (java.time.DateTimeException e) {
            throw ApiException.badRequest("'" + field + "' must be an ISO 8601 time such as 2026-01-02T03:04:05, not '"
                    + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "'");
        }
    }

    public static String format(Instant i) {
        if (i == null) {
            return null;
        }
        return i.getNano() % 1_000_000_000 / 1000 == 0 ? SECONDS.format(i) : MICROS.format(i);
    }

    public static Instant ofMicros(long epochMicros) {
        return Instant.EPOCH.plus(epochMicros, ChronoUnit.MICROS);
    }

    public static Instant micros(Instant i) {
        return i.truncatedTo(ChronoUnit.MICROS);
    }
}
