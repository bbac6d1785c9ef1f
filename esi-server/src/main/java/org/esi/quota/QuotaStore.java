package org.esi.quota;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** SQL of the quotas (V25) and of the lease windows they count. */
public final class QuotaStore {
    private static final String SELECT = """
            select q.project_id, p.name, q.max_leased_nodes, q.max_node_hours, q.period, q.updated_at
            from lease_quota q join project p on p.id = q.project_id""";
    private final Jdbi jdbi;

    public QuotaStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** A lease's counted time: [start, end) for a live lease, what it had of that for an ended one (maybe nothing). */
    public record Window(Instant start, Instant end) {}

    /** The project's quota, its row locked until the transaction ends; empty (and nothing locked) without one. */
    public Optional<Quota> lock(Handle h, String projectId) {
        return h.createQuery(SELECT + " where q.project_id = :p for update of q").bind("p", projectId).map((rs, c) -> quota(rs)).findOne();
    }

    public Optional<Quota> find(String projectId) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " where q.project_id = :p").bind("p", projectId).map((rs, c) -> quota(rs)).findOne());
    }

    /** Quotas in project id order, after {@code marker} when given. */
    public List<Quota> list(Optional<String> marker, int limit) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " where cast(:m as text) is null or q.project_id > cast(:m as text)"
                        + " order by q.project_id limit :limit")
                .bind("m", marker.orElse(null)).bind("limit", limit).map((rs, c) -> quota(rs)).list());
    }

    /** Sets a project's quota; false when the project is gone (deleted since it was looked up). */
    public boolean put(String projectId, Integer maxLeasedNodes, Long maxNodeHours, Period period, Instant now) {
        try {
            upsert(projectId, maxLeasedNodes, maxNodeHours, period, Columns.utc(now));
            return true;
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    private void upsert(String projectId, Integer maxLeasedNodes, Long maxNodeHours, Period period, java.time.OffsetDateTime now) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into lease_quota (project_id, max_leased_nodes, max_node_hours, period, updated_at)
                        values (:p, :n, :h, :period, :now)
                        on conflict (project_id) do update set max_leased_nodes = excluded.max_leased_nodes,
                          max_node_hours = excluded.max_node_hours, period = excluded.period, updated_at = excluded.updated_at""")
                .bind("p", projectId).bind("n", maxLeasedNodes).bind("h", maxNodeHours)
                .bind("period", period == null ? null : period.word()).bind("now", now).execute());
    }

    public boolean delete(String projectId) {
        return jdbi.withHandle(h -> h.createUpdate("delete from lease_quota where project_id = :p").bind("p", projectId).execute()) > 0;
    }

    /**
     * The counted windows of the project's leases that meet [from, to), without {@code except}. Ended leases
     * (expired, deleted) count until they ended; one that ended before it started, or without an end time, not at all.
     */
    public List<Window> windows(Handle h, String projectId, Instant from, Instant to, Optional<UUID> except) {
        return h.createQuery("""
                        select start_time, counted_end from (
                          select start_time, case when status in ('expired', 'deleted')
                                 then least(end_time, coalesce(expire_time, start_time)) else end_time end as counted_end
                          from lease where project_id = :p and start_time < :to and end_time > :from
                            and (cast(:x as uuid) is null or uuid <> cast(:x as uuid))) w
                        where counted_end > start_time and counted_end > :from""")
                .bind("p", projectId).bind("from", Columns.utc(from)).bind("to", Columns.utc(to)).bind("x", except.orElse(null))
                .map((rs, c) -> new Window(Columns.instant(rs, 1), Columns.instant(rs, 2))).list();
    }

    /** A live lease's window, when it is live. */
    public Optional<Window> liveWindow(Handle h, UUID lease) {
        return h.createQuery("select start_time, end_time from lease where uuid = :u and status not in ('expired', 'deleted')")
                .bind("u", lease).map((rs, c) -> new Window(Columns.instant(rs, 1), Columns.instant(rs, 2))).findOne();
    }

    /** The live leases' windows only (what holds a node): the concurrent-node limit counts these. */
    public List<Window> liveWindows(Handle h, String projectId, Instant from, Instant to, Optional<UUID> except) {
        return h.createQuery("""
                        select start_time, end_time from lease
                        where project_id = :p and status not in ('expired', 'deleted') and start_time < :to and end_time > :from
                          and (cast(:x as uuid) is null or uuid <> cast(:x as uuid))""")
                .bind("p", projectId).bind("from", Columns.utc(from)).bind("to", Columns.utc(to)).bind("x", except.orElse(null))
                .map((rs, c) -> new Window(Columns.instant(rs, 1), Columns.instant(rs, 2))).list();
    }

    private static Quota quota(ResultSet rs) throws SQLException {
        int nodes = rs.getInt("max_leased_nodes");
        Integer maxNodes = rs.wasNull() ? null : nodes;
        long hours = rs.getLong("max_node_hours");
        Long maxHours = rs.wasNull() ? null : hours;
        String period = rs.getString("period");
        return new Quota(rs.getString("project_id"), rs.getString("name"), maxNodes, maxHours,
                period == null ? null : Period.of(period).orElseThrow(), Columns.instant(rs, "updated_at"));
    }
}
