package org.esi.lease;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.event.EventStore;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.ErrorKind;
import org.esi.http.IdempotencyKeys;
import org.esi.http.Ids;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.node.Node;
import org.esi.node.NodeService;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Offers, claims and leases: the rules of leasing-api.md that hold whoever asks. Overlap is refused by
 * the database (the booking table's exclusion constraint), inside the same transaction as the insert.
 */
public final class LeaseService {
    public static final String RESOURCE_TYPE = "ironic_node";

    private final LeaseStore store;
    private final NodeService nodes;
    private final IdentityService identity;
    private final EventStore events;
    private final Lifecycle lifecycle;
    private final Clock clock;
    private final Duration defaultLength;
    private final Duration maxLength;
    private final LeaseBilling billing;
    private final LeaseQuota quota;

    public LeaseService(LeaseStore store, NodeService nodes, IdentityService identity, EventStore events, Lifecycle lifecycle,
                        Clock clock, Duration defaultLength, Duration maxLength, LeaseBilling billing, LeaseQuota quota) {
        this.billing = billing;
        this.quota = quota;
        this.store = store;
        this.nodes = nodes;
        this.identity = identity;
        this.events = events;
        this.lifecycle = lifecycle;
        this.clock = clock;
        this.defaultLength = defaultLength;
        this.maxLength = maxLength;
    }

    public LeaseStore store() {
        return store;
    }

    public NodeService nodes() {
        return nodes;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    // --- look-ups

    public Project project(String idOrName) {
        return identity.findProject(idOrName).orElseThrow(() -> ApiException.notFound("Project " + idOrName + " could not be found."));
    }

    public Optional<Project> findProject(String idOrName) {
        return identity.findProject(idOrName);
    }

    public List<Project> allProjects() {
        return identity.store().projects(Optional.empty(), Optional.empty());
    }

    public List<String> ancestry(String projectId) {
        return identity.store().ancestry(projectId);
    }

    public Node node(String resourceType, String ident) {
        requireResourceType(resourceType);
        return nodes.find(ident);
    }

    public static void requireResourceType(String type) {
        if (type != null && !type.equals(RESOURCE_TYPE)) {
            throw ApiException.badRequest("Unsupported resource_type '" + type + "'; only " + RESOURCE_TYPE + " is known");
        }
    }

    /** An offer by UUID or unique name; an ambiguous name is 409. */
    public UUID offerUuid(String ident) {
        return resolve(ident, store::offersNamed, "Offer");
    }

    public UUID leaseUuid(String ident) {
        return resolve(ident, store::leasesNamed, "Lease");
    }

    private static UUID resolve(String ident, java.util.function.Function<String, List<UUID>> byName, String what) {
        if (Ids.looksLikeUuid(ident)) {
            return Ids.parseUuid(ident, what.toLowerCase());
        }
        List<UUID> named = byName.apply(ident);
        if (named.isEmpty()) {
            throw ApiException.notFound(what + " " + ident + " could not be found.");
        }
        if (named.size() > 1) {
            throw ApiException.conflict(named.size() + " " + what.toLowerCase() + "s are named '" + ident + "'; use the UUID");
        }
        return named.get(0);
    }

    // --- offers

    /** What a new offer asks for, after parsing; times may be null (defaults apply). */
    public record OfferRequest(String name, Node node, String lesseeId, Instant start, Instant end, ObjectNode properties, Long price) {}

    public Offer createOffer(Caller caller, OfferRequest r) {
        Instant now = LeaseTimes.micros(clock.instant());
        List<Event> recorded = new ArrayList<>();
        Offer offer = write(() -> store.jdbi().inTransaction(h -> {
            recorded.clear(); // a retried attempt starts over
            Node node = r.node();
            Optional<Lease> parent = subLeaseParent(h, caller, node);
            NodeFitness.requireFit(node, parent, "offered");
            Instant start = r.start() != null ? r.start() : now;
            Instant end = r.end() != null ? r.end() : parent.map(Lease::endTime).orElse(LeaseTimes.FOREVER);
            requireOrder(start, end);
            parent.ifPresent(p -> requireInside(start, end, p.startTime(), p.endTime(), "its parent lease " + p.uuid()));
            Offer o = new Offer(UUID.randomUUID(), r.name(), parent.map(Lease::projectId).orElse(node.owner() != null ? node.owner() : caller.projectId()),
                    r.lesseeId(), RESOURCE_TYPE, node.uuid(), start, end, OfferStatus.AVAILABLE, r.properties(),
                    parent.map(Lease::uuid).orElse(null), now, r.price());
            store.book(h, o.uuid(), node.uuid(), parent.map(Lease::uuid).orElse(node.uuid()), start, end);
            store.insertOffer(h, o, now);
            recorded.add(events.record(h, "esi_leap.offer.create", now, "offer", o.uuid(), RESOURCE_TYPE, node.uuid(), o.lesseeId(), o.projectId()));
            return o;
        }));
        lifecycle.publish(recorded);
        return offer;
    }

    /** Deletes an offer and cancels its leases; 409 when it has already ended (by expiry or another delete). */
    public void deleteOffer(UUID uuid) {
        if (!lifecycle.endOffer(uuid, OfferStatus.DELETED)) {
            Offer o = store.offerView(uuid).orElseThrow().offer();
            throw ApiException.conflict("Offer " + uuid + " is " + o.status().word() + "; only an available offer can be deleted");
        }
    }

    // --- claims and leases

    public record ClaimRequest(String name, Instant start, Instant end, ObjectNode properties, String purpose,
                               Optional<IdempotencyKeys.Key> key) {
        public ClaimRequest(String name, Instant start, Instant end, ObjectNode properties, String purpose) {
            this(name, start, end, properties, purpose, Optional.empty());
        }
    }

    /** A claim's lease, and whether it was made by an earlier request with the same idempotency key. */
    public record Claim(Lease lease, boolean replayed) {}

    public Claim claim(Caller caller, UUID offerUuid, ClaimRequest r) {
        Instant now = LeaseTimes.micros(clock.instant());
        List<Event> recorded = new ArrayList<>();
        Claim claim = write(() -> store.jdbi().inTransaction(h -> {
            recorded.clear(); // a retried attempt starts over
            if (r.key().isPresent()) {
                Optional<UUID> earlier = IdempotencyKeys.earlier(h, r.key().get(), now);
                if (earlier.isPresent()) {
                    return new Claim(store.lease(h, earlier.get()).orElseThrow(), true);
                }
            }
            lockQuota(h, caller, caller.projectId());
            Offer o = store.offerForClaim(h, offerUuid).orElseThrow(() -> ApiException.notFound("Offer " + offerUuid + " could not be found."));
            if (o.status() != OfferStatus.AVAILABLE) {
                throw ApiException.conflict("Offer " + o.uuid() + " is " + o.status().word() + " and cannot be claimed");
            }
            Instant start = r.start() != null ? r.start() : (now.isAfter(o.startTime()) ? now : o.startTime());
            Instant end = r.end();
            if (end == null) {
                end = start.plus(defaultLength);
                Optional<Instant> next = store.nextLeaseStart(h, o.uuid(), start);
                if (next.isPresent() && next.get().isBefore(end)) {
                    end = next.get();
                }
                if (o.endTime().isBefore(end)) {
                    end = o.endTime();
                }
            } else {
                requireLength(caller, start, end);
            }
            requireOrder(start, end);
            requireInside(start, end, o.startTime(), o.endTime(), "offer " + o.uuid());
            admit(h, caller, caller.projectId(), start, end, Optional.empty());
            Lease l = new Lease(UUID.randomUUID(), r.name(), caller.projectId(), o.projectId(), o.resourceType(), o.resourceUuid(),
                    start, end, null, null, LeaseStatus.CREATED, r.properties(), r.purpose(), o.uuid(), o.parentLeaseUuid(), now, 0,
                    null, null, null, o.price(), o.priced() ? cost(o.price(), start, end) : null);
            insertClaim(h, l, now);
            r.key().ifPresent(k -> IdempotencyKeys.remember(h, k, l.uuid(), now));
            recorded.add(event(h, "esi_leap.lease.create", l, now));
            return new Claim(l, false);
        }));
        lifecycle.publish(recorded);
        return claim;
    }

    /**
     * Runs {@code work} in one transaction with the booking retries of this service (a collision between
     * concurrent bookings is run again; an overlap is a 409): for callers that claim with {@link #claimAll}
     * and write their own rows in the same transaction.
     */
    public <T> T inBookingTransaction(java.util.function.Function<Handle, T> work) {
        return write(() -> store.jdbi().inTransaction(work::apply));
    }

    /** What a batch of claims asks for: every lease starts now and lasts {@code length}, or less where an offer ends sooner. */
    public record BatchClaim(String projectId, String name, Duration length, Duration shortest, String purpose, Long maxPrice) {
        public BatchClaim(String projectId, String name, Duration length, Duration shortest, String purpose) {
            this(projectId, name, length, shortest, purpose, null);
        }
    }

    /**
     * Claims {@code n} of the candidate offers in the caller's transaction, all or none: candidates are locked in
     * UUID order (so batches never deadlock each other or single claims), each one's free time is checked under
     * its lock, and the claims are inserted where the booking constraint decides as for a single claim. A window
     * is the offer's free gap from now on, cut to {@code length}; a gap shorter than {@code shortest} does not
     * count. When fewer than n fit, nothing is written and the conflict says how many did. The events go to
     * {@code recorded}, for {@link Lifecycle#publish} after the caller commits. Priced offers are taken only up to
     * the batch's {@code maxPrice} (none without one), and their cost is held with each lease (402 rolls all back).
     */
    public List<Lease> claimAll(Handle h, BatchClaim b, List<UUID> candidates, int n, List<Event> recorded) {
        Instant now = LeaseTimes.micros(clock.instant());
        List<Lease> claimed = new ArrayList<>();
        if (n <= 0) {
            return claimed;
        }
        quota.lock(h, b.projectId()); // before the offers' locks, see LeaseQuota.lock
        for (UUID candidate : candidates.stream().sorted().distinct().toList()) {
            Optional<Offer> locked = store.offerForClaim(h, candidate);
            if (locked.isEmpty() || locked.get().status() != OfferStatus.AVAILABLE || now.isBefore(locked.get().startTime())) {
                continue;
            }
            Offer o = locked.get();
            Optional<Instant> gapEnd = store.freeUntil(h, o.uuid(), now);
            if (gapEnd.isEmpty()) {
                continue;
            }
            Instant end = gapEnd.get().isBefore(now.plus(b.length())) ? gapEnd.get() : now.plus(b.length());
            if (Duration.between(now, end).compareTo(b.shortest()) < 0) {
                continue;
            }
            if (o.priced() && (b.maxPrice() == null || o.price() > b.maxPrice())) {
                continue; // never spends more than the batch allows; a batch without a price takes free offers only
            }
            quota.admit(h, b.projectId(), now, end, Optional.empty());
            Lease l = new Lease(UUID.randomUUID(), b.name(), b.projectId(), o.projectId(), o.resourceType(), o.resourceUuid(),
                    now, end, null, null, LeaseStatus.CREATED, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), b.purpose(), o.uuid(), o.parentLeaseUuid(), now, 0, null, null, null,
                    o.price(), o.priced() ? cost(o.price(), now, end) : null);
            insertClaim(h, l, now);
            recorded.add(event(h, "esi_leap.lease.create", l, now));
            claimed.add(l);
            if (claimed.size() == n) {
                return claimed;
            }
        }
        throw new NotEnoughOffers(claimed.size(), n);
    }

    /** A batch of claims that did not fit: how many did. The caller's transaction rolls back, so nothing was claimed. */
    public static final class NotEnoughOffers extends ApiException {
        private final int fitted;

        NotEnoughOffers(int fitted, int wanted) {
            super(ErrorKind.CONFLICT, "Only " + fitted + " of " + wanted + " machines fit: not enough matching offers are free now"
                    + " for the lease length; nothing was claimed");
            this.fitted = fitted;
        }

        public int fitted() {
            return fitted;
        }
    }

    /** One lease a caller wants: {@code [start, end)} of one offer. */
    public record Window(UUID offer, Instant start, Instant end) {}

    /**
     * Who claims a set of windows and on what terms: the lessee, the projects whose restricted offers it may take
     * (its ancestry), the highest price it pays (free offers count as 0), and the bid the leases are for.
     */
    public record WindowClaim(String projectId, java.util.Set<String> claimableFor, long maxPrice, UUID bid, String purpose) {}

    /**
     * Claims exactly the given windows in the caller's transaction, all or none: offers are locked in UUID order (as
     * {@link #claimAll} does, so the two never deadlock), each window is checked under its offer's lock (available,
     * claimable by the project, price at most the maximum, the time still free), and each lease is inserted where the
     * booking constraint decides, its cost held from the lessee with the bid's uuid (402 rolls everything back). A
     * window that no longer fits is a conflict with nothing written. Events go to {@code recorded}.
     *
     * <p>Set-based: one statement locks all the offers, one checks all the windows, one books and inserts all the
     * leases, the holds are written together ({@link LeaseBilling#chargeAll}) and the events in one insert, so a
     * match costs a dozen statements whatever its size. A project with a quota is the exception: each window is
     * admitted, then written, one after the other, so each admission counts the windows before it.
     */
    public List<Lease> claimWindows(Handle h, WindowClaim c, List<Window> windows, List<Event> recorded) {
        Instant now = LeaseTimes.micros(clock.instant());
        boolean limited = quota.lockLimits(h, c.projectId()); // before the offers' locks, see LeaseQuota.lock
        List<Window> ordered = windows.stream()
                .sorted(java.util.Comparator.comparing(Window::offer).thenComparing(Window::start)).toList();
        Map<UUID, Offer> offers = store.offersForClaim(h, ordered.stream().map(Window::offer).toList());
        List<Boolean> free = store.windowsFree(h, ordered);
        List<Lease> claimed = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            Window w = ordered.get(i);
            Offer o = offers.get(w.offer());
            if (o == null) {
                throw ApiException.conflict("Offer " + w.offer() + " is gone");
            }
            boolean claimable = o.lesseeId() == null || c.claimableFor().contains(o.lesseeId());
            long price = o.priced() ? o.price() : 0;
            // The free time was read before any of these windows was booked: a window overlapping the one before it on
            // the same offer is refused here, as a check after that one's booking would have.
            Window before = i == 0 ? null : ordered.get(i - 1);
            boolean overlaps = before != null && before.offer().equals(w.offer()) && before.end().isAfter(w.start());
            if (o.status() != OfferStatus.AVAILABLE || !claimable || price > c.maxPrice() || !free.get(i) || overlaps) {
                throw ApiException.conflict("Offer " + o.uuid() + " no longer has " + LeaseTimes.format(w.start()) + " to "
                        + LeaseTimes.format(w.end()) + " free for project " + c.projectId() + " at that price; nothing was claimed");
            }
            Lease l = new Lease(UUID.randomUUID(), null, c.projectId(), o.projectId(), o.resourceType(), o.resourceUuid(),
                    w.start(), w.end(), null, null, LeaseStatus.CREATED, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
                    c.purpose(), o.uuid(), o.parentLeaseUuid(), now, 0, null, null, null,
                    o.price(), o.priced() ? cost(o.price(), w.start(), w.end()) : null);
            claimed.add(l);
            if (limited) {
                quota.admit(h, c.projectId(), w.start(), w.end(), Optional.empty());
                writeClaims(h, List.of(l), c.bid(), now, recorded);
            }
        }
        if (!limited && !claimed.isEmpty()) {
            writeClaims(h, claimed, c.bid(), now, recorded);
        }
        return claimed;
    }

    /** The leases of {@link #claimWindows}, their holds, and their events (each lease's hold's, then its own). */
    private void writeClaims(Handle h, List<Lease> leases, UUID bid, Instant now, List<Event> recorded) {
        store.insertClaims(h, leases, now, bid);
        List<Lease> priced = leases.stream().filter(l -> l.price() != null && l.cost() > 0).toList();
        java.util.Iterator<Event> holdEvents = billing.chargeAll(h, priced, bid).iterator();
        List<Event> unsaved = new ArrayList<>();
        for (Lease l : leases) {
            if (holdEvents.hasNext() && l.price() != null && l.cost() > 0) {
                unsaved.add(holdEvents.next());
            }
            unsaved.add(new Event(0, "esi_leap.lease.create", now, "lease", l.uuid(), l.resourceType(), l.resourceUuid(), l.projectId(),
                    l.ownerId()));
        }
        for (Event e : events.recordAll(h, unsaved)) {
            if (e.objectType().equals("lease")) {
                recorded.add(e); // a hold's event inside a claim is logged, not published on its own (as MarketService.hold does)
            }
        }
    }

    public Duration maxLength() {
        return maxLength;
    }

    public record LeaseRequest(String name, Node node, String projectId, Instant start, Instant end, ObjectNode properties, String purpose) {}

    public Lease createLease(Caller caller, LeaseRequest r) {
        Instant now = LeaseTimes.micros(clock.instant());
        List<Event> recorded = new ArrayList<>();
        Lease lease = write(() -> store.jdbi().inTransaction(h -> {
            recorded.clear(); // a retried attempt starts over
            lockQuota(h, caller, r.projectId());
            Node node = r.node();
            Optional<Lease> parent = subLeaseParent(h, caller, node);
            NodeFitness.requireFit(node, parent, "leased");
            Instant start = r.start() != null ? r.start() : now;
            Instant end = r.end() != null ? r.end() : start.plus(defaultLength);
            if (r.end() != null) {
                requireLength(caller, start, end);
            } else if (parent.isPresent() && parent.get().endTime().isBefore(end)) {
                end = parent.get().endTime();
            }
            requireOrder(start, end);
            Instant finalEnd = end;
            parent.ifPresent(p -> requireInside(start, finalEnd, p.startTime(), p.endTime(), "its parent lease " + p.uuid()));
            String owner = parent.map(Lease::projectId).orElse(node.owner() != null ? node.owner() : caller.projectId());
            admit(h, caller, r.projectId(), start, finalEnd, Optional.empty());
            Lease l = new Lease(UUID.randomUUID(), r.name(), r.projectId(), owner, RESOURCE_TYPE, node.uuid(), start, end, null, null,
                    LeaseStatus.CREATED, r.properties(), r.purpose(), null, parent.map(Lease::uuid).orElse(null), now, 0, null, null, null,
                    null, null);
            store.book(h, l.uuid(), node.uuid(), parent.map(Lease::uuid).orElse(node.uuid()), start, end);
            store.insertLease(h, l, now);
            recorded.add(event(h, "esi_leap.lease.create", l, now));
            return l;
        }));
        lifecycle.publish(recorded);
        return lease;
    }

    /** Moves a lease's end; the new window is re-booked, so an extension into someone else's time is 409. */
    public Lease updateEnd(Caller caller, UUID uuid, Instant newEnd) {
        Instant now = LeaseTimes.micros(clock.instant());
        List<Event> recorded = new ArrayList<>();
        Lease updated = write(() -> store.jdbi().inTransaction(h -> {
            recorded.clear(); // a retried attempt starts over
            // Lock order as everywhere (Lifecycle.end): the offer the lease was claimed from, then the lease.
            Optional<Lease> before = store.lease(h, uuid);
            before.ifPresent(b -> lockQuota(h, caller, b.projectId())); // the quota's lock first, see LeaseQuota.lock
            Optional<UUID> offerOf = before.map(Lease::offerUuid);
            offerOf.ifPresent(o -> store.offerForClaim(h, o));
            Lease l = store.leaseForUpdate(h, uuid).orElseThrow(() -> ApiException.notFound("Lease " + uuid + " could not be found."));
            if (l.status() != LeaseStatus.CREATED && l.status() != LeaseStatus.ACTIVE) {
                throw ApiException.conflict("Lease " + uuid + " is " + l.status().word() + "; only a created or active lease can be changed");
            }
            requireOrder(l.startTime(), newEnd);
            requireLength(caller, l.startTime(), newEnd);
            if (l.offerUuid() != null) {
                Offer o = store.offerForClaim(h, l.offerUuid()).orElseThrow();
                requireInside(l.startTime(), newEnd, o.startTime(), o.endTime(), "offer " + o.uuid());
            } else if (l.parentLeaseUuid() != null) {
                Lease p = store.lease(h, l.parentLeaseUuid()).orElseThrow();
                requireInside(l.startTime(), newEnd, p.startTime(), p.endTime(), "its parent lease " + p.uuid());
            }
            for (Lease child : store.liveChildLeases(h, uuid)) {
                if (child.endTime().isAfter(newEnd)) {
                    throw ApiException.conflict("Sub-lease " + child.uuid() + " runs until " + LeaseTimes.format(child.endTime())
                            + "; the lease cannot end before it");
                }
            }
            for (Offer child : store.liveChildOffers(h, uuid)) {
                if (child.endTime().isAfter(newEnd)) {
                    throw ApiException.conflict("Sub-offer " + child.uuid() + " runs until " + LeaseTimes.format(child.endTime())
                            + "; the lease cannot end before it");
                }
            }
            if (newEnd.isAfter(l.endTime())) {
                admit(h, caller, l.projectId(), l.startTime(), newEnd, Optional.of(uuid));
            }
            store.rebook(h, uuid, l.startTime(), newEnd);
            String due = l.status() == LeaseStatus.ACTIVE ? ", due_at = :end" : "";
            Map<String, Object> args = new java.util.HashMap<>(Map.of("end", LeaseStore.utc(newEnd), "now", LeaseStore.utc(now)));
            if (l.price() != null) {
                long newCost = cost(l.price(), l.startTime(), newEnd);
                billing.rebill(h, l, newEnd, newCost);
                due += ", cost = :cost";
                args.put("cost", newCost);
            }
            store.updateLease(h, uuid, "end_time = :end, updated_at = :now, ending_notified = false" + due, args);
            store.refreshBusy(h, l.offerUuid());
            recorded.add(event(h, "esi_leap.lease.update", l, now));
            return store.lease(h, uuid).orElseThrow();
        }));
        lifecycle.publish(recorded);
        return updated;
    }

    /**
     * Cancels a lease. The wish is stored with the lease under its row lock first (waiting for a worker that is
     * starting it right now), so it cannot be lost: the hand-back runs at once when nobody else holds the lease,
     * and otherwise the lifecycle carries it out as soon as the holder lets go. 409 when the lease has ended.
     */
    public void cancel(UUID uuid) {
        boolean recorded = store.jdbi().inTransaction(h -> {
            Lease l = store.leaseForUpdate(h, uuid).orElseThrow(() -> ApiException.notFound("Lease " + uuid + " could not be found."));
            if (!l.status().live()) {
                throw ApiException.conflict("Lease " + uuid + " is already " + l.status().word());
            }
            if (l.ending() != null) {
                return false; // already ending; the lifecycle finishes it
            }
            store.updateLease(h, uuid, "ending = 'cancel', due_at = :now, updated_at = :now", Map.of("now", LeaseStore.utc(clock.instant())));
            return true;
        });
        if (recorded && !lifecycle.end(uuid, Lifecycle.Ending.CANCEL)) {
            // The lifecycle's worker saw the stored wish first and is ending it: the answer waits (bounded) for it,
            // so the caller reads the lease ended and its credits settled, as when this thread ends it.
            lifecycle.awaitEnded(uuid);
        }
    }

    /**
     * The active lease that lets the caller sub-lease or sub-offer this node, when the caller is the node's
     * lessee and not acting as owner or admin. One level only: a sub-lease cannot be divided again.
     */
    private Optional<Lease> subLeaseParent(Handle h, Caller caller, Node node) {
        boolean ownerOrAdmin = caller.isAdmin() || (caller.projectId().equals(node.owner()) && caller.roles().contains("owner"));
        if (ownerOrAdmin || !caller.projectId().equals(node.lessee())) {
            return Optional.empty();
        }
        Lease parent = store.activeLeaseOf(h, node.uuid(), caller.projectId())
                .orElseThrow(() -> ApiException.conflict("Node " + node.uuid() + " has no active lease of your project to divide"));
        if (parent.parentLeaseUuid() != null) {
            throw ApiException.conflict("Lease " + parent.uuid() + " is already a sub-lease; only one level of sub-leasing is allowed");
        }
        return Optional.of(parent);
    }

    /** Inserts a claim's lease and, when it is priced, holds its cost in the same transaction (402 rolls both back). */
    private void insertClaim(Handle h, Lease l, Instant now) {
        store.insertClaim(h, l, now);
        if (l.price() != null && l.cost() > 0) {
            billing.charge(h, l);
        }
    }

    private void lockQuota(Handle h, Caller caller, String projectId) {
        if (!caller.isAdmin()) {
            quota.lock(h, projectId);
        }
    }

    /** Quotas bind every project; an admin booking for a project is the operator's own decision. */
    private void admit(Handle h, Caller caller, String projectId, Instant start, Instant end, Optional<UUID> replacing) {
        if (!caller.isAdmin()) {
            quota.admit(h, projectId, start, end, replacing);
        }
    }

    /**
     * A lease's cost: price (1/10,000 credit per node-hour) times its length in hours, rounded half-up to 1/10,000
     * credit. A cost past what a bigint holds is reported as the largest one (no project can pay it).
     */
    public static long cost(long price, Instant start, Instant end) {
        java.math.BigInteger micros = java.math.BigInteger.valueOf(Duration.between(start, end).toSeconds()).multiply(java.math.BigInteger.valueOf(1_000_000))
                .add(java.math.BigInteger.valueOf(Duration.between(start, end).toNanosPart() / 1000));
        java.math.BigInteger[] qr = micros.multiply(java.math.BigInteger.valueOf(price)).divideAndRemainder(java.math.BigInteger.valueOf(3_600_000_000L));
        java.math.BigInteger units = qr[0].add(qr[1].shiftLeft(1).compareTo(java.math.BigInteger.valueOf(3_600_000_000L)) >= 0
                ? java.math.BigInteger.ONE : java.math.BigInteger.ZERO);
        return units.bitLength() < 63 ? units.longValue() : Long.MAX_VALUE;
    }

    private void requireLength(Caller caller, Instant start, Instant end) {
        if (!caller.isAdmin() && Duration.between(start, end).compareTo(maxLength) > 0) {
            throw ApiException.forbidden("A lease may last at most " + maxLength.toDays() + " days (" + maxLength + ") unless an admin creates it");
        }
    }

    static void requireOrder(Instant start, Instant end) {
        if (!start.isBefore(end)) {
            throw ApiException.badRequest("start_time must be before end_time");
        }
    }

    static void requireInside(Instant start, Instant end, Instant outerStart, Instant outerEnd, String what) {
        if (start.isBefore(outerStart) || end.isAfter(outerEnd)) {
            throw ApiException.conflict("The window " + LeaseTimes.format(start) + " to " + LeaseTimes.format(end) + " is not inside "
                    + what + " (" + LeaseTimes.format(outerStart) + " to " + LeaseTimes.format(outerEnd) + ")");
        }
    }

    private Event event(Handle h, String type, Lease l, Instant now) {
        return events.record(h, type, now, "lease", l.uuid(), l.resourceType(), l.resourceUuid(), l.projectId(), l.ownerId());
    }

    /**
     * Runs a booking transaction. Concurrent inserts checked by an exclusion constraint can deadlock
     * each other in PostgreSQL instead of failing cleanly; the loser is simply run again, and then
     * either fits or meets the constraint as a plain conflict.
     */
    static <T> T write(java.util.function.Supplier<T> action) {
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(action);
            } catch (UnableToExecuteStatementException e) {
                if (!SqlErrors.isSerializationFailure(e)) {
                    throw e;
                }
                if (attempt >= WRITE_ATTEMPTS) {
                    // Nothing was written and nothing is wrong with the request: say so, not 500.
                    throw new ApiException(ErrorKind.UNAVAILABLE, "Other bookings of the same node kept colliding with this one; "
                            + "nothing was changed, try again");
                }
                try {
                    // A little random spacing so the transactions that collided do not meet again at once.
                    Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(2, 10L * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    static final int WRITE_ATTEMPTS = 5;

    private static <T> T writeOnce(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isExclusionViolation(e)) {
                throw ApiException.conflict("Time conflict: the node is already offered or leased during that window");
            }
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw ApiException.badRequest("A referenced project or node does not exist");
            }
            throw e;
        }
    }
}
