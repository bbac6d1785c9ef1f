package org.esi.cli;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of every time option: ISO 8601 as ESI-Leap takes it (no offset means UTC), or a time
 * relative to the clock: {@code now}, {@code now+1h}, {@code now-30m}, {@code now+2d}. Relative times
 * become UTC seconds here, so a walk-through or a script says "in an hour" and works on any day.
 * ISO text is sent as typed (offsets and fractions included) once it has the shape of one; the server
 * parses it and answers a clear 400 for, say, month 13.
 */
record When(String wire) {
  /** For option descriptions: what a time option accepts. */
  static final String FORMATS = "ISO 8601, UTC unless an offset is given (2026-01-02T03:04:05), "
      + "or relative: now, now+1h, now-30m, now+2d (units s m h d)";

  private static final Pattern RELATIVE = Pattern.compile("now(?:([+-])(\\d{1,7}[smhd]))?");
  private static final DateTimeFormatter UTC_SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
  /** The shape of an ISO date or date-time; the server's parser (LeaseTimes) decides the rest and says what is wrong. */
  private static final Pattern ISO_SHAPE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}\\S*)?");

  static When parse(String text, Clock clock) {
    String t = text == null ? "" : text.strip();
    Matcher m = RELATIVE.matcher(t.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      // Days are 24 hours: UTC has no daylight saving to make one longer.
      Duration offset = m.group(1) == null ? Duration.ZERO : NodeWait.parse(m.group(2));
      if ("-".equals(m.group(1))) {
        offset = offset.negated();
      }
      try {
        return new When(UTC_SECONDS.format(clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(offset)));
      } catch (DateTimeException | ArithmeticException e) {
        throw new TypeConversionException("'" + t + "' is too far from now");
      }
    }
    if (!ISO_SHAPE.matcher(t).matches()) {
      throw new TypeConversionException("'" + t + "' is not a time; use " + FORMATS);
    }
    return new When(t);
  }

  /** The wire text, or null (an option not given). */
  static String of(When w) {
    return w == null ? null : w.wire();
  }

  @Override
  public String toString() {
    return wire;
  }
}
