package org.esi.market;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.lease.Lease;
import org.esi.lease.LeaseBilling;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseTimes;
import org.jdbi.v3.core.Handle;

/**
 * Leasing's bill in the ledger: a priced lease's cost is held from the lessee when it is claimed (more when it is
 * extended) and settled when it ends: the owner gets the price of the time the lessee had the node, the rest
 * goes back; a lease that never started is refunded in full. Each step runs in the lease change's transaction.
 */
public final class LeaseCharges implements LeaseBilling {
    /**
     * How long after a lease's end its hold may wait to be settled before it is given back on its own: only a
     * lease whose end is stuck for a month (its hand-back failing) ever gets there, and the lessee is not
     * charged for it then.
     */
    static final Duration SETTLE_GRACE = Duration.ofDays(30);
    private final MarketService market;

    public LeaseCharges(MarketService market) {
        this.market = market;
    }

    @Override
    public void charge(Handle h, Lease lease) {
        hold(h, lease, null, lease.cost(), lease.endTime());
    }

    @Override
    public void charge(Handle h, Lease lease, UUID bid) {
        hold(h, lease, bid, lease.cost(), lease.endTime());
    }

    @Override
    public List<Event> chargeAll(Handle h, List<Lease> leases, UUID bid) {
        List<MarketService.HoldFor> holds = leases.stream().map(l -> new MarketService.HoldFor(l.cost(), l.uuid(), l.resourceUuid(),
                expiry(l.endTime()), memo(l, bid))).toList();
        return leases.isEmpty() ? List.of() : market.holdAll(h, leases.get(0).projectId(), bid, holds);
    }

    @Override
    public void rebill(Handle h, Lease lease, Instant newEnd, long newCost) {
        long more = newCost - lease.cost();
        if (more > 0) {
            hold(h, lease, null, more, newEnd);
        }
    }

    @Override
    public void settle(Handle h, Lease lease, Instant endedAt) {
        List<Hold> holds = market.store().heldForLease(h, lease.uuid());
        long owed = lease.fulfillTime() == null ? 0 : owed(lease, endedAt);
        for (Hold hold : holds) {
            long part = Math.min(owed, hold.amount());
            if (part > 0) {
                market.post(h, hold.id(), lease.ownerId(), part);
                owed -= part;
            } else {
                market.voidHold(h, hold.id()); // nothing of it was used: a refund
            }
        }
    }

    /** The price of the time the lessee had: from the later of start and fulfilment to the earlier of end and now. */
    static long owed(Lease lease, Instant endedAt) {
        Instant from = lease.fulfillTime().isAfter(lease.startTime()) ? lease.fulfillTime() : lease.startTime();
        Instant to = endedAt.isBefore(lease.endTime()) ? endedAt : lease.endTime();
        return to.isAfter(from) ? LeaseService.cost(lease.price(), from, to) : 0;
    }

    private void hold(Handle h, Lease lease, UUID bid, long amount, Instant end) {
        market.hold(h, lease.projectId(), amount, lease.uuid(), bid, expiry(end), memo(lease, bid));
    }

    private static Instant expiry(Instant end) {
        return end.isAfter(LeaseTimes.FOREVER.minus(SETTLE_GRACE)) ? LeaseTimes.FOREVER : end.plus(SETTLE_GRACE);
    }

    private static String memo(Lease lease, UUID bid) {
        return bid == null ? "lease " + lease.uuid() : "lease " + lease.uuid() + " of bid " + bid;
    }
}
