package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.esi.http.ApiException;
import org.junit.jupiter.api.Test;

class LeaseTimesTest {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /** Years 1..9999, nanosecond precision: the hand-written output is what the formatter prints, and reads back. */
    @Property(tries = 2000)
    void formatsAsUpstreamPrintsAndReadsBack(@ForAll @LongRange(min = -62_135_596_800L, max = 253_402_300_799L) long second,
                                             @ForAll @LongRange(min = 0, max = 999_999_999) long nano, @ForAll boolean wholeSecond) {
        Instant i = Instant.ofEpochSecond(second, wholeSecond ? 0 : nano);
        String expected = i.getNano() / 1000 == 0 ? SECONDS.format(i) : MICROS.format(i);
        assertThat(LeaseTimes.format(i)).isEqualTo(expected);
        assertThat(LeaseTimes.parse(LeaseTimes.format(i), "t")).isEqualTo(LeaseTimes.micros(i));
    }

    @Test
    void knownValues() {
        assertThat(LeaseTimes.format(Instant.parse("2026-01-02T03:04:05Z"))).isEqualTo("2026-01-02T03:04:05");
        assertThat(LeaseTimes.format(Instant.parse("2026-01-02T03:04:05.000120Z"))).isEqualTo("2026-01-02T03:04:05.000120");
        assertThat(LeaseTimes.format(Instant.parse("2026-01-02T03:04:05.000000900Z"))).isEqualTo("2026-01-02T03:04:05");
        assertThat(LeaseTimes.format(LeaseTimes.FOREVER)).isEqualTo("9999-12-31T23:59:59.999999");
        assertThat(LeaseTimes.format(null)).isNull();
    }

    @Test
    void inputWithoutOffsetIsUtcAndOffsetsAreApplied() {
        assertThat(LeaseTimes.parse("2026-01-02 03:04", "t")).isEqualTo(Instant.parse("2026-01-02T03:04:00Z"));
        assertThat(LeaseTimes.parse("2026-01-02T03:04:05+02:00", "t")).isEqualTo(Instant.parse("2026-01-02T01:04:05Z"));
        assertThat(LeaseTimes.parse("2026-01-02", "t")).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        assertThatThrownBy(() -> LeaseTimes.parse("next tuesday", "start_time")).isInstanceOf(ApiException.class)
                .hasMessageContaining("'start_time' must be an ISO 8601 time");
    }

    @Test
    void yearsOutsideOneToNineThousandNineHundredNinetyNineAreRefused() {
        for (String t : new String[] {"+292278994-08-17T07:12:55", "+10000-01-01T00:00:00", "-0001-01-01T00:00:00",
                "+999999999-12-31T23:59:59Z", "0000-12-31T23:59:59"}) {
            assertThatThrownBy(() -> LeaseTimes.parse(t, "end_time")).as(t).isInstanceOf(ApiException.class)
                    .hasMessageContaining("'end_time' must");
        }
        assertThat(LeaseTimes.parse("9999-12-31T23:59:59.999999", "end_time")).isEqualTo(LeaseTimes.FOREVER);
        assertThat(LeaseTimes.parse("0001-01-01T00:00:00", "start_time")).isEqualTo(LeaseTimes.EARLIEST);
    }
}
