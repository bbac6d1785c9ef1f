package org.esi.market;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import static org.esi.persistence.Columns.utc;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL of bids (V26). What a bid may become is guarded by the table's checks and the lease trigger. */
public final class BidStore {
    static final String MATCHABLE = "status in ('open', 'partially matched')";
    private final Jdbi jdbi;

    public BidStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** A lease made for a bid: what the bid's JSON lists. */
    public record BidLease(UUID uuid, Long cost) {}

    public void insert(Handle h, Bid b) {
        h.createUpdate("""
                        insert into market_bid (uuid, project_id, quantity, resource_class, properties, start_time, end_time, duration_s,
                          not_before, not_after, max_price, all_or_nothing, expires_at, status, created_at, updated_at)
                        values (:uuid, :project, :quantity, :rc, :props, :start, :end, :duration, :nb, :na, :max, :aon, :expires,
                          :status, :now, :now)""")
                .bind("uuid", b.uuid()).bind("project", b.projectId()).bind("quantity", b.quantity()).bind("rc", b.resourceClass())
                .bind("props", b.properties().toArray(new String[0])).bind("start", utc(b.startTime())).bind("end", utc(b.endTime()))
                .bind("duration", b.duration() == null ? null : b.duration().toSeconds()).bind("nb", utc(b.notBefore()))
                .bind("na", utc(b.notAfter())).bind("max", b.maxPrice()).bind("aon", b.allOrNothing())
                .bind("expires", utc(b.expiresAt())).bind("status", b.status().word()).bind("now", utc(b.createdAt()))
                .execute();
    }

    public Optional<Bid> find(Handle h, UUID uuid) {
        return h.createQuery("select * from market_bid where uuid = :u").bind("u", uuid).map((rs, c) -> bid(rs)).findOne();
    }

    public Optional<Bid> find(UUID uuid) {
        return jdbi.withHandle(h -> find(h, uuid));
    }

    /** Locks the bid for a change that must wait its turn (a cancel waits for a match in progress). */
    public Optional<Bid> lock(Handle h, UUID uuid) {
        return h.createQuery("select * from market_bid where uuid = :u for update").bind("u", uuid).map((rs, c) -> bid(rs)).findOne();
    }

    /** Locks a matchable bid unless another instance is matching it right now (then empty: it is that one's). */
    public Optional<Bid> lockMatchable(Handle h, UUID uuid) {
        return h.createQuery("select * from market_bid where uuid = :u and " + MATCHABLE + " for update skip locked")
                .bind("u", uuid).map((rs, c) -> bid(rs)).findOne();
    }

    /** Matchable bids in the matcher's order: highest max_price first, then oldest. */
    public List<Bid> matchable(int limit) {
        return jdbi.withHandle(h -> h.createQuery("select * from market_bid where " + MATCHABLE
                        + " order by max_price desc, created_at, uuid limit :limit")
                .bind("limit", limit).map((rs, c) -> bid(rs)).list());
    }

    /**
     * Ends the matchable bids whose time is up (expires_at reached, or their latest start passed), skipping those
     * another instance holds; answers the bids it ended.
     */
    public List<Bid> expireDue(Handle h, Instant now) {
        return h.createQuery("""
                        update market_bid set status = 'expired', updated_at = :now,
                          last_error = case when coalesce(start_time, not_after - make_interval(secs => duration_s)) < :now
                                            then 'its window can no longer be met' else 'expired at its expires_at' end
                        where uuid in (select uuid from market_bid where status in ('open', 'partially matched')
                          and (expires_at <= :now or coalesce(start_time, not_after - make_interval(secs => duration_s)) < :now)
                          for update skip locked)
                        returning *""")
                .bind("now", utc(now)).map((rs, c) -> bid(rs)).list();
    }

    public void setStatus(Handle h, UUID uuid, BidStatus status, String lastError, Instant now) {
        h.createUpdate("update market_bid set status = :s, last_error = :e, updated_at = :now where uuid = :u")
                .bind("s", status.word()).bind("e", lastError).bind("now", utc(now)).bind("u", uuid).execute();
    }

    /** Notes why a matchable bid was not matched (once: the same reason again writes nothing). */
    public void noteError(UUID uuid, String error, Instant now) {
        String clipped = error.length() > 1024 ? error.substring(0, 1024) : error;
        jdbi.useHandle(h -> h.createUpdate("update market_bid set last_error = :e, updated_at = :now where uuid = :u and "
                        + MATCHABLE + " and last_error is distinct from :e")
                .bind("e", clipped).bind("now", utc(now)).bind("u", uuid).execute());
    }

    /** Bids (all, or one project's), oldest first, after the bid {@code marker} when given. */
    public List<Bid> list(Optional<String> project, Optional<BidStatus> status, Optional<UUID> marker, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from market_bid b where (cast(:p as text) is null or b.project_id = cast(:p as text))
                          and (cast(:s as text) is null or b.status = cast(:s as text))
                          and (cast(:m as uuid) is null or (b.created_at, b.uuid) > (select m.created_at, m.uuid from market_bid m where m.uuid = cast(:m as uuid)))
                        order by b.created_at, b.uuid limit :limit""")
                .bind("p", project.orElse(null)).bind("s", status.map(BidStatus::word).orElse(null))
                .bind("m", marker.orElse(null)).bind("limit", limit).map((rs, c) -> bid(rs)).list());
    }

    public List<BidLease> leases(Handle h, UUID bid) {
        return h.createQuery("select uuid, cost from lease where bid_uuid = :b order by start_time, uuid")
                .bind("b", bid).map((rs, c) -> new BidLease(rs.getObject(1, UUID.class), (Long) rs.getObject(2))).list();
    }

    public List<BidLease> leases(UUID bid) {
        return jdbi.withHandle(h -> leases(h, bid));
    }

    static Bid bid(ResultSet rs) throws SQLException {
        long seconds = rs.getLong("duration_s");
        Duration duration = rs.wasNull() ? null : Duration.ofSeconds(seconds);
        return new Bid(rs.getObject("uuid", UUID.class), rs.getString("project_id"), rs.getInt("quantity"), rs.getString("resource_class"),
                Arrays.asList((String[]) rs.getArray("properties").getArray()), Columns.instant(rs, "start_time"), Columns.instant(rs, "end_time"),
                duration, Columns.instant(rs, "not_before"), Columns.instant(rs, "not_after"), rs.getLong("max_price"), rs.getBoolean("all_or_nothing"),
                Columns.instant(rs, "expires_at"), BidStatus.of(rs.getString("status")), Columns.instant(rs, "created_at"),
                Columns.instant(rs, "updated_at"), rs.getString("last_error"));
    }
}
