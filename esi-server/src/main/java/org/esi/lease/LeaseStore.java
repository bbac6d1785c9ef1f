package org.esi.lease;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Update;
import org.esi.persistence.Columns;
import org.esi.persistence.TransactionLocks;

/** SQL for bookings, offers and leases. The booking table's exclusion constraint is the conflict check. */
public final class LeaseStore {
    private final Jdbi jdbi;
    private final Columns columns;

    public LeaseStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.columns = new Columns(json);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** An offer or lease with the names and node facts its JSON shows. */
    public record OfferView(Offer offer, String projectName, String lesseeName, String nodeName, String resourceClass,
                            ObjectNode nodeProperties, List<Instant[]> free) {}

    public record LeaseView(Lease lease, String projectName, String ownerName, String nodeName, String resourceClass,
                            ObjectNode nodeProperties) {}

    // --- bookings

    /**
     * Takes {@code [start, end)} in {@code container}; fails with an exclusion violation on overlap. Bookings
     * of one container take turns (a transaction advisory lock): the exclusion constraint alone is correct, but
     * concurrent inserts that overlap wait on each other inside the GiST check and PostgreSQL settles each such
     * cycle as a deadlock only after deadlock_timeout — under a burst on one node that was seconds of waiting,
     * all pool connections held, and retries that failed again.
     */
    public void book(Handle h, UUID uuid, UUID node, UUID container, Instant start, Instant end) {
        lockContainer(h, container);
        h.createUpdate("insert into booking (uuid, node_uuid, container_id, during, live) values (:u, :n, :c, tstzrange(:s, :e, '[)'), true)")
                .bind("u", uuid).bind("n", node).bind("c", container).bind("s", utc(start)).bind("e", utc(end)).execute();
    }

    public void rebook(Handle h, UUID uuid, Instant start, Instant end) {
        h.createQuery("select container_id from booking where uuid = :u").bind("u", uuid).mapTo(UUID.class).findOne()
                .ifPresent(container -> lockContainer(h, container));
        h.createUpdate("update booking set during = tstzrange(:s, :e, '[)') where uuid = :u")
                .bind("u", uuid).bind("s", utc(start)).bind("e", utc(end)).execute();
    }

    private static void lockContainer(Handle h, UUID container) {
        TransactionLocks.hold(h, "booking:" + container);
    }

    public void release(Handle h, UUID uuid) {
        h.createUpdate("update booking set live = false where uuid = :u").bind("u", uuid).execute();
    }

    /** Whether a node has anything live booked on it (a future or current offer or lease). */
    public boolean hasLiveBookings(UUID node) {
        return jdbi.withHandle(h -> h.createQuery("select exists (select 1 from booking where node_uuid = :n and live)")
                .bind("n", node).mapTo(Boolean.class).one());
    }

    // --- offers

    public void insertOffer(Handle h, Offer o, Instant now) {
        h.createUpdate("""
                        insert into offer (uuid, name, project_id, lessee_id, resource_type, resource_uuid, start_time, end_time,
                          status, properties, parent_lease_uuid, created_at, due_at, free, price)
                        values (:uuid, :name, :project, :lessee, :rtype, :ruuid, :start, :end, :status, cast(:props as jsonb),
                          :parent, :created, :due, tstzmultirange(tstzrange(:start, :end, '[)')), :price)""")
                .bind("uuid", o.uuid()).bind("name", o.name()).bind("project", o.projectId()).bind("lessee", o.lesseeId())
                .bind("rtype", o.resourceType()).bind("ruuid", o.resourceUuid()).bind("start", utc(o.startTime()))
                .bind("end", utc(o.endTime())).bind("status", o.status().word()).bind("props", columns.text(o.properties()))
                .bind("parent", o.parentLeaseUuid()).bind("created", utc(now)).bind("price", o.price())
                .bind("due", o.endTime().equals(LeaseTimes.FOREVER) ? null : utc(o.endTime()))
                .execute();
    }

