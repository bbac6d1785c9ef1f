package org.esi.lease;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.esi.event.Event;
import org.esi.event.EventListener;
import org.esi.event.EventStore;
import org.esi.node.Node;
import org.esi.node.NodeStore;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lease and offer transitions. Each database step is one transaction holding the lease's row lock,
 * so with several instances every step happens once. Ending a lease has a hardware part between two
 * transactions; the lease is claimed ({@code claimed_until}) meanwhile, and a crashed instance's
 * claim lapses so another instance resumes. Hardware failures leave the lease in a {@code wait}
 * state that is retried with exponential back-off and never blocks other leases.
 */
public final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
    static final Duration CLAIM = Duration.ofSeconds(30);
    static final Duration CLAIM_RENEWAL = Duration.ofSeconds(10);
    /** How long a lease waiting for the previous lease's hand-back waits before looking again by itself. */
    static final Duration HAND_OVER_RECHECK = Duration.ofSeconds(5);
    private static final ScheduledExecutorService RENEWALS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "esi-lease-claim-renewal");
        t.setDaemon(true);
        return t;
    });
    static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
    public static final String LEASE_UUID_PROPERTY = "lease_uuid";

    private final LeaseStore store;
    private final NodeStore nodes;
    private final EventStore events;
    private final LeaseHandback handback;
    private final Clock clock;
    private final List<EventListener> listeners;
    private final org.esi.audit.SystemAudit audit;
    private final LeaseBilling billing;

    /**
     * Records each lease expiry (no request behind it) in the audit trail, and settles priced leases with
     * {@code billing} in the transaction that ends them.
     */
    public Lifecycle(LeaseStore store, NodeStore nodes, EventStore events, LeaseHandback handback, Clock clock, List<EventListener> listeners,
                     org.esi.audit.SystemAudit audit, LeaseBilling billing) {
        this.audit = audit;
        this.billing = billing;
        this.store = store;
        this.nodes = nodes;
        this.events = events;
        this.handback = handback;
        this.clock = clock;
        this.listeners = List.copyOf(listeners);
    }

    /** Why a lease ends: its time ran out, or someone cancelled it. */
    public enum Ending {
        EXPIRE(LeaseStatus.EXPIRED, LeaseStatus.WAIT_EXPIRE),
        CANCEL(LeaseStatus.DELETED, LeaseStatus.WAIT_CANCEL);

        final LeaseStatus done;
        final LeaseStatus waiting;

        Ending(LeaseStatus done, LeaseStatus waiting) {
            this.done = done;
            this.waiting = waiting;
        }

        /** The word stored in the lease's {@code ending} column. */
        String word() {
            return name().toLowerCase();
        }

        static Ending of(String word) {
            return valueOf(word.toUpperCase());
        }
    }

    /**
     * Does whatever is due for one lease now; false when another instance holds it or nothing was due.
     * A recorded wish to end ({@code ending}) wins over the lease's times, whatever its status, so a cancel
     * recorded while another worker was starting the lease is carried out as soon as that worker lets go. A
     * lease that is due with nothing to do gets its real next due time back rather than being looked at again.
     */
    public boolean runDueLease(UUID uuid) {
        Instant now = clock.instant();
        Optional<Lease> due = store.jdbi().inTransaction(h -> store.leaseForUpdateSkipLocked(h, uuid));
        if (due.isEmpty() || !due.get().status().live()) {
            return false;
        }
        Lease l = due.get();
        if (l.ending() != null) {
            return end(uuid, Ending.of(l.ending()));
        }
        return switch (l.status()) {
            case CREATED, WAIT_FULFILL -> l.startTime().isAfter(now) ? reschedule(l, l.startTime(), now)
                    : l.endTime().isAfter(now) ? fulfill(uuid) : end(uuid, Ending.EXPIRE);
            case ACTIVE, ERROR -> l.endTime().isAfter(now) ? reschedule(l, l.endTime(), now) : end(uuid, Ending.EXPIRE);
            case WAIT_EXPIRE -> end(uuid, Ending.EXPIRE);
            case WAIT_CANCEL -> end(uuid, Ending.CANCEL);
            case EXPIRED, DELETED -> false;
        };
    }

    /** Puts back a lease's next due time when it was found due early; only if nobody changed it meanwhile. */
    private boolean reschedule(Lease l, Instant next, Instant now) {
        store.jdbi().useHandle(h -> h.createUpdate("update lease set due_at = :next where uuid = :u and due_at <= :now and ending is null")
                .bind("next", LeaseStore.utc(next)).bind("u", l.uuid()).bind("now", LeaseStore.utc(now)).execute());
        return false;
    }

    /** Starts a lease: the node's lessee becomes the lease's project and the node records the lease. */
    boolean fulfill(UUID uuid) {
        List<Event> recorded = new ArrayList<>();
        boolean[] endInstead = {false};
        boolean done = store.jdbi().inTransaction(h -> {
            Optional<Lease> locked = store.leaseForUpdateSkipLocked(h, uuid);
            if (locked.isEmpty() || (locked.get().status() != LeaseStatus.CREATED && locked.get().status() != LeaseStatus.WAIT_FULFILL)) {
                return false;
            }
            Lease l = locked.get();
            if (l.ending() != null) {
                endInstead[0] = true; // cancelled before it could start: it never starts
                return false;
            }
            Instant now = clock.instant();
            Node node = nodes.nodeForUpdate(h, l.resourceUuid()).orElseThrow();
            String carried = node.properties().path(LEASE_UUID_PROPERTY).asText(null);
            boolean carriesOther = carried != null && !carried.equals(l.uuid().toString())
                    && (l.parentLeaseUuid() == null || !carried.equals(l.parentLeaseUuid().toString()));
            if (carriesOther) {
                // The previous holder's hand-back has not finished: starting now would give a dirty node away.
                Optional<Lease> previous = store.lease(h, UUID.fromString(carried));
                if (previous.isPresent() && handingOver(previous.get(), now)) {
                    // Back-to-back leases: the previous one is ending, and its last step wakes this one. Not an error;
                    // the due time is only a safety net should that wake-up be lost.
                    store.updateLease(h, uuid, "status = :s, due_at = :due, last_error = :err, updated_at = :now", Map.of(
                            "s", LeaseStatus.WAIT_FULFILL.word(), "due", LeaseStore.utc(now.plus(HAND_OVER_RECHECK)),
                            "err", "waiting for lease " + carried + " to hand node " + node.uuid() + " back", "now", LeaseStore.utc(now)));
                    return false;
                }
                recorded.addAll(retryFulfill(h, l, now,
                        "node " + node.uuid() + " still carries lease " + carried + "; waiting for it to be handed back"));
                return false;
            }
            Optional<String> unfit = l.parentLeaseUuid() == null ? NodeFitness.unfitForLessee(node) : Optional.empty();
            if (unfit.isPresent()) {
                // Not wiped, not attested or broken: no lessee gets it until its owner or an operator mends it.
                recorded.addAll(retryFulfill(h, l, now, "node " + node.uuid() + " " + unfit.get() + "; the lease starts once it is fit"));
                return false;
            }
            recorded.add(event(h, "esi_leap.lease.fulfill.start", l, now));
            var props = node.properties().deepCopy();
            props.put(LEASE_UUID_PROPERTY, l.uuid().toString());
            nodes.update(h, withLessee(node, l.projectId(), props, now));
            store.updateLease(h, uuid, "status = 'active', fulfill_time = :now, due_at = :end, attempts = 0, last_error = null, updated_at = :now",
                    Map.of("now", LeaseStore.utc(now), "end", LeaseStore.utc(l.endTime())));
            recorded.add(event(h, "esi_leap.lease.fulfill.end", l, now));
            return true;
        });
        publish(recorded);
        if (endInstead[0]) {
            return end(uuid, Ending.CANCEL);
        }
        return done;
    }

    /** The lease cannot start yet: wait fulfill, retried with back-off; a fulfill.error event the first time. */
    private List<Event> retryFulfill(Handle h, Lease l, Instant now, String why) {
        int attempts = l.attempts() + 1;
        store.updateLease(h, l.uuid(), "status = :s, attempts = :a, due_at = :due, last_error = :err, updated_at = :now", Map.of(
                "s", LeaseStatus.WAIT_FULFILL.word(), "a", attempts, "due", LeaseStore.utc(now.plus(backoff(attempts))),
                "err", why, "now", LeaseStore.utc(now)));
        return l.status() != LeaseStatus.WAIT_FULFILL ? List.of(event(h, "esi_leap.lease.fulfill.error", l, now)) : List.of();
    }

    /** Whether a lease still on a node is on its way off it (its time is up, or it is being ended). */
    private static boolean handingOver(Lease previous, Instant now) {
        return !previous.status().live() || previous.ending() != null || !previous.endTime().isAfter(now)
                || previous.status() == LeaseStatus.WAIT_EXPIRE || previous.status() == LeaseStatus.WAIT_CANCEL;
    }

    /**
     * Ends a lease: children first, then the lessee comes off the node, the node is handed back
     * (power off, clean, detach), and the parent's lessee, if any, gets the node again. Row locks are
     * taken in one order everywhere (offer, then lease, then node) so an offer's deletion, claims and
     * this never wait on each other in a cycle.
     */
    public boolean end(UUID uuid, Ending ending) {
        List<Event> recorded = new ArrayList<>();
        Instant start = clock.instant();
        // Step 1: claim, and take the lessee off the node at once so it cannot act during the hand-back.
        Optional<Lease> claimed = store.jdbi().inTransaction(h -> {
            Optional<Lease> locked = store.leaseForUpdateSkipLocked(h, uuid);
            if (locked.isEmpty() || !locked.get().status().live()) {
                return Optional.<Lease>empty();
            }
            Lease l = locked.get();
            if (l.claimedUntil() != null && l.claimedUntil().isAfter(start)) {
                return Optional.<Lease>empty(); // another worker is ending it right now
            }
            Ending effective = l.ending() != null ? Ending.of(l.ending()) : ending;
            if (l.status() != LeaseStatus.WAIT_EXPIRE && l.status() != LeaseStatus.WAIT_CANCEL) {
                recorded.add(event(h, "esi_leap.lease.delete.start", l, start));
            }
            store.updateLease(h, uuid, "claimed_until = :until, ending = :ending, updated_at = :now", Map.of(
                    "until", LeaseStore.utc(start.plus(CLAIM)), "ending", effective.word(), "now", LeaseStore.utc(start)));
            return Optional.of(l);
        });
        publish(recorded);
        recorded.clear();
        if (claimed.isEmpty()) {
            return false;
        }
        Lease lease = claimed.get();
        Ending effective = lease.ending() != null ? Ending.of(lease.ending()) : ending;
        boolean wasFulfilled = lease.fulfillTime() != null;
        // The claim is kept fresh while this worker lives, so a hand-back may take as long as it needs while a
        // crashed worker's claim lapses within one CLAIM and another instance resumes.
        ScheduledFuture<?> renewal = RENEWALS.scheduleAtFixedRate(() -> renewClaim(uuid), CLAIM_RENEWAL.toMillis(),
                CLAIM_RENEWAL.toMillis(), TimeUnit.MILLISECONDS);
        try {
            endChildren(lease, effective);
            boolean carried = wasFulfilled && store.jdbi().inTransaction(h -> {
                Node node = nodes.nodeForUpdate(h, lease.resourceUuid()).orElseThrow();
                boolean carries = lease.uuid().toString().equals(node.properties().path(LEASE_UUID_PROPERTY).asText(null));
                if (carries && node.lessee() != null) {
                    nodes.update(h, withLessee(node, null, node.properties(), clock.instant()));
                }
                return carries;
            });
            if (carried) {
                handback.handBack(lease.resourceUuid(), lease.projectId());
            }
        } catch (Exception e) {
            renewal.cancel(false);
            fail(lease, effective, e);
            return false;
        }
        renewal.cancel(false);
        // Step 3: final state, and the node back to the parent's lessee when this was a sub-lease.
        store.jdbi().useTransaction(h -> {
            if (lease.offerUuid() != null) {
                store.offerForClaim(h, lease.offerUuid()); // lock order: the offer before the lease (see above)
            }
            store.leaseForUpdate(h, lease.uuid());
            Instant now = clock.instant();
            Node node = nodes.nodeForUpdate(h, lease.resourceUuid()).orElseThrow();
            if (lease.uuid().toString().equals(node.properties().path(LEASE_UUID_PROPERTY).asText(null))) {
                var props = node.properties().deepCopy();
                String lessee = null;
                Optional<Lease> parent = lease.parentLeaseUuid() == null ? Optional.empty() : store.lease(h, lease.parentLeaseUuid());
                if (parent.isPresent() && parent.get().status() == LeaseStatus.ACTIVE) {
                    props.put(LEASE_UUID_PROPERTY, parent.get().uuid().toString());
                    lessee = parent.get().projectId();
                } else {
                    props.remove(LEASE_UUID_PROPERTY);
                }
                nodes.update(h, withLessee(node, lessee, props, now));
            }
            store.updateLease(h, lease.uuid(), """
                    status = :s, expire_time = :now, due_at = null, claimed_until = null, last_error = null, updated_at = :now""",
                    Map.of("s", effective.done.word(), "now", LeaseStore.utc(now)));
            store.release(h, lease.uuid());
            store.refreshBusy(h, lease.offerUuid());
            if (lease.price() != null) {
                // The lease as locked now: its end may have moved since step 1 read it.
                billing.settle(h, store.lease(h, lease.uuid()).orElseThrow(), now);
            }
            recorded.add(event(h, "esi_leap.lease.delete.end", lease, now));
            if (effective == Ending.EXPIRE) {
                audit.record(h, "lease expiry", "leases", lease.uuid().toString()); // last: it holds the chain head
            }
        });
        publish(recorded);
        // The next lease on this node may be waiting for exactly this hand-back (back-to-back windows).
        store.jdbi().useHandle(h -> store.wakeWaitingLeases(h, lease.resourceUuid(), clock.instant()));
        return true;
    }

    private void renewClaim(UUID uuid) {
        try {
            store.jdbi().useHandle(h -> h.createUpdate("update lease set claimed_until = :until where uuid = :u and claimed_until is not null")
                    .bind("until", LeaseStore.utc(clock.instant().plus(CLAIM))).bind("u", uuid).execute());
        } catch (RuntimeException e) {
            log.warn("Could not renew the claim on lease {} ({}); it lapses unless renewed later", uuid, e.getMessage());
        }
    }

    private void endChildren(Lease lease, Ending ending) {
        List<Lease> children = store.jdbi().withHandle(h -> store.liveChildLeases(h, lease.uuid()));
        for (Lease child : children) {
            end(child.uuid(), ending);
            Lease after = store.jdbi().withHandle(h -> store.lease(h, child.uuid())).orElseThrow();
            if (after.status().live()) {
                throw new IllegalStateException("sub-lease " + child.uuid() + " has not ended yet: "
                        + (after.lastError() != null ? after.lastError() : "it is held by another worker"));
            }
        }
        List<Offer> offers = store.jdbi().withHandle(h -> store.liveChildOffers(h, lease.uuid()));
        for (Offer o : offers) {
            endOffer(o.uuid(), ending == Ending.EXPIRE ? OfferStatus.EXPIRED : OfferStatus.DELETED);
        }
    }

    private void fail(Lease lease, Ending ending, Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        log.warn("Lease {} could not end yet ({}); will retry", lease.uuid(), message);
        List<Event> recorded = new ArrayList<>();
        store.jdbi().useTransaction(h -> {
            Instant now = clock.instant();
            int attempts = lease.attempts() + 1;
            store.updateLease(h, lease.uuid(), """
                    status = :s, attempts = :a, due_at = :due, claimed_until = null, last_error = :err, updated_at = :now""", Map.of(
                    "s", ending.waiting.word(), "a", attempts, "due", LeaseStore.utc(now.plus(backoff(attempts))),
                    "err", message.length() > 500 ? message.substring(0, 500) : message, "now", LeaseStore.utc(now)));
            if (lease.status() != ending.waiting) {
                recorded.add(event(h, "esi_leap.lease.delete.error", lease, now));
            }
        });
        publish(recorded);
    }

    /**
     * Ends an offer (expired or deleted) in one transaction: the offer is locked the way claims lock it, so a
     * claim either committed before (its lease is ended here) or sees the offer ended and is refused; each live
     * lease is marked to end, and the offer stops holding time. The leases' hand-backs then run at once where
     * they can, and otherwise through the lifecycle, which cannot lose them: the wish is stored with the lease.
     * False when the offer was not live (already ended by someone else).
     */
    public boolean endOffer(UUID uuid, OfferStatus finalStatus) {
        Ending ending = finalStatus == OfferStatus.EXPIRED ? Ending.EXPIRE : Ending.CANCEL;
        List<Event> recorded = new ArrayList<>();
        List<UUID> leases = new ArrayList<>();
        boolean done = store.jdbi().inTransaction(h -> {
            recorded.clear();
            leases.clear();
            Optional<Offer> locked = store.offerForUpdate(h, uuid);
            if (locked.isEmpty() || !locked.get().status().live()) {
                return false;
            }
            Instant now = clock.instant();
            for (Lease l : store.liveLeasesOfOfferForUpdate(h, uuid)) {
                if (l.ending() == null) {
                    store.updateLease(h, l.uuid(), "ending = :e, due_at = :now, updated_at = :now",
                            Map.of("e", ending.word(), "now", LeaseStore.utc(now)));
                }
                leases.add(l.uuid());
            }
            store.setOfferStatus(h, uuid, finalStatus, now);
            Offer o = locked.get();
            recorded.add(events.record(h, finalStatus == OfferStatus.EXPIRED ? "esi_leap.offer.expire" : "esi_leap.offer.delete",
                    now, "offer", o.uuid(), o.resourceType(), o.resourceUuid(), o.lesseeId(), o.projectId()));
            return true;
        });
        publish(recorded);
        for (UUID l : leases) {
            if (!end(l, ending)) {
                awaitEnded(l);
            }
        }
        return done;
    }

    /**
     * A lease another worker is ending right now (it found the stored ending first): wait, bounded, for
     * it to finish, so the caller that deleted the offer (or the lease) sees it ended, not still "created".
     */
    void awaitEnded(UUID lease) {
        long deadline = System.nanoTime() + END_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean live = store.jdbi().withHandle(h -> store.lease(h, lease)).map(x -> x.status().live() && x.status() != LeaseStatus.WAIT_EXPIRE
                    && x.status() != LeaseStatus.WAIT_CANCEL).orElse(false);
            if (!live) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Does whatever is due for one offer (its end); false when nothing was due. */
    public boolean runDueOffer(UUID uuid) {
        return endOffer(uuid, OfferStatus.EXPIRED);
    }

    /** How long deleting an offer waits for a lease that another worker is ending at that moment. */
    private static final Duration END_WAIT = Duration.ofSeconds(5);

    static Duration backoff(int attempts) {
        long base = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(attempts, 20));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    private Event event(Handle h, String type, Lease l, Instant now) {
        return events.record(h, type, now, "lease", l.uuid(), l.resourceType(), l.resourceUuid(), l.projectId(), l.ownerId());
    }

    public void publish(List<Event> recorded) {
        for (Event e : recorded) {
            for (EventListener listener : listeners) {
                try {
                    listener.committed(e);
                } catch (RuntimeException ex) {
                    log.warn("Event listener failed for event {}", e.id(), ex);
                }
            }
        }
    }

    static Node withLessee(Node n, String lessee, com.fasterxml.jackson.databind.node.ObjectNode props, Instant now) {
        return new Node(n.uuid(), n.name(), n.driver(), n.driverInfo(), n.driverInternalInfo(), n.powerState(), n.targetPowerState(),
                n.provisionState(), n.targetProvisionState(), n.maintenance(), n.maintenanceReason(), n.lastError(), n.reservation(),
                n.resourceClass(), props, n.instanceInfo(), n.instanceUuid(), n.extra(), n.description(), n.owner(), lessee,
                n.consoleEnabled(), n.traits(), n.createdAt(), now, n.provisionUpdatedAt(), n.inspectionFinishedAt());
    }
}
