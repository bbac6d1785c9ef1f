package org.esi.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.esi.event.Event;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.Ids;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseStore;
import org.esi.lease.LeaseTimes;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of pools whoever asks (the REST routes, the autoscaler's gRPC face, the CLI's upstream verbs).
 * A pool's size changes and claims happen under the pool's row lock, in the transaction that claims: a
 * scale-up is all or nothing, and two instances never claim for one pool at once.
 */
public final class PoolService {
    private static final Logger log = LoggerFactory.getLogger(PoolService.class);
    public static final int MAX_SIZE = 10_000;
    /** How many candidate offers one claim looks at per machine wanted, before the property filters. */
    private static final int CANDIDATES_PER_MACHINE = 8;

    private final PoolStore store;
    private final LeaseService leases;
    private final Clock clock;
    private final Duration maxLease;
    private volatile Runnable wake = () -> { };
    private volatile java.util.function.Predicate<UUID> beforeRelease = lease -> true;

    public PoolService(PoolStore store, LeaseService leases, Clock clock, Duration maxLease) {
        this.store = store;
        this.leases = leases;
        this.clock = clock;
        this.maxLease = maxLease;
    }

    public PoolStore store() {
        return store;
    }

    LeaseService leases() {
        return leases;
    }

    /** The reconciler to nudge after a change, so members move at once rather than at its next round. */
    void onChange(Runnable wake) {
        this.wake = wake;
    }

    /** Asked before a member's lease is ended (false: not yet, the reconciler asks again); see {@link MemberSetup#beforeRelease}. */
    void beforeRelease(java.util.function.Predicate<UUID> gate) {
        this.beforeRelease = gate;
    }

    // --- look-ups

    /** A pool by UUID or name, as the caller may see it: its project's, or any for the admin; others are 404. */
    public Pool find(Caller caller, String ident) {
        Optional<String> scope = caller.isAdmin() ? Optional.empty() : Optional.of(caller.projectId());
        UUID uuid;
        if (Ids.looksLikeUuid(ident)) {
            uuid = Ids.parseUuid(ident, "pool");
        } else {
            List<UUID> named = store.poolsNamed(ident, scope);
            if (named.size() > 1) {
                throw ApiException.conflict(named.size() + " pools are named '" + ident + "'; use the UUID");
            }
            uuid = named.isEmpty() ? null : named.get(0);
        }
        return Optional.ofNullable(uuid).flatMap(store::pool).filter(p -> scope.isEmpty() || p.projectId().equals(scope.get()))
                .orElseThrow(() -> ApiException.notFound("Pool " + ident + " could not be found."));
    }

    public List<Pool> visible(Caller caller) {
        return store.pools(caller.isAdmin() ? Optional.empty() : Optional.of(caller.projectId()));
    }

    public List<PoolMember> members(Pool p) {
        return store.members(p.uuid());
    }

    /** The member, in a pool the caller may see, on this node (by UUID, name or provider id) while its lease lives. */
    public Optional<PoolMember> memberNamed(Caller caller, String ident) {
        return visible(caller).stream().flatMap(p -> members(p).stream())
                .filter(m -> m.leaseStatus().live() && names(m, ident)).findFirst();
    }

    /**
     * The node properties of offers the pool could claim now (as a claim would pick them), at most {@code limit}:
     * what a new member would be like.
     */
    public List<com.fasterxml.jackson.databind.JsonNode> offeredProperties(Pool p, int limit) {
        return matchingOffers(p, limit, LeaseTimes.micros(clock.instant())).stream()
                .map(v -> (com.fasterxml.jackson.databind.JsonNode) v.nodeProperties()).limit(limit).toList();
    }

    /** A caller acting for a project as a lessee of it would, never with admin rights (the reconciler, the autoscaler). */
    public static Caller projectCaller(String userId, String userName, String projectId, Instant now) {
        return new Caller(userId, userName, projectId, null, Set.of("lessee"), now, now.plus(Duration.ofMinutes(5)));
    }

    // --- changes

    /** A new pool as asked; its first {@code desiredSize} members are claimed with it, or the pool is not made (409). */
    public Pool create(Pool p) {
        return create(p, h -> { });
    }

