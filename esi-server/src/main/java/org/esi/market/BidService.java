package org.esi.market;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.IdempotencyKeys;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseTimes;

/** Bids: creation (checked so that the matcher only ever sees bids it can place), look-ups and cancelling. */
public final class BidService {
    private final BidStore store;
    private final BidEvents events;
    private final LeaseService leases;
    private final Clock clock;

    public BidService(BidStore store, BidEvents events, LeaseService leases, Clock clock) {
        this.store = store;
        this.events = events;
        this.leases = leases;
        this.clock = clock;
    }

    public BidStore store() {
        return store;
    }

    /** What a new bid asks for, as parsed: a fixed window (start, end) or a flexible one (duration, notBefore, notAfter). */
    public record BidRequest(int quantity, String resourceClass, List<String> properties, Instant start, Instant end,
                             Duration duration, Instant notBefore, Instant notAfter, long maxPrice, boolean allOrNothing,
                             Instant expiresAt) {}

    /** A bid and whether an earlier request with the same idempotency key made it. */
    public record Created(Bid bid, boolean replayed) {}

    public Created create(Caller caller, BidRequest r, Optional<IdempotencyKeys.Key> key) {
        Instant now = LeaseTimes.micros(clock.instant());
        Bid bid = validated(caller, r, now);
        List<Event> recorded = new ArrayList<>();
        Created created = store.jdbi().inTransaction(h -> {
            recorded.clear();
            if (key.isPresent()) {
                Optional<UUID> earlier = IdempotencyKeys.earlier(h, key.get(), now);
                if (earlier.isPresent()) {
                    return new Created(store.find(h, earlier.get()).orElseThrow(), true);
                }
            }
            store.insert(h, bid);
            key.ifPresent(k -> IdempotencyKeys.remember(h, k, bid.uuid(), now));
            recorded.add(events.created(h, bid, now));
            return new Created(bid, false);
        });
        leases.lifecycle().publish(recorded); // the create event wakes this instance's matcher
        return created;
    }

    private Bid validated(Caller caller, BidRequest r, Instant now) {
        boolean fixed = r.start() != null || r.end() != null;
        boolean flexible = r.duration() != null || r.notBefore() != null || r.notAfter() != null;
        if (fixed == flexible) {
            throw ApiException.badRequest("A bid needs either start_time and end_time, or duration with not_after (and not_before)");
        }
        Instant latestStart;
        Duration length;
        Instant notBefore = null;
        if (fixed) {
            if (r.start() == null || r.end() == null) {
                throw ApiException.badRequest("A bid for a fixed window needs both start_time and end_time");
            }
            if (!r.start().isBefore(r.end())) {
                throw ApiException.badRequest("start_time must be before end_time");
            }
            latestStart = r.start();
            length = Duration.between(r.start(), r.end());
        } else {
            if (r.duration() == null || r.notAfter() == null) {
                throw ApiException.badRequest("A flexible bid needs duration and not_after");
            }
            notBefore = r.notBefore() != null ? r.notBefore() : now;
            length = r.duration();
            if (notBefore.plus(length).isAfter(r.notAfter())) {
                throw ApiException.badRequest("duration does not fit between not_before and not_after");
            }
            latestStart = r.notAfter().minus(length);
        }
        if (latestStart.isBefore(now)) {
            throw ApiException.badRequest("The bid's window starts in the past (latest start " + LeaseTimes.format(latestStart) + ")");
        }
        if (!caller.isAdmin() && length.compareTo(leases.maxLength()) > 0) {
            throw ApiException.forbidden("A lease may last at most " + leases.maxLength().toDays() + " days (" + leases.maxLength()
                    + ") unless an admin asks for it");
        }
        Instant expires = r.expiresAt() != null ? r.expiresAt() : latestStart;
        if (!expires.isAfter(now)) {
            throw ApiException.badRequest("expires_at must be in the future");
        }
        return new Bid(UUID.randomUUID(), caller.projectId(), r.quantity(), r.resourceClass(), List.copyOf(r.properties()),
                fixed ? r.start() : null, fixed ? r.end() : null, fixed ? null : length, notBefore, fixed ? null : r.notAfter(),
                r.maxPrice(), r.allOrNothing(), expires, BidStatus.OPEN, now, now, null);
    }

    /**
     * Cancels a bid that is still being matched (open, or partially matched: its leases stay, it takes no more); a
     * matched, expired or cancelled bid is 409.
     */
    public Bid cancel(UUID uuid) {
        Instant now = LeaseTimes.micros(clock.instant());
        List<Event> recorded = new ArrayList<>();
        Bid cancelled = store.jdbi().inTransaction(h -> {
            recorded.clear();
            Bid b = store.lock(h, uuid).orElseThrow(() -> ApiException.notFound("Bid " + uuid + " could not be found."));
            if (!b.status().matchable()) {
                throw ApiException.conflict("Bid " + uuid + " is " + b.status().word() + "; only an open bid can be cancelled");
            }
            store.setStatus(h, uuid, BidStatus.CANCELLED, b.lastError(), now);
            recorded.add(events.cancelled(h, b, now));
            return store.find(h, uuid).orElseThrow();
        });
        leases.lifecycle().publish(recorded);
        return cancelled;
    }
}
