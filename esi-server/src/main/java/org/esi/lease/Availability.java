package org.esi.lease;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The free gaps of an offer: {@code [max(now, start), end)} minus its live leases, without empty gaps. */
final class Availability {
    private Availability() {}

    /** {@code free} is the offer's window minus its live leases, in order (the offer row's {@code free}); cut at now. */
    static List<Instant[]> from(List<Instant[]> free, Instant now) {
        List<Instant[]> out = new ArrayList<>(free.size());
        for (Instant[] f : free) {
            Instant start = f[0].isBefore(now) ? now : f[0];
            if (start.isBefore(f[1])) {
                out.add(new Instant[] {start, f[1]});
            }
        }
        return out;
    }
}
