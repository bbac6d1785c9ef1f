package org.esi.market;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Jdbi;

/**
 * What the market has been used for, read from the leases themselves: usage is the time each lessee had each
 * node (from its start on the node to its end, or now), inside the asked window, valued at the lease's price;
 * the price index is the asking prices of the offers with free time in a window.
 */
public final class MarketReports {
    private final Jdbi jdbi;

    public MarketReports(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Use of one node by one lessee from one owner in the window: node-hours and their value, both in 1/10,000
     * (of an hour, of a credit), the value rounded half-up once per row.
     */
    public record UsageRow(String lesseeId, String lesseeName, String ownerId, String ownerName, UUID node, String nodeName,
                           long nodeHours, long credits) {}

    /** Rows where {@code project} (or anyone, when empty) is the lessee or the owner. */
    public List<UsageRow> usage(Instant start, Instant end, Instant now, Optional<String> project) {
        return jdbi.withHandle(h -> h.createQuery("""
                        with used as (
                          select l.project_id, l.owner_id, l.resource_uuid, coalesce(l.price, 0) as price,
                                 greatest(l.start_time, l.fulfill_time, cast(:s as timestamptz)) as lo,
                                 least(l.end_time, coalesce(l.expire_time, cast(:now as timestamptz)), cast(:e as timestamptz)) as hi
                          from lease l
                          where l.fulfill_time is not null and l.start_time < :e and coalesce(l.expire_time, l.end_time) > :s
                            and (cast(:p as text) is null or l.project_id = cast(:p as text) or l.owner_id = cast(:p as text))
                        )
                        select u.project_id, lp.name as lessee_name, u.owner_id, op.name as owner_name, u.resource_uuid, n.name as node_name,
                               round(sum(extract(epoch from (u.hi - u.lo))) / 0.36) as hours,
                               round(sum(u.price * extract(epoch from (u.hi - u.lo))) / 3600) as credits
                        from used u
                        join project lp on lp.id = u.project_id join project op on op.id = u.owner_id
                        join node n on n.uuid = u.resource_uuid
                        where u.hi > u.lo
                        group by u.project_id, lp.name, u.owner_id, op.name, u.resource_uuid, n.name
                        order by u.project_id, u.owner_id, n.name, u.resource_uuid""")
                .bind("s", Columns.utc(start)).bind("e", Columns.utc(end)).bind("now", Columns.utc(now)).bind("p", project.orElse(null))
                .map((rs, c) -> new UsageRow(rs.getString("project_id"), rs.getString("lessee_name"), rs.getString("owner_id"),
                        rs.getString("owner_name"), rs.getObject("resource_uuid", UUID.class), rs.getString("node_name"),
                        rs.getBigDecimal("hours").longValueExact(), rs.getBigDecimal("credits").longValueExact()))
                .list());
    }

    /** Asking prices of one resource class; min, median (the lower middle one: a price someone asks) and max. */
    public record PriceRow(String resourceClass, int pricedOffers, int freeOffers, Long min, Long median, Long max) {}

    /** Over the available offers with free time overlapping {@code [start, end)}. */
    public List<PriceRow> prices(Instant start, Instant end, Optional<String> resourceClass) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select n.resource_class, count(o.price) as priced, count(*) - count(o.price) as free,
                               min(o.price) as lo, percentile_disc(0.5) within group (order by o.price) as mid, max(o.price) as hi
                        from offer o join node n on n.uuid = o.resource_uuid
                        where o.status = 'available' and o.free && tstzrange(:s, :e, '[)')
                          and (cast(:rc as text) is null or n.resource_class = cast(:rc as text))
                        group by n.resource_class
                        order by n.resource_class""")
                .bind("s", Columns.utc(start)).bind("e", Columns.utc(end)).bind("rc", resourceClass.orElse(null))
                .map((rs, c) -> new PriceRow(rs.getString("resource_class"), rs.getInt("priced"), rs.getInt("free"),
                        rs.getObject("lo", Long.class), rs.getObject("mid", Long.class), rs.getObject("hi", Long.class)))
                .list());
    }
}
