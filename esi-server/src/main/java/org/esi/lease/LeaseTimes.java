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
    /** The first instant our four-digit years print; the database holds it too. */
    public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

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
        Instant i;
        try {
            i = instant(t);
        } catch (java.time.DateTimeException | ArithmeticException e) {
            throw ApiException.badRequest("'" + field + "' must be an ISO 8601 time such as 2026-01-02T03:04:05, not '"
                    + t + "'");
        }
        // Years with more digits parse, but no lease lives there and the database and our four-digit
        // output cannot hold them.
        if (i.isBefore(EARLIEST) || i.isAfter(FOREVER)) {
            throw ApiException.badRequest("'" + field + "' must lie between " + format(EARLIEST) + " and " + format(FOREVER)
                    + ", not '" + t + "'");
        }
        return i;
    }

    private static Instant instant(String t) {
        if (t.length() == 10) {
            return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        var parsed = INPUT.parse(t);
        LocalDateTime local = LocalDateTime.from(parsed);
        Instant i = parsed.isSupported(ChronoField.OFFSET_SECONDS)
                ? OffsetDateTime.of(local, ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS))).toInstant()
                : local.toInstant(ZoneOffset.UTC);
        return i.truncatedTo(ChronoUnit.MICROS);
    }

    public static String format(Instant i) {
        if (i == null) {
            return null;
        }
        int micros = i.getNano() / 1000;
        LocalDateTime t = LocalDateTime.ofEpochSecond(i.getEpochSecond(), 0, ZoneOffset.UTC);
        if (t.getYear() < 0 || t.getYear() > 9999) {
            return micros == 0 ? SECONDS.format(i) : MICROS.format(i);
        }
        // By hand: lists print two or three times per row, and DateTimeFormatter was a sixth of a lease list's CPU.
        char[] c = new char[micros == 0 ? 19 : 26];
        digits(c, 0, t.getYear(), 4);
        c[4] = '-';
        digits(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, t.getHour(), 2);
        c[13] = ':';
        digits(c, 14, t.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, t.getSecond(), 2);
        if (micros != 0) {
            c[19] = '.';
            digits(c, 20, micros, 6);
        }
        return new String(c);
    }

    private static void digits(char[] c, int at, int value, int width) {
        for (int k = at + width - 1; k >= at; k--) {
            c[k] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    public static Instant ofMicros(long epochMicros) {
        return Instant.EPOCH.plus(epochMicros, ChronoUnit.MICROS);
    }

    public static Instant micros(Instant i) {
        return i.truncatedTo(ChronoUnit.MICROS);
    }
}
