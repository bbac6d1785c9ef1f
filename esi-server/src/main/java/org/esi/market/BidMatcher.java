package org.esi.market;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.event.EventListener;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.lease.Lease;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseTimes;
import org.esi.persistence.BackgroundLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns open bids into leases, on every instance: at least every {@link #EVERY}, and at once when an offer is
 * created or frees up or a bid is created. A round expires the bids whose time is up, reads the free offer time
 * once ({@link FreeWindows}), then goes through the matchable bids highest max_price first, then oldest; each bid
 * is matched in one transaction under its row lock ({@code skip locked}: a bid another instance is matching is
 * that instance's), all its leases and their holds together through {@link LeaseService#claimWindows}, where the
 * booking constraint still decides. A lessee that cannot pay leaves its bid open with the reason in last_error.
 */
public final class BidMatcher implements EventListener, AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(2);
    /** After a match lost a window to someone else: look again soon, with a fresh picture. */
    static final Duration AFTER_RACE = Duration.ofMillis(100);
    /** Bids one round looks at; more wait for the next round, which starts at once. */
    static final int ROUND_BIDS = 5000;
    private static final Logger log = LoggerFactory.getLogger(BidMatcher.class);
    private final BidStore store;
    private final BidEvents events;
    private final LeaseService leases;
    private final ObjectMapper json;
    private final Clock clock;
    private final BackgroundLoop loop;

    /** What one round did. */
    public record Round(int bids, int matched, int leases, int expired, boolean raced) {}

    public BidMatcher(BidStore store, BidEvents events, LeaseService leases, ObjectMapper json, Clock clock) {
        this.store = store;
        this.events = events;
        this.leases = leases;
        this.json = json;
        this.clock = clock;
        this.loop = new BackgroundLoop("esi-market-bids", "Bid matcher", log, clock, () -> {
            Round r = runOnce();
            if (r.matched() > 0) {
                log.info("Matched {} bid(s) with {} lease(s)", r.matched(), r.leases());
            }
            return r.raced() ? AFTER_RACE : r.bids() >= ROUND_BIDS ? Duration.ZERO : EVERY;
        });
    }

    public void start() {
        loop.start();
    }

    public void wake() {
        loop.wake();
    }

    /** Offers created or freed (an offer's or a lease's end) may let a bid be matched: look now. */
    @Override
    public void committed(Event event) {
        String type = event.eventType();
        if (type.equals("esi_leap.offer.create") || type.startsWith("esi_leap.lease.delete") || type.equals(BidEvents.CREATE)) {
            wake();
        }
    }

    public BackgroundLoop.Stats stats() {
        return loop.stats();
    }

    /** One round: expiry, then every matchable bid in order. */
    public Round runOnce() {
        Instant now = LeaseTimes.micros(clock.instant());
        int expired = expire(now);
        List<Bid> bids = store.matchable(ROUND_BIDS);
        if (bids.isEmpty()) {
            return new Round(0, 0, 0, expired, false);
        }
        Set<String> classes = new HashSet<>();
        bids.forEach(b -> classes.add(b.resourceClass()));
        FreeWindows free = store.jdbi().withHandle(h -> FreeWindows.load(h, classes, now, json));
        Map<String, Set<String>> claimable = new HashMap<>();
        int matched = 0;
        int leased = 0;
        boolean raced = false;
        // A class whose bid another instance is matching right now, or whose match just lost a window: its lower bids
        // wait for the next round (soon, with a fresh picture), so a lower bid never takes what a higher one may still get.
        Set<String> busy = new HashSet<>();
        for (Bid bid : bids) {
            if (!loop.running()) {
                break;
            }
            if (busy.contains(bid.resourceClass())) {
                continue;
            }
            Set<String> ancestry = claimable.computeIfAbsent(bid.projectId(), p -> Set.copyOf(leases.ancestry(p)));
            Outcome o = match(bid.uuid(), free, ancestry, now);
            if (o.leases() > 0) {
                matched++;
                leased += o.leases();
            }
            if (o.elsewhere() || o.raced()) {
                busy.add(bid.resourceClass()); // and after a lost window too: the picture of the class is stale
            }
            raced |= o.raced() || o.elsewhere();
        }
        return new Round(bids.size(), matched, leased, expired, raced);
    }

    /** A match's leases; whether it lost a window to someone else; whether another instance held the bid. */
    private record Outcome(int leases, boolean raced, boolean elsewhere) {
        static final Outcome NONE = new Outcome(0, false, false);
        static final Outcome RACED = new Outcome(0, true, false);
    }

    private Outcome match(UUID uuid, FreeWindows free, Set<String> claimableFor, Instant now) {
        List<Event> recorded = new ArrayList<>();
        List<List<LeaseService.Window>> planned = new ArrayList<>();
        boolean[] elsewhere = {false};
        try {
            List<Lease> got = leases.inBookingTransaction(h -> {
                recorded.clear(); // a retried attempt starts over
                planned.clear();
                Bid bid = store.lockMatchable(h, uuid).orElse(null);
                elsewhere[0] = bid == null; // another instance's now, or ended since the round began
                if (bid == null || bid.latestStart().isBefore(now) || !bid.expiresAt().isAfter(now)) {
                    return List.<Lease>of(); // due to expire: the next round's expiry ends it
                }
                int need = bid.quantity() - store.leases(h, uuid).size();
                List<LeaseService.Window> plan = free.plan(bid, need, claimableFor, now);
                if (plan.isEmpty() || (bid.allOrNothing() && plan.size() < need)) {
                    return List.<Lease>of();
                }
                planned.add(plan);
                List<Lease> claimed = leases.claimWindows(h, new LeaseService.WindowClaim(bid.projectId(), claimableFor, bid.maxPrice(),
                        uuid, "bid " + uuid), plan, recorded);
                BidStatus next = claimed.size() == need ? BidStatus.MATCHED : BidStatus.PARTIALLY_MATCHED;
                store.setStatus(h, uuid, next, null, now);
                recorded.add(events.matched(h, bid, claimed, now));
                return claimed;
            });
            if (!got.isEmpty()) {
                free.taken(planned.get(0));
                leases.lifecycle().publish(recorded);
            }
            return new Outcome(got.size(), false, elsewhere[0]);
        } catch (ApiException e) {
            if (e.kind() == ErrorKind.CONFLICT || e.kind() == ErrorKind.UNAVAILABLE) {
                // A window was taken since the round's picture: its offers wait for the next round's picture.
                planned.forEach(free::stale);
                return Outcome.RACED;
            }
            // The lessee cannot pay (402) or may not lease that much (quota): the bid stays open and says why.
            store.noteError(uuid, e.getMessage(), now);
            return Outcome.NONE;
        } catch (RuntimeException e) {
            if (!loop.running()) {
                throw e;
            }
            log.warn("Bid {}: match failed, retrying next round: {}", uuid, e.toString());
            planned.forEach(free::stale);
            return Outcome.RACED;
        }
    }

    private int expire(Instant now) {
        List<Event> recorded = new ArrayList<>();
        List<Bid> ended = store.jdbi().inTransaction(h -> {
            recorded.clear();
            List<Bid> due = store.expireDue(h, now);
            for (Bid b : due) {
                recorded.add(events.expired(h, b, now));
            }
            return due;
        });
        leases.lifecycle().publish(recorded);
        return ended.size();
    }

    @Override
    public void close() {
        loop.close();
    }
}
