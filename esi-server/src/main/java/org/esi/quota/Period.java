package org.esi.quota;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Optional;

/** UTC calendar periods a node-hour limit counts in: a day, an ISO week (from Monday) or a month. */
public enum Period {
    DAY("day"),
    WEEK("week"),
    MONTH("month");

    private final String word;

    Period(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public static Optional<Period> of(String word) {
        for (Period p : values()) {
            if (p.word.equals(word)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The start of the period holding {@code at}. */
    public Instant startOf(Instant at) {
        LocalDate d = at.atOffset(ZoneOffset.UTC).toLocalDate();
        LocalDate start = switch (this) {
            case DAY -> d;
            case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> d.withDayOfMonth(1);
        };
        return start.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The start of the period after the one starting at {@code start}. */
    public Instant next(Instant start) {
        LocalDate d = start.atOffset(ZoneOffset.UTC).toLocalDate();
        LocalDate n = switch (this) {
            case DAY -> d.plusDays(1);
            case WEEK -> d.plusWeeks(1);
            case MONTH -> d.plusMonths(1);
        };
        return n.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