    /** The same, with {@code alongside} written in the pool's creating transaction (a pool option's own rows). */
    public Pool create(Pool p, java.util.function.Consumer<Handle> alongside) {
        requireTerms(p.leaseDuration(), p.renewBefore());
        requireSizes(p.minSize(), p.desiredSize(), p.maxSize());
        List<Event> recorded = new ArrayList<>();
        try {
            leases.inBookingTransaction(h -> {
                recorded.clear();
                store.insert(h, p);
                alongside.accept(h);
                claim(h, p, p.desiredSize(), List.of(), recorded);
                store.recordScale(h, p.uuid(), 0, p.desiredSize(), "created", p.createdAt());
                return null;
            });
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict("Your project already has a pool named '" + p.name() + "'");
            }
            throw e;
        }
        leases.lifecycle().publish(recorded);
        wake.run();
        return store.pool(p.uuid()).orElseThrow();
    }

    /** What a PATCH may change; null fields stay ({@code maxPrice}: empty clears it, so only free offers are taken). */
    public record Change(Integer minSize, Integer desiredSize, Integer maxSize, Duration leaseDuration, Duration renewBefore,
                         Map<String, String> labels, Optional<Long> maxPrice) {}

    public Pool change(Pool pool, Change c, String reason) {
        List<Event> recorded = new ArrayList<>();
        List<UUID> release = new ArrayList<>();
        leases.inBookingTransaction(h -> {
            recorded.clear();
            release.clear();
            Pool p = lockLive(h, pool.uuid());
            int min = c.minSize() != null ? c.minSize() : p.minSize();
            int max = c.maxSize() != null ? c.maxSize() : p.maxSize();
            int desired = c.desiredSize() != null ? c.desiredSize() : Math.max(min, Math.min(max, p.desiredSize()));
            requireSizes(min, desired, max);
            Duration lease = c.leaseDuration() != null ? c.leaseDuration() : p.leaseDuration();
            Duration renew = c.renewBefore() != null ? c.renewBefore() : p.renewBefore();
            requireTerms(lease, renew);
            Instant now = clock.instant();
            store.setTerms(h, p.uuid(), lease, renew, c.labels() != null ? c.labels() : p.labels(),
                    c.maxPrice() != null ? c.maxPrice().orElse(null) : p.maxPrice(), now);
            resize(h, p, desired, reason, now, recorded, release);
            store.setSizes(h, p.uuid(), min, desired, max, now);
            return null;
        });
        finish(recorded, release);
        return store.pool(pool.uuid()).orElseThrow();
    }

    /** Grows or shrinks the pool by {@code delta}; the autoscaler's IncreaseSize and DecreaseTargetSize. */
    public Pool scaleBy(Pool pool, int delta, boolean onlyNotReady, String reason) {
        List<Event> recorded = new ArrayList<>();
        List<UUID> release = new ArrayList<>();
        leases.inBookingTransaction(h -> {
            recorded.clear();
            release.clear();
            Pool p = lockLive(h, pool.uuid());
            int desired = p.desiredSize() + delta;
            if (desired > p.maxSize()) {
                throw new SizeOutOfRange("Pool " + p.name() + " would grow to " + desired + " machines, past its max_size " + p.maxSize());
            }
            if (desired < p.minSize()) {
                throw new SizeOutOfRange("Pool " + p.name() + " would shrink to " + desired + " machines, below its min_size " + p.minSize());
            }
            if (onlyNotReady) {
                long ready = store.members(h, p.uuid()).stream().filter(m -> m.status() == MemberStatus.READY && !m.leaseOver()).count();
                if (desired < ready) {
                    throw new SizeOutOfRange("Pool " + p.name() + " has " + ready + " ready machines; its target cannot drop to "
                            + desired + " without deleting nodes (use DeleteNodes)");
                }
            }
            Instant now = clock.instant();
            resize(h, p, desired, reason, now, recorded, release);
            store.setSizes(h, p.uuid(), p.minSize(), desired, p.maxSize(), now);
            return null;
        });
        finish(recorded, release);
        return store.pool(pool.uuid()).orElseThrow();
    }

    /**
     * Releases exactly these members (by node UUID, name or provider id) and lowers the size by as many;
     * when one of them is not a member, nothing changes (404). A failed member (its lease is ending already)
     * may be named too: the size then drops without a replacement for it, as the autoscaler expects when it
     * gives up on a node that did not come up.
     */
    public void removeMembers(Pool pool, List<String> nodes, String reason) {
        List<UUID> release = new ArrayList<>();
        leases.inBookingTransaction(h -> {
            release.clear();
            Pool p = lockLive(h, pool.uuid());
            List<PoolMember> members = store.members(h, p.uuid()).stream().filter(m -> m.status().counts() && !m.leaseOver()
                    || m.status() == MemberStatus.FAILED && m.leaseStatus().live()).toList();
            List<PoolMember> chosen = new ArrayList<>();
            for (String ident : nodes) {
                PoolMember m = members.stream().filter(x -> names(x, ident)).findFirst().orElseThrow(() ->
                        ApiException.notFound("Node " + ident + " is not a member of pool " + p.name()));
                if (!chosen.contains(m)) {
                    chosen.add(m);
                }
            }
            int desired = p.desiredSize() - chosen.size();
            if (desired < p.minSize()) {
                throw new SizeOutOfRange("Pool " + p.name() + " would shrink to " + desired + " machines, below its min_size " + p.minSize());
            }
            Instant now = clock.instant();
            for (PoolMember m : chosen) {
                if (m.status() == MemberStatus.FAILED) {
                    continue; // the reconciler ended its lease when it failed
                }
                store.setStatus(h, m.leaseUuid(), MemberStatus.RELEASING, reason, now);
                release.add(m.leaseUuid());
            }
            store.setSizes(h, p.uuid(), p.minSize(), desired, p.maxSize(), now);
            store.recordScale(h, p.uuid(), p.desiredSize(), desired, reason, now);
            return null;
        });
        finish(List.of(), release);
    }

    /** Ends every member's lease (the nodes are wiped by the lease ends); the pool goes when its last member has. */
    public void delete(Pool pool) {
        List<UUID> release = new ArrayList<>();
        leases.inBookingTransaction(h -> {
            release.clear();
            Pool p = store.lock(h, pool.uuid()).orElseThrow(() -> ApiException.notFound("Pool " + pool.name() + " could not be found."));
            Instant now = clock.instant();
            store.markDeleting(h, p.uuid(), now);
            store.recordScale(h, p.uuid(), p.desiredSize(), 0, "deleted", now);
            for (PoolMember m : store.members(h, p.uuid())) {
                if (m.leaseOver()) {
                    continue;
                }
                store.setStatus(h, m.leaseUuid(), MemberStatus.RELEASING, "pool deleted", now);
                release.add(m.leaseUuid());
            }
            if (release.isEmpty()) {
                store.delete(h, p.uuid());
            }
            return null;
        });
        finish(List.of(), release);
    }

    // --- shared with the reconciler

    /** A refused size: past max_size or below min_size (the autoscaler's FAILED_PRECONDITION). */
    public static final class SizeOutOfRange extends ApiException {
        SizeOutOfRange(String message) {
            super(org.esi.http.ErrorKind.USER_ERROR, message);
        }
    }

    private Pool lockLive(Handle h, UUID uuid) {
        Pool p = store.lock(h, uuid).orElseThrow(() -> ApiException.notFound("Pool " + uuid + " could not be found."));
        if (p.deleting()) {
            throw ApiException.conflict("Pool " + p.name() + " is being deleted");
        }
        return p;
    }

    /** Claims up to the new size (all or nothing) or marks the excess for release: not-ready first, then soonest lease end. */
    private void resize(Handle h, Pool p, int desired, String reason, Instant now, List<Event> recorded, List<UUID> release) {
        List<PoolMember> counting = store.members(h, p.uuid()).stream().filter(m -> m.status().counts() && !m.leaseOver()).toList();
        if (desired > counting.size()) {
            claim(h, p, desired - counting.size(), List.of(), recorded);
        } else {
            release.addAll(markExcess(h, counting, counting.size() - desired, reason, now));
        }
        store.recordScale(h, p.uuid(), p.desiredSize(), desired, reason, now);
    }

    List<UUID> markExcess(Handle h, List<PoolMember> counting, int excess, String reason, Instant now) {
        List<UUID> out = new ArrayList<>();
        counting.stream()
                .sorted(Comparator.comparing((PoolMember m) -> m.status() == MemberStatus.READY).thenComparing(PoolMember::leaseEnd))
                .limit(Math.max(0, excess))
                .forEach(m -> {
                    store.setStatus(h, m.leaseUuid(), MemberStatus.RELEASING, reason, now);
                    out.add(m.leaseUuid());
                });
        return out;
    }

    /**
     * Claims {@code n} machines for the pool in the caller's transaction and records them as {@code claiming}
     * members; {@code replacing} gives, in order, the leases the first claims stand in for.
     */
    List<UUID> claim(Handle h, Pool p, int n, List<UUID> replacing, List<Event> recorded) {
        if (n <= 0) {
            return List.of();
        }
        Instant now = LeaseTimes.micros(clock.instant());
        List<UUID> candidates = candidates(p, n, now);
        var claimed = leases.claimAll(h, new LeaseService.BatchClaim(p.projectId(), "pool " + p.name(), p.leaseDuration(),
                p.shortestLease(), "pool " + p.uuid(), p.maxPrice()), candidates, n, recorded);
        List<UUID> out = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i++) {
            var l = claimed.get(i);
            store.insertMember(h, l.uuid(), p.uuid(), l.resourceUuid(), MemberStatus.CLAIMING, i < replacing.size() ? replacing.get(i) : null, now);
            out.add(l.uuid());
        }
        return out;
    }

    /** Offers the pool's project may claim now, on nodes of its class that pass its filters and are in no pool. */
    private List<UUID> candidates(Pool p, int n, Instant now) {
        return matchingOffers(p, n, now).stream().map(v -> v.offer().uuid()).collect(Collectors.toList());
    }

    /** The same offers with their nodes' properties, one per machine, for {@code n} machines wanted. */
    private List<LeaseStore.OfferView> matchingOffers(Pool p, int n, Instant now) {
        List<String> ancestry = leases.ancestry(p.projectId());
        Map<String, Object> args = new HashMap<>();
        StringBuilder lessee = new StringBuilder("o.lessee_id is null");
        for (int i = 0; i < ancestry.size(); i++) {
            lessee.append(" or o.lessee_id = :anc").append(i);
            args.put("anc" + i, ancestry.get(i));
        }
        args.put("rc", p.resourceClass());
        args.put("now", org.esi.persistence.Columns.utc(now));
        String where = "o.status = 'available' and o.start_time <= :now and (" + lessee + ")"
                + " and o.resource_uuid in (select n.uuid from node n where n.resource_class = :rc and not n.maintenance)"
                + " and o.resource_uuid not in (select m.node_uuid from pool_member m join lease l on l.uuid = m.lease_uuid"
                + " where l.status not in ('expired', 'deleted'))"
                + (p.maxPrice() == null ? " and o.price is null" : " and (o.price is null or o.price <= :maxp)");
        if (p.maxPrice() != null) {
            args.put("maxp", p.maxPrice());
        }
        int limit = Math.min(5000, n * CANDIDATES_PER_MACHINE + 50);
        List<LeaseStore.OfferView> found = leases.store().availableOffers(where, args, now, now.plus(p.shortestLease()), limit);
        Set<UUID> seenNodes = new java.util.HashSet<>();
        return found.stream().filter(v -> p.matches(v.nodeProperties()))
                .filter(v -> seenNodes.add(v.offer().resourceUuid())) // one machine is one member, however many offers it has
                .toList();
    }

    /** After commit: the released members' leases end (the lifecycle wipes the nodes), the events go out. */
    void finish(List<Event> recorded, List<UUID> release) {
        leases.lifecycle().publish(recorded);
        int ended = 0;
        for (UUID lease : release) {
            if (beforeRelease.test(lease)) { // else it stays releasing and is asked again next round
                endLease(lease);
                ended++;
            }
        }
        if (!recorded.isEmpty() || ended > 0) {
            // Something moved: the next step may be due now. Not otherwise, or the reconciler, which ends every
            // round here, would wake itself for ever instead of once a second.
            wake.run();
        }
    }

    void endLease(UUID lease) {
        try {
            leases.cancel(lease);
        } catch (ApiException e) {
            log.debug("Lease {} of a pool member was already ending: {}", lease, e.getMessage());
        }
    }

    private static boolean names(PoolMember m, String ident) {
        return ident.equals(m.nodeUuid().toString()) || ident.equals(m.providerId()) || ident.equals(m.nodeName());
    }

    private void requireTerms(Duration lease, Duration renew) {
        if (lease.isNegative() || lease.isZero()) {
            throw ApiException.badRequest("lease_duration must be positive");
        }
        if (lease.compareTo(maxLease) > 0) {
            throw ApiException.badRequest("lease_duration may be at most " + maxLease + " (the service's longest lease)");
        }
        if (renew.isNegative() || renew.compareTo(lease) >= 0) {
            throw ApiException.badRequest("renew_before must be at least zero and shorter than lease_duration");
        }
    }

    static void requireSizes(int min, int desired, int max) {
        if (min < 0 || max > MAX_SIZE || min > max) {
            throw ApiException.badRequest("Sizes must satisfy 0 <= min_size <= max_size <= " + MAX_SIZE + " (got " + min + " and " + max + ")");
        }
        if (desired < min || desired > max) {
            throw new SizeOutOfRange("desired_size " + desired + " must lie between min_size " + min + " and max_size " + max);
        }
    }
}
