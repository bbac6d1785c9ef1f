package org.esi.lease;

import java.time.Instant;
import org.jdbi.v3.core.Handle;

/**
 * What leasing asks of the market, always inside the transaction of the lease change itself, so a lease and the
 * credits that pay for it change together or not at all. Free leases (no price) never reach it.
 */
public interface LeaseBilling {
    /** A priced lease was just inserted: hold its cost from the lessee; 402 when the lessee cannot pay. */
    void charge(Handle h, Lease lease);

    /** As {@link #charge(Handle, Lease)} for a lease made by matching bid {@code bid}: the hold names the bid too. */
    default void charge(Handle h, Lease lease, java.util.UUID bid) {
        charge(h, lease);
    }

    /**
     * Holds the costs of a bid match's priced leases together, as {@link #charge(Handle, Lease, java.util.UUID)} one
     * after the other would (same rows, same 402), in fewer statements. Answers the events of the holds that it has
     * not recorded yet, in lease order, for the caller to record with its own.
     */
    default java.util.List<org.esi.event.Event> chargeAll(Handle h, java.util.List<Lease> leases, java.util.UUID bid) {
        leases.forEach(l -> charge(h, l, bid));
        return java.util.List.of();
    }

    /** A priced lease's end moves to {@code newEnd} (its cost with it): hold the difference, or nothing when it shrank. */
    void rebill(Handle h, Lease lease, Instant newEnd, long newCost);

    /**
     * A priced lease has ended at {@code endedAt}: pay the owner for the time the lessee had it (from its start
     * on the node to its end, inside its window) and give the rest back; a lease that never started is refunded.
     */
    void settle(Handle h, Lease lease, Instant endedAt);

    /** No market: nothing is priced (offers with a price are refused at creation). */
    LeaseBilling NONE = new LeaseBilling() {
        @Override
        public void charge(Handle h, Lease lease) {
            throw new IllegalStateException("no market to charge lease " + lease.uuid());
        }

        @Override
        public void rebill(Handle h, Lease lease, Instant newEnd, long newCost) {
            throw new IllegalStateException("no market to charge lease " + lease.uuid());
        }

        @Override
        public void settle(Handle h, Lease lease, Instant endedAt) {}
    };
}