    public void setOfferStatus(Handle h, UUID uuid, OfferStatus status, Instant now) {
        h.createUpdate("update offer set status = :s, updated_at = :now, due_at = null where uuid = :u")
                .bind("u", uuid).bind("s", status.word()).bind("now", utc(now)).execute();
        if (!status.live()) {
            release(h, uuid);
        }
    }

    public Optional<Offer> offerForUpdate(Handle h, UUID uuid) {
        return h.createQuery("select " + OFFER_COLUMNS + " from offer o where o.uuid = :u for update").bind("u", uuid).map((rs, c) -> offer(rs)).findOne();
    }

    public Optional<OfferView> offerView(UUID uuid) {
        return jdbi.withHandle(h -> h.createQuery(OFFER_VIEW + " where o.uuid = :u").bind("u", uuid).map((rs, c) -> offerView(rs)).findOne());
    }

    public List<UUID> offersNamed(String name) {
        return jdbi.withHandle(h -> h.createQuery("select uuid from offer where name = :n").bind("n", name).mapTo(UUID.class).list());
    }

    static final int ORDERED_SCAN = 2000;

    /**
     * The first {@code limit} offers (in list order) matching {@code where} whose free time contains the
     * window. Usually most offers are free and walking them in order finds a page at once; when few are,
     * the walk stops after {@link #ORDERED_SCAN} offers and the GiST index of free gaps ({@code offer_free_gap},
     * one row per gap, kept by a trigger) answers instead, so a fully booked window costs an index probe
     * rather than a visit to every offer.
     */
    public List<OfferView> availableOffers(String where, Map<String, Object> args, Instant start, Instant end, int limit) {
        Map<String, Object> all = new HashMap<>(args);
        all.put("ws", utc(start));
        all.put("we", utc(end));
        // The inner walk follows the (created_at, uuid) index and its limit stops it early.
        String walked = "o.uuid = any(array(select s.uuid from (select o.uuid, o.created_at, o.free from offer o where " + where
                + " order by o.created_at, o.uuid limit " + ORDERED_SCAN + ") s where s.free @> tstzrange(:ws, :we, '[)')"
                + " order by s.created_at, s.uuid limit :limit))";
        List<OfferView> hits = offers(walked, all, limit);
        if (hits.size() >= limit) {
            return hits;
        }
        // Few offers have the window free (or there are few offers): the free-gap index finds exactly those.
        // As an array, so the planner probes the index first instead of walking every offer in page order.
        return offers(where + " and o.uuid = any(array(select f.offer_uuid from offer_free_gap f"
                + " where f.during @> tstzrange(:ws, :we, '[)')))", all, limit);
    }

