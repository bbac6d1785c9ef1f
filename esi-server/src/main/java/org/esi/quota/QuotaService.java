package org.esi.quota;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.esi.lease.LeaseQuota;
import org.esi.lease.LeaseTimes;
import org.jdbi.v3.core.Handle;

/**
 * The per-project limits on leasing (docs/quotas.md), checked in the booking's transaction under the quota row's
 * lock: two bookings of one project queue on that row, so each sees the other's lease and they cannot pass a
 * limit together, on any number of instances. A project without a quota row is not limited and locks nothing.
 */
public final class QuotaService implements LeaseQuota {
    private final QuotaStore store;
    private final Clock clock;

    public QuotaService(QuotaStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public QuotaStore store() {
        return store;
    }

    @Override
    public void lock(Handle h, String projectId) {
        store.lock(h, projectId);
    }

    /** A project without a quota row is not limited: its lock is nothing and admit refuses nothing. */
    @Override
    public boolean lockLimits(Handle h, String projectId) {
        return store.lock(h, projectId).isPresent();
    }

    @Override
    public void admit(Handle h, String projectId, Instant start, Instant end, Optional<UUID> replacing) {
        Optional<Quota> found = store.lock(h, projectId);
        if (found.isEmpty() || !start.isBefore(end)) {
            return;
        }
        Quota q = found.get();
        // An extension changes nothing before the old end: only from there on can it take the project past a limit
        // (a limit lowered since the lease was booked does not refuse the time the lease already had).
        Instant from = replacing.flatMap(r -> store.liveWindow(h, r))
                .filter(w -> w.start().equals(start) && w.end().isAfter(start) && w.end().isBefore(end))
                .map(QuotaStore.Window::end).orElse(start);
        if (q.maxLeasedNodes() != null) {
            Peak peak = peak(store.liveWindows(h, projectId, from, end, replacing), from, end);
            if (peak.nodes() + 1 > q.maxLeasedNodes()) {
                throw new LeaseQuota.Exceeded("Quota exceeded: project " + q.projectName() + " may hold at most " + q.maxLeasedNodes()
                        + " leased node" + (q.maxLeasedNodes() == 1 ? "" : "s") + " at once; this lease would make " + (peak.nodes() + 1)
                        + " from " + LeaseTimes.format(peak.at()));
            }
        }
        if (q.maxNodeHours() != null) {
            Instant first = q.period().startOf(from);
            Instant last = q.period().next(q.period().startOf(end.minusNanos(1000)));
            List<QuotaStore.Window> windows = store.windows(h, projectId, first, last, replacing);
            long limit = q.maxNodeHours() * NodeHours.MICROS_PER_UNIT;
            for (Instant ps = first; ps.isBefore(end); ps = q.period().next(ps)) {
                Instant pe = q.period().next(ps);
                long would = used(windows, ps, pe) + overlap(start, end, ps, pe);
                if (would > limit) {
                    throw new LeaseQuota.Exceeded("Quota exceeded: project " + q.projectName() + " may use at most "
                            + NodeHours.format(q.maxNodeHours()) + " node-hours per " + q.period().word() + "; this lease would make "
                            + NodeHours.formatMicros(would) + " node-hours in the " + q.period().word() + " from " + LeaseTimes.format(ps));
                }
            }
        }
    }

    /** What a project's quota allows and what it uses now: leased nodes at this instant, node-hours of the current period. */
    public record Usage(Quota quota, int leasedNodes, long nodeHoursMicros, Instant periodStart) {}

    public Usage usage(Quota q) {
        Instant now = clock.instant();
        Instant soon = now.plus(1, ChronoUnit.MICROS);
        return store.jdbi().withHandle(h -> {
            int leased = store.liveWindows(h, q.projectId(), now, soon, Optional.empty()).size();
            if (q.period() == null) {
                return new Usage(q, leased, 0, null);
            }
            Instant ps = q.period().startOf(now);
            Instant pe = q.period().next(ps);
            return new Usage(q, leased, used(store.windows(h, q.projectId(), ps, pe, Optional.empty()), ps, pe), ps);
        });
    }

    /** The most leases held at one instant of [start, end), and the first instant they are held. */
    record Peak(int nodes, Instant at) {}

    static Peak peak(List<QuotaStore.Window> windows, Instant start, Instant end) {
        // +1 where a lease's part of the window starts, -1 where it ends; summed per instant, since the windows
        // are half-open a lease ending at t and one starting at t are never held together.
        TreeMap<Instant, Integer> steps = new TreeMap<>();
        for (QuotaStore.Window w : windows) {
            Instant s = w.start().isAfter(start) ? w.start() : start;
            Instant e = w.end().isBefore(end) ? w.end() : end;
            if (s.isBefore(e)) {
                steps.merge(s, 1, Integer::sum);
                steps.merge(e, -1, Integer::sum);
            }
        }
        int held = 0;
        Peak best = new Peak(0, start);
        for (Map.Entry<Instant, Integer> step : steps.entrySet()) {
            held += step.getValue();
            if (held > best.nodes()) {
                best = new Peak(held, step.getKey());
            }
        }
        return best;
    }

    private static long used(List<QuotaStore.Window> windows, Instant from, Instant to) {
        long sum = 0;
        for (QuotaStore.Window w : windows) {
            sum += overlap(w.start(), w.end(), from, to);
        }
        return sum;
    }

    /** Microseconds [a, b) and [from, to) share. */
    static long overlap(Instant a, Instant b, Instant from, Instant to) {
        Instant s = a.isAfter(from) ? a : from;
        Instant e = b.isBefore(to) ? b : to;
        return s.isBefore(e) ? ChronoUnit.MICROS.between(s, e) : 0;
    }
}
