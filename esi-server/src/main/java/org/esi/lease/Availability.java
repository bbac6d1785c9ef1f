package org.esi.lease;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The free gaps of an offer: {@code [max(now, start), end)} minus its live leases, without empty gaps. */
final class Availability {
    private Availability() {}

    /** {@code leases} are {start, end} pairs sorted by start. */
    static List<Instant[]> gaps(Instant start, Instant end, List<Instant[]> leases, Instant now) {
        List<Instant[]> out = new ArrayList<>();
        Instant cursor = now.isAfter(start) ? now : start;
        for (Instant[] l : leases) {
            if (!l[1].isAfter(cursor)) {
                continue;
            }
            if (l[0].isAfter(cursor)) {
                out.add(new Instant[] {cursor, l[0].isBefore(end) ? l[0] : end});
            }
            cursor = l[1];
            if (!cursor.isBefore(end)) {
                break;
            }
        }
        if (cursor.isBefore(end)) {
            out.add(new Instant[] {cursor, end});
        }
        out.removeIf(g -> !g[0].isBefore(g[1]));
        return out;
    }
}
