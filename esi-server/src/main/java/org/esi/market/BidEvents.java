package org.esi.market;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.esi.event.Event;
import org.esi.event.EventStore;
import org.esi.lease.Lease;
import org.jdbi.v3.core.Handle;

/**
 * The events of a bid's life, each recorded in the transaction of the change it describes. A bid is no node, so
 * its events have no resource; until the event table allows that (V24) nothing is recorded.
 */
public final class BidEvents {
    public static final String CREATE = "esi.market.bid.create";
    public static final String MATCHED = "esi.market.bid.matched";
    public static final String CANCEL = "esi.market.bid.cancel";
    public static final String EXPIRE = "esi.market.bid.expire";
    private final EventStore events;

    public BidEvents(EventStore events) {
        this.events = events;
    }

    Optional<Event> created(Handle h, Bid bid, Instant now) {
        return record(h, CREATE, bid, now);
    }

    Optional<Event> matched(Handle h, Bid bid, List<Lease> leases, Instant now) {
        return record(h, MATCHED, bid, now);
    }

    Optional<Event> cancelled(Handle h, Bid bid, Instant now) {
        return record(h, CANCEL, bid, now);
    }

    Optional<Event> expired(Handle h, Bid bid, Instant now) {
        return record(h, EXPIRE, bid, now);
    }

    private Optional<Event> record(Handle h, String type, Bid bid, Instant now) {
        return Optional.empty();
    }
}
