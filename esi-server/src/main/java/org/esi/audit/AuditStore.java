package org.esi.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The audit trail's storage: the chain (append, list, verify, purge) and the pending records that changes
 * write inside their own transactions.
 *
 * <p>Concurrency: every append locks the one row of {@code audit_chain_head} FOR UPDATE, reads the last id and
 * hash, inserts the next record and moves the head, all in the caller's transaction. Appends from any number of
 * instances sharing the database are thereby serialised in commit order of the head row, ids stay gapless and
 * each record links to the one committed before it. The lock is held only from the append to the commit, so
 * callers append last in their transaction.
 */
public final class AuditStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Jdbi jdbi;

    public AuditStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** Appends {@code e} to the chain within {@code h}'s transaction; holds the head lock until it ends. */
    public AuditRecord append(Handle h, AuditEntry e) {
        Map<String, Object> head = h.createQuery("select last_id, last_hash from audit_chain_head for update").mapToMap().one();
        return write(h, head, e);
    }

    /** The record after {@code head}: one statement inserts it and moves the head (round trips are most of the cost). */
    private static AuditRecord write(Handle h, Map<String, Object> head, AuditEntry e) {
        long id = ((Number) head.get("last_id")).longValue() + 1;
        byte[] prev = (byte[]) head.get("last_hash");
        byte[] hash = AuditRecord.hash(prev, id, e);
        h.createUpdate("""
                        with appended as (
                            insert into audit_record (id, recorded_at, user_id, user_name, project_id, roles, method, route,
                                target_type, target_id, status, outcome, request_id, source_address, prev_hash, hash)
                            values (:id, :at, :uid, :uname, :pid, :roles, :method, :route, :tt, :tid, :status, :outcome, :rid,
                                :src, :prev, :hash))
                        update audit_chain_head set last_id = :id, last_hash = :hash""")
                .bind("id", id).bind("at", utc(e.recordedAt())).bind("uid", e.userId()).bind("uname", e.userName())
                .bind("pid", e.projectId()).bind("roles", e.roles().toArray(String[]::new)).bind("method", e.method())
                .bind("route", e.route()).bind("tt", e.targetType()).bind("tid", e.targetId()).bind("status", e.status())
                .bind("outcome", e.outcome()).bind("rid", e.requestId()).bind("src", e.sourceAddress())
                .bind("prev", prev).bind("hash", hash).execute();
        return new AuditRecord(id, e, prev, hash);
    }

    /** Writes {@code e} as pending within {@code h}'s transaction (no chain lock taken). */
    public void pending(Handle h, UUID id, AuditEntry e) {
        h.createUpdate("insert into audit_pending (id, created_at, record) values (:id, :at, cast(:r as jsonb))")
                .bind("id", id).bind("at", utc(e.recordedAt())).bind("r", toJson(e)).execute();
    }

    /**
     * Appends the answered record, in a short transaction of its own. When the change wrote it as pending, it is
     * removed from there in the same transaction; if the audit loop already sealed it (the request outlived the
     * grace period) nothing more is appended, so a request never has two records.
     */
    public Optional<AuditRecord> seal(Optional<UUID> pendingId, AuditEntry answered) {
        return jdbi.inTransaction(h -> {
            if (pendingId.isPresent()) {
                // The pending record is already durable, committed with the change; should this commit be lost in a
                // database crash, so is the deletion of it, and the audit loop seals it as unknown. So this commit
                // need not wait for its WAL flush, which is most of an append's cost and of the time the head is held.
                h.execute("set local synchronous_commit = off");
            }
            // Removing the pending record and locking the head in one statement: lock order pending row, then head,
            // as in sealAbandoned.
            Map<String, Object> head = h.createQuery("""
                            with sealed as (delete from audit_pending where id = :id returning id)
                            select last_id, last_hash, (select count(*) from sealed) as sealed
                            from audit_chain_head for update""")
                    .bind("id", pendingId.orElse(null)).mapToMap().one();
            if (pendingId.isPresent() && ((Number) head.get("sealed")).longValue() == 0) {
                return Optional.empty();
            }
            return Optional.of(write(h, head, answered));
        });
    }

    /** Seals pending records older than {@code before} (their instance died before answering); returns how many. */
    public int sealAbandoned(Instant before) {
        return jdbi.inTransaction(h -> {
            List<String> records = h.createQuery("""
                            delete from audit_pending where id in (
                                select id from audit_pending where created_at < :before order by created_at limit 1000
                                for update skip locked)
                            returning record""")
                    .bind("before", utc(before)).mapTo(String.class).list();
            for (String r : records) {
                append(h, fromJson(r).unanswered());
            }
            return records.size();
        });
    }

    /** Filters of {@code GET /audit/v1/records}; all optional, combined with AND. */
    public record Filter(Optional<String> user, Optional<String> project, Optional<String> target,
                         Optional<String> route, Optional<String> outcome, Optional<String> requestId, Optional<Instant> since,
                         Optional<Instant> until, Optional<Long> beforeId, int limit) {}

    /** Newest first. */
    public List<AuditRecord> list(Filter f) {
        StringBuilder sql = new StringBuilder("select * from audit_record where true");
        Map<String, Object> args = new LinkedHashMap<>();
        f.user().ifPresent(u -> {
            sql.append(" and (user_id = :user or user_name = :user)");
            args.put("user", u);
        });
        f.project().ifPresent(p -> {
            sql.append(" and project_id = :project");
            args.put("project", p);
        });
        f.target().ifPresent(t -> {
            sql.append(" and target_id = :target");
            args.put("target", t);
        });
        f.route().ifPresent(r -> {
            sql.append(" and route = :route");
            args.put("route", r);
        });
        f.outcome().ifPresent(o -> {
            sql.append(" and outcome = :outcome");
            args.put("outcome", o);
        });
        f.requestId().ifPresent(r -> {
            sql.append(" and request_id = :rid");
            args.put("rid", r);
        });
        f.since().ifPresent(t -> {
            sql.append(" and recorded_at >= :since");
            args.put("since", utc(t));
        });
        f.until().ifPresent(t -> {
            sql.append(" and recorded_at < :until");
            args.put("until", utc(t));
        });
        f.beforeId().ifPresent(id -> {
            sql.append(" and id < :marker");
            args.put("marker", id);
        });
        sql.append(" order by id desc limit :limit");
        args.put("limit", f.limit());
        return jdbi.withHandle(h -> h.createQuery(sql.toString()).bindMap(args).map((rs, ctx) -> row(rs)).list());
    }

    public Optional<AuditRecord> record(long id) {
        return jdbi.withHandle(h -> h.createQuery("select * from audit_record where id = :id").bind("id", id)
                .map((rs, ctx) -> row(rs)).findOne());
    }

    /** The outcome of walking the chain: all good, or the first record that is not what the chain says. */
    public record Verification(boolean ok, long checked, long lastId, String headHash, Long badRecord, String reason) {}

    /**
     * Walks the chain from the anchor to the head: each id follows the previous, each record links to the hash
     * before it and hashes to what it stores, and the head names the last record. Reads in pages within one
     * repeatable-read snapshot, so appends during the walk do not make it fail.
     */
    public Verification verify() {
        return jdbi.inTransaction(org.jdbi.v3.core.transaction.TransactionIsolationLevel.REPEATABLE_READ, h -> {
            Map<String, Object> head = h.createQuery("select * from audit_chain_head").mapToMap().one();
            long expectedId = ((Number) head.get("anchor_id")).longValue() + 1;
            byte[] prev = (byte[]) head.get("anchor_hash");
            long lastId = ((Number) head.get("last_id")).longValue();
            byte[] lastHash = (byte[]) head.get("last_hash");
            long checked = 0;
            long after = expectedId - 1;
            while (true) {
                List<AuditRecord> page = h.createQuery("select * from audit_record where id > :after order by id limit 1000")
                        .bind("after", after).map((rs, ctx) -> row(rs)).list();
                if (page.isEmpty()) {
                    break;
                }
                for (AuditRecord r : page) {
                    if (r.id() != expectedId) {
                        return bad(checked, lastHash, r.id(), "expected record " + expectedId + " next; "
                                + (r.id() > expectedId ? "records " + expectedId + ".." + (r.id() - 1) + " are missing" : "ids out of order"));
                    }
                    if (!Arrays.equals(r.prevHash(), prev)) {
                        return bad(checked, lastHash, r.id(), "its previous-hash does not match the record before it");
                    }
                    if (!Arrays.equals(AuditRecord.hash(r.prevHash(), r.id(), r.entry()), r.hash())) {
                        return bad(checked, lastHash, r.id(), "its content does not match its hash (the record was changed)");
                    }
                    prev = r.hash();
                    expectedId++;
                    checked++;
                    after = r.id();
                }
            }
            if (expectedId - 1 != lastId || !Arrays.equals(prev, lastHash)) {
                return bad(checked, lastHash, expectedId, "the chain head names record " + lastId
                        + " but the chain ends at " + (expectedId - 1) + " (records were removed from the end)");
            }
            return new Verification(true, checked, lastId, java.util.HexFormat.of().formatHex(lastHash), null, null);
        });
    }

    private static Verification bad(long checked, byte[] lastHash, long id, String reason) {
        return new Verification(false, checked, -1, java.util.HexFormat.of().formatHex(lastHash), id, reason);
    }

    /**
     * Deletes records older than {@code cutoff} from the oldest end, and makes the newest deleted record's hash the
     * new anchor, so the chain that remains still verifies. Returns how many were removed.
     */
    public int purgeBefore(Instant cutoff) {
        return jdbi.inTransaction(h -> {
            h.createQuery("select last_id from audit_chain_head for update").mapTo(Long.class).one();
            Optional<AuditRecord> newestOld = h.createQuery(
                            "select * from audit_record where recorded_at < :cutoff order by id desc limit 1")
                    .bind("cutoff", utc(cutoff)).map((rs, ctx) -> row(rs)).findOne();
            if (newestOld.isEmpty()) {
                return 0;
            }
            long through = newestOld.get().id();
            // The trigger lets exactly this transaction delete up to here (set_config(..., true) is transaction-local).
            h.createQuery("select set_config('esi.audit_purge_through', :t, true)").bind("t", Long.toString(through))
                    .mapTo(String.class).one();
            int n = h.createUpdate("delete from audit_record where id <= :t").bind("t", through).execute();
            h.createUpdate("update audit_chain_head set anchor_id = :id, anchor_hash = :hash")
                    .bind("id", through).bind("hash", newestOld.get().hash()).execute();
            return n;
        });
    }

    private static AuditRecord row(ResultSet rs) throws SQLException {
        java.sql.Array roles = rs.getArray("roles");
        int status = rs.getInt("status");
        Integer st = rs.wasNull() ? null : status;
        AuditEntry e = new AuditEntry(rs.getObject("recorded_at", OffsetDateTime.class).toInstant(), rs.getString("user_id"),
                rs.getString("user_name"), rs.getString("project_id"), List.of((String[]) roles.getArray()),
                rs.getString("method"), rs.getString("route"), rs.getString("target_type"), rs.getString("target_id"), st,
                rs.getString("outcome"), rs.getString("request_id"), rs.getString("source_address"));
        return new AuditRecord(rs.getLong("id"), e, rs.getBytes("prev_hash"), rs.getBytes("hash"));
    }

    private static String toJson(AuditEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("recorded_at", e.recordedAt().toString());
        o.put("user_id", e.userId());
        o.put("user_name", e.userName());
        o.put("project_id", e.projectId());
        ArrayNode roles = o.putArray("roles");
        e.roles().forEach(roles::add);
        o.put("method", e.method());
        o.put("route", e.route());
        o.put("target_type", e.targetType());
        o.put("target_id", e.targetId());
        o.put("request_id", e.requestId());
        o.put("source_address", e.sourceAddress());
        return o.toString();
    }

    private static AuditEntry fromJson(String text) {
        try {
            JsonNode o = JSON.readTree(text);
            List<String> roles = new ArrayList<>();
            o.path("roles").forEach(r -> roles.add(r.asText()));
            return new AuditEntry(Instant.parse(o.path("recorded_at").asText()), o.path("user_id").textValue(),
                    o.path("user_name").textValue(), o.path("project_id").textValue(), roles, o.path("method").textValue(),
                    o.path("route").textValue(), o.path("target_type").textValue(), o.path("target_id").textValue(), null,
                    "unknown", o.path("request_id").textValue(), o.path("source_address").textValue());
        } catch (java.io.IOException ex) {
            throw new IllegalStateException("unreadable pending audit record", ex);
        }
    }

    static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