    /** One page of offers; {@code where} may use {@code o.} columns only, names are joined for the page alone. */
    public List<OfferView> offers(String where, Map<String, Object> args, int limit) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery("select " + OFFER_COLUMNS + ", p.name as project_name, lp.name as lessee_name, n.name as node_name, "
                    + "n.resource_class as node_rc, n.properties::text as node_props, " + FREE_COLUMNS
                    + " from (select o.* from offer o where " + where
                    + " order by o.created_at, o.uuid limit :limit) o join project p on p.id = o.project_id"
                    + " left join project lp on lp.id = o.lessee_id join node n on n.uuid = o.resource_uuid order by o.created_at, o.uuid");
            args.forEach(q::bind);
            q.bind("limit", limit);
            return q.map((rs, c) -> offerView(rs)).list();
        });
    }

    /**
     * Recomputes an offer's {@code busy} windows from its live leases. Called in the transaction of every
     * change to a lease claimed from the offer, so the availability search can test the offer row alone.
     */
    public void refreshBusy(Handle h, UUID offer) {
        if (offer == null) {
            return;
        }
        h.createUpdate("""
                        with b as (select coalesce((select range_agg(tstzrange(l.start_time, l.end_time, '[)')) from lease l
                                                     where l.offer_uuid = :o and l.status not in ('expired', 'deleted')), '{}') as busy)
                        update offer o set busy = b.busy,
                                           free = tstzmultirange(tstzrange(o.start_time, o.end_time, '[)')) - b.busy
                        from b where o.uuid = :o""")
                .bind("o", offer).execute();
    }

    /** Locks the offer while a claim is inserted: claims on one offer take turns, deletion waits for them. */
    public Optional<Offer> offerForClaim(Handle h, UUID uuid) {
        return h.createQuery("select " + OFFER_COLUMNS + " from offer o where o.uuid = :u for no key update").bind("u", uuid).map((rs, c) -> offer(rs)).findOne();
    }

    /**
     * Locks the given offers as {@link #offerForClaim} does, in one statement and in UUID order (the order every
     * claim of several offers takes its locks in, so such claims never wait for each other in a circle).
     */
    public Map<UUID, Offer> offersForClaim(Handle h, java.util.Collection<UUID> uuids) {
        Map<UUID, Offer> out = new LinkedHashMap<>();
        h.createQuery("select " + OFFER_COLUMNS + " from offer o where o.uuid = any(:u) order by o.uuid for no key update")
                .bind("u", uuids.stream().sorted().distinct().toArray(UUID[]::new)).map((rs, c) -> offer(rs))
                .forEach(o -> out.put(o.uuid(), o));
        return out;
    }

    /**
     * For each window, whether its offer's free time holds all of {@code [start, end)} (as {@link #freeUntil} at the
     * start reaching the end would say), in one statement; the caller holds the offers' locks.
     */
    public List<Boolean> windowsFree(Handle h, List<LeaseService.Window> windows) {
        return h.createQuery("""
                        select coalesce(w.s < w.e and o.free @> tstzrange(w.s, w.e, '[)'), false)
                        from unnest(cast(:o as uuid[]), cast(:s as timestamptz[]), cast(:e as timestamptz[])) with ordinality w(o, s, e, i)
                        left join offer o on o.uuid = w.o order by w.i""")
                .bind("o", windows.stream().map(LeaseService.Window::offer).toArray(UUID[]::new))
                .bind("s", windows.stream().map(w -> w.start().toString()).toArray(String[]::new))
                .bind("e", windows.stream().map(w -> w.end().toString()).toArray(String[]::new))
                .mapTo(Boolean.class).list();
    }

    /** The end of the offer's free gap that contains {@code t}; empty when the offer is busy (or closed) at t. */
    public Optional<Instant> freeUntil(Handle h, UUID offer, Instant t) {
        return h.createQuery("select upper(r) from offer o cross join unnest(o.free) r where o.uuid = :o and r @> cast(:t as timestamptz)")
                .bind("o", offer).bind("t", utc(t)).mapTo(OffsetDateTime.class).findOne().map(OffsetDateTime::toInstant);
    }

    /** Live leases claimed from an offer, in time order; the gaps between them are its availabilities. */
    public List<Lease> liveLeasesOfOffer(Handle h, UUID offer) {
        return h.createQuery("select * from lease where offer_uuid = :o and status not in ('expired', 'deleted') order by start_time")
                .bind("o", offer).map((rs, c) -> lease(rs)).list();
    }

    /** The same, each row locked (in start order, after the caller locked the offer): an offer's ending marks them. */
    public List<Lease> liveLeasesOfOfferForUpdate(Handle h, UUID offer) {
        return h.createQuery("select * from lease where offer_uuid = :o and status not in ('expired', 'deleted') order by start_time for update")
                .bind("o", offer).map((rs, c) -> lease(rs)).list();
    }

    /**
     * Makes the leases on a node that are waiting to start due now: called when a hand-back finishes, so the
     * next lease of back-to-back windows starts at once instead of at its next look. Rows another worker holds
     * are skipped; that worker is starting them anyway.
     */
    public void wakeWaitingLeases(Handle h, UUID node, Instant now) {
        h.createUpdate("""
                        update lease set due_at = :now where uuid in (
                          select uuid from lease where resource_uuid = :n and status in ('created', 'wait fulfill')
                            and start_time <= :now and due_at > :now for update skip locked)""")
                .bind("n", node).bind("now", utc(now)).execute();
    }

    // --- leases

    private static final String INSERT_LEASE = """
            insert into lease (uuid, name, project_id, owner_id, resource_type, resource_uuid, start_time, end_time,
              status, properties, purpose, offer_uuid, parent_lease_uuid, created_at, due_at, price, cost, bid_uuid)
            values (:uuid, :name, :project, :owner, :rtype, :ruuid, :start, :end, :status, cast(:props as jsonb),
              :purpose, :offer, :parent, :created, :start, :price, :cost, :bid)""";

    private Update bindLease(Update u, Lease l, Instant now) {
        return u.bind("uuid", l.uuid()).bind("name", l.name()).bind("project", l.projectId()).bind("owner", l.ownerId())
                .bind("rtype", l.resourceType()).bind("ruuid", l.resourceUuid()).bind("start", utc(l.startTime()))
                .bind("end", utc(l.endTime())).bind("status", l.status().word()).bind("props", columns.text(l.properties()))
                .bind("purpose", l.purpose()).bind("offer", l.offerUuid()).bind("parent", l.parentLeaseUuid())
                .bind("created", utc(now)).bind("price", l.price()).bind("cost", l.cost()).bind("bid", (UUID) null);
    }

    public void insertLease(Handle h, Lease l, Instant now) {
        bindLease(h.createUpdate(INSERT_LEASE), l, now).execute();
    }

    /**
     * A claim's three writes in one round trip: the booking inside the offer (where the exclusion constraint
     * decides), the lease, and the offer's busy and free time. The booking succeeding means the window was
     * free on the offer, so adding it to busy (and taking it from free) is what {@link #refreshBusy} would
     * compute from the leases. Foreign keys are checked at the end of the statement, after both inserts.
     * The caller holds the offer's row lock ({@link #offerForClaim}), so claims on one offer take turns as
     * {@link #book} makes other bookings do.
     */
    public void insertClaim(Handle h, Lease l, Instant now) {
        insertClaim(h, l, now, null);
    }

    /** As {@link #insertClaim(Handle, Lease, Instant)}, for a lease made by matching bid {@code bid} (null: none). */
    public void insertClaim(Handle h, Lease l, Instant now, UUID bid) {
        bindLease(h.createUpdate("""
                        with booked as (
                          insert into booking (uuid, node_uuid, container_id, during, live)
                          values (:uuid, :ruuid, :offer, tstzrange(:start, :end, '[)'), true) returning during),
                        leased as (""" + INSERT_LEASE + " returning uuid)" + """

                        update offer o set busy = o.busy + tstzmultirange(b.during), free = o.free - tstzmultirange(b.during)
                        from booked b where o.uuid = :offer"""), l, now).bind("bid", bid).execute();
    }

    /**
     * {@link #insertClaim(Handle, Lease, Instant, UUID)} for many leases in one statement: every booking inside its
     * offer (the exclusion constraint decides each, against the others of the statement too), every lease, and each
     * offer's busy and free time moved by all its new bookings at once. Leases are of the claim's own shape (no
     * name, empty properties, status created); the caller holds the offers' locks.
     */
    public void insertClaims(Handle h, List<Lease> leases, Instant now, UUID bid) {
        h.createUpdate("""
                        with w as (
                          select * from unnest(cast(:uuid as uuid[]), cast(:project as text[]), cast(:owner as text[]),
                            cast(:rtype as text[]), cast(:ruuid as uuid[]), cast(:start as timestamptz[]), cast(:end as timestamptz[]),
                            cast(:purpose as text[]), cast(:offer as uuid[]), cast(:parent as uuid[]), cast(:price as bigint[]),
                            cast(:cost as bigint[])) with ordinality
                            w(uuid, project, owner, rtype, ruuid, s, e, purpose, offer, parent, price, cost, i)),
                        booked as (
                          insert into booking (uuid, node_uuid, container_id, during, live)
                          select uuid, ruuid, offer, tstzrange(s, e, '[)'), true from w order by i returning container_id, during),
                        leased as (
                          insert into lease (uuid, name, project_id, owner_id, resource_type, resource_uuid, start_time, end_time,
                            status, properties, purpose, offer_uuid, parent_lease_uuid, created_at, due_at, price, cost, bid_uuid)
                          select uuid, null, project, owner, rtype, ruuid, s, e, 'created', '{}'::jsonb, purpose, offer, parent,
                            :created, s, price, cost, :bid from w order by i returning uuid)
                        update offer o set busy = o.busy + b.during, free = o.free - b.during
                        from (select container_id, range_agg(during) as during from booked group by container_id) b
                        where o.uuid = b.container_id""")
                .bind("uuid", leases.stream().map(Lease::uuid).toArray(UUID[]::new))
                .bind("project", leases.stream().map(Lease::projectId).toArray(String[]::new))
                .bind("owner", leases.stream().map(Lease::ownerId).toArray(String[]::new))
                .bind("rtype", leases.stream().map(Lease::resourceType).toArray(String[]::new))
                .bind("ruuid", leases.stream().map(Lease::resourceUuid).toArray(UUID[]::new))
                .bind("start", leases.stream().map(l -> l.startTime().toString()).toArray(String[]::new))
                .bind("end", leases.stream().map(l -> l.endTime().toString()).toArray(String[]::new))
                .bind("purpose", leases.stream().map(Lease::purpose).toArray(String[]::new))
                .bind("offer", leases.stream().map(Lease::offerUuid).toArray(UUID[]::new))
                .bind("parent", leases.stream().map(Lease::parentLeaseUuid).toArray(UUID[]::new))
                .bind("price", leases.stream().map(Lease::price).toArray(Long[]::new))
                .bind("cost", leases.stream().map(Lease::cost).toArray(Long[]::new))
                .bind("created", utc(now)).bind("bid", bid)
                .execute();
    }

    public Optional<Lease> lease(Handle h, UUID uuid) {
        return h.createQuery("select * from lease where uuid = :u").bind("u", uuid).map((rs, c) -> lease(rs)).findOne();
    }

    public Optional<Lease> leaseForUpdate(Handle h, UUID uuid) {
        return h.createQuery("select * from lease where uuid = :u for update").bind("u", uuid).map((rs, c) -> lease(rs)).findOne();
    }

    /** Locks the lease unless another transaction holds it; the lifecycle uses this so instances never wait on each other. */
    public Optional<Lease> leaseForUpdateSkipLocked(Handle h, UUID uuid) {
        return h.createQuery("select * from lease where uuid = :u for update skip locked").bind("u", uuid).map((rs, c) -> lease(rs)).findOne();
    }

    public Optional<LeaseView> leaseView(UUID uuid) {
        return jdbi.withHandle(h -> h.createQuery(LEASE_VIEW + " where l.uuid = :u").bind("u", uuid).map((rs, c) -> leaseView(rs)).findOne());
    }

    public List<UUID> leasesNamed(String name) {
        return jdbi.withHandle(h -> h.createQuery("select uuid from lease where name = :n").bind("n", name).mapTo(UUID.class).list());
    }

    /**
     * One page of leases. {@code where} may use {@code l.} columns only. Each of {@code branches} (e.g. "I am
     * the lessee", "I am the owner") is paged on its own index and the pages merged, rather than one OR that
     * no index serves in order; names are joined for the final page alone.
     */
    public List<LeaseView> leases(List<String> branches, String where, Map<String, Object> args, int limit) {
        StringBuilder inner = new StringBuilder();
        for (String b : branches) {
            if (inner.length() > 0) {
                inner.append(" union ");
            }
            // Only the page keys in the branches: the union dedupes two small columns instead of whole rows,
            // and a branch can be answered from its (project, created_at, uuid) index.
            inner.append("(select l.created_at, l.uuid from lease l where ").append(b).append(" and ").append(where)
                    .append(" order by l.created_at, l.uuid limit :limit)");
        }
        return jdbi.withHandle(h -> {
            var q = h.createQuery("select l.*, p.name as project_name, op.name as owner_name, n.name as node_name, "
                    + "n.resource_class as node_rc, n.properties::text as node_props from (select * from (" + inner
                    + ") u order by u.created_at, u.uuid limit :limit) k join lease l on l.uuid = k.uuid"
                    + " join project p on p.id = l.project_id"
                    + " join project op on op.id = l.owner_id join node n on n.uuid = l.resource_uuid order by l.created_at, l.uuid");
            args.forEach(q::bind);
            q.bind("limit", limit);
            return q.map((rs, c) -> leaseView(rs)).list();
        });
    }

    /** Live children of a lease: its sub-leases and the leases claimed from its sub-offers. */
    public List<Lease> liveChildLeases(Handle h, UUID parent) {
        return h.createQuery("select * from lease where parent_lease_uuid = :p and status not in ('expired', 'deleted')")
                .bind("p", parent).map((rs, c) -> lease(rs)).list();
    }

    public List<Offer> liveChildOffers(Handle h, UUID parent) {
        return h.createQuery("select " + OFFER_COLUMNS + " from offer o where o.parent_lease_uuid = :p and o.status = 'available'")
                .bind("p", parent).map((rs, c) -> offer(rs)).list();
    }

    /** The active lease of a project on a node, if any: what makes that project the node's lessee. */
    public Optional<Lease> activeLeaseOf(Handle h, UUID node, String project) {
        return h.createQuery("select * from lease where resource_uuid = :n and project_id = :p and status = 'active' order by start_time desc limit 1")
                .bind("n", node).bind("p", project).map((rs, c) -> lease(rs)).findOne();
    }

    /** The earliest live lease on an offer starting at or after {@code t}: a claim's default end stops there. */
    public Optional<Instant> nextLeaseStart(Handle h, UUID offer, Instant t) {
        return h.createQuery("""
                        select min(start_time) from lease where offer_uuid = :o and status not in ('expired', 'deleted') and start_time >= :t""")
                .bind("o", offer).bind("t", utc(t)).map((rs, c) -> instant(rs, 1)).findOne();
    }

    public void updateLease(Handle h, UUID uuid, String set, Map<String, Object> args) {
        var u = h.createUpdate("update lease set " + set + " where uuid = :uuid").bind("uuid", uuid);
        args.forEach(u::bind);
        u.execute();
    }

    // --- lifecycle

    /** The earliest time any lease or offer needs the lifecycle, if any. */
    public Optional<Instant> nextDue() {
        return jdbi.withHandle(h -> h.createQuery("""
                        select least((select min(due_at) from lease where due_at is not null and claimed_until is null),
                                     (select min(greatest(due_at, claimed_until)) from lease
                                      where due_at is not null and claimed_until is not null),
                                     (select min(due_at) from offer where due_at is not null))""")
                .map((rs, c) -> instant(rs, 1)).findOne());
    }

    public List<UUID> dueLeases(Instant now, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select uuid from lease where due_at <= :now and (claimed_until is null or claimed_until <= :now)
                        order by due_at limit :limit""")
                .bind("now", utc(now)).bind("limit", limit).mapTo(UUID.class).list());
    }

    public List<UUID> dueOffers(Instant now, int limit) {
        return jdbi.withHandle(h -> h.createQuery("select uuid from offer where due_at <= :now order by due_at limit :limit")
                .bind("now", utc(now)).bind("limit", limit).mapTo(UUID.class).list());
    }

    // --- mapping

    /** An offer's free time (window minus live leases, kept on the row) as parallel arrays of epoch microseconds. */
    private static final String FREE_COLUMNS = "array(select (extract(epoch from lower(r)) * 1000000)::bigint from unnest(o.free) r) as free_lo, "
            + "array(select (extract(epoch from upper(r)) * 1000000)::bigint from unnest(o.free) r) as free_hi";

    /**
     * The offer columns a view reads. Not {@code o.*}: the {@code busy} and {@code free} multiranges would be
     * printed as text for every row, dozens of timestamps each, only to be thrown away.
     */
    private static final String OFFER_COLUMNS = "o.uuid, o.name, o.project_id, o.lessee_id, o.resource_type, o.resource_uuid, "
            + "o.start_time, o.end_time, o.status, o.properties, o.parent_lease_uuid, o.created_at, o.price";

    private static final String OFFER_VIEW = "select " + OFFER_COLUMNS + ", p.name as project_name, lp.name as lessee_name, n.name as node_name, "
            + "n.resource_class as node_rc, n.properties::text as node_props, " + FREE_COLUMNS
            + " from offer o join project p on p.id = o.project_id left join project lp on lp.id = o.lessee_id"
            + " join node n on n.uuid = o.resource_uuid";

    private static final String LEASE_VIEW = """
            select l.*, p.name as project_name, op.name as owner_name, n.name as node_name, n.resource_class as node_rc,
                   n.properties::text as node_props
            from lease l join project p on p.id = l.project_id join project op on op.id = l.owner_id
            join node n on n.uuid = l.resource_uuid""";

    private OfferView offerView(ResultSet rs) throws SQLException {
        return new OfferView(offer(rs), rs.getString("project_name"), rs.getString("lessee_name"), rs.getString("node_name"),
                rs.getString("node_rc"), columns.object(rs.getString("node_props")), free(rs));
    }

    private static List<Instant[]> free(ResultSet rs) throws SQLException {
        Long[] lo = (Long[]) rs.getArray("free_lo").getArray();
        Long[] hi = (Long[]) rs.getArray("free_hi").getArray();
        List<Instant[]> out = new ArrayList<>(lo.length);
        for (int i = 0; i < lo.length; i++) {
            out.add(new Instant[] {LeaseTimes.ofMicros(lo[i]), LeaseTimes.ofMicros(hi[i])});
        }
        return out;
    }

    private LeaseView leaseView(ResultSet rs) throws SQLException {
        return new LeaseView(lease(rs), rs.getString("project_name"), rs.getString("owner_name"), rs.getString("node_name"),
                rs.getString("node_rc"), columns.object(rs.getString("node_props")));
    }

    Offer offer(ResultSet rs) throws SQLException {
        return new Offer(rs.getObject("uuid", UUID.class), rs.getString("name"), rs.getString("project_id"), rs.getString("lessee_id"),
                rs.getString("resource_type"), rs.getObject("resource_uuid", UUID.class), instant(rs, "start_time"),
                instant(rs, "end_time"), OfferStatus.of(rs.getString("status")), columns.object(rs.getString("properties")),
                rs.getObject("parent_lease_uuid", UUID.class), instant(rs, "created_at"), rs.getObject("price", Long.class));
    }

    Lease lease(ResultSet rs) throws SQLException {
        return new Lease(rs.getObject("uuid", UUID.class), rs.getString("name"), rs.getString("project_id"), rs.getString("owner_id"),
                rs.getString("resource_type"), rs.getObject("resource_uuid", UUID.class), instant(rs, "start_time"),
                instant(rs, "end_time"), instant(rs, "fulfill_time"), instant(rs, "expire_time"),
                LeaseStatus.of(rs.getString("status")), columns.object(rs.getString("properties")), rs.getString("purpose"),
                rs.getObject("offer_uuid", UUID.class), rs.getObject("parent_lease_uuid", UUID.class), instant(rs, "created_at"),
                rs.getInt("attempts"), rs.getString("last_error"), rs.getString("ending"),
                instant(rs, "claimed_until"), rs.getObject("price", Long.class), rs.getObject("cost", Long.class));
    }


    static OffsetDateTime utc(Instant i) {
        return Columns.utc(i);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Columns.instant(rs, column);
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        return Columns.instant(rs, column);
    }
}
