package org.esi.market;

import java.time.Instant;
import java.util.List;
import org.esi.event.Event;
import org.esi.event.EventStore;
import org.esi.lease.Lease;
import org.jdbi.v3.core.Handle;

/**
 * The events of a bid's life ({@code object_type} market_bid), each recorded in the transaction of the change it
 * describes. A bid is no node, so its events have no resource (V24); their party is the bidding project, and a
 * match's single lease's node when it made one (a match of many nodes names none).
 */
public final class BidEvents {
    public static final String CREATE = "esi.market.bid.create";
    public static final String MATCHED = "esi.market.bid.matched";
    public static final String CANCEL = "esi.market.bid.cancel";
    public static final String EXPIRE = "esi.market.bid.expire";
    static final String OBJECT_TYPE = "market_bid";
    private final EventStore events;

    public BidEvents(EventStore events) {
        this.events = events;
    }

    Event created(Handle h, Bid bid, Instant now) {
        return record(h, CREATE, bid, now);
    }

    Event matched(Handle h, Bid bid, List<Lease> leases, Instant now) {
        Lease only = leases.size() == 1 ? leases.get(0) : null;
        return events.record(h, MATCHED, now, OBJECT_TYPE, bid.uuid(), only == null ? null : only.resourceType(),
                only == null ? null : only.resourceUuid(), bid.projectId(), null);
    }

    Event cancelled(Handle h, Bid bid, Instant now) {
        return record(h, CANCEL, bid, now);
    }

    Event expired(Handle h, Bid bid, Instant now) {
        return record(h, EXPIRE, bid, now);
    }

    private Event record(Handle h, String type, Bid bid, Instant now) {
        return events.record(h, type, now, OBJECT_TYPE, bid.uuid(), null, null, bid.projectId(), null);
    }
}
