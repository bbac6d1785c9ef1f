package org.esi.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.esi.lease.LeaseStatus;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Pools, their members and their scale history in PostgreSQL (V20__pools.sql). */
public final class PoolStore {
    private final Jdbi jdbi;
    private final ObjectMapper json;

    public PoolStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.json = json;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    // --- pools

    public void insert(Handle h, Pool p) {
        h.createUpdate("""
                        insert into pool (uuid, name, project_id, resource_class, properties, min_size, max_size, desired_size,
                          lease_seconds, renew_seconds, deploy, networks, labels, created_at, updated_at, max_price)
                        values (:u, :name, :project, :rc, cast(:props as jsonb), :min, :max, :desired, :lease, :renew,
                          cast(:deploy as jsonb), cast(:networks as jsonb), cast(:labels as jsonb), :now, :now, :maxp)""")
                .bind("u", p.uuid()).bind("name", p.name()).bind("project", p.projectId()).bind("rc", p.resourceClass())
                .bind("props", text(propertiesJson(p))).bind("min", p.minSize()).bind("max", p.maxSize()).bind("desired", p.desiredSize())
                .bind("lease", p.leaseDuration().toSeconds()).bind("renew", p.renewBefore().toSeconds())
                .bind("deploy", text(p.deploy().toJson())).bind("networks", text(networksJson(p))).bind("labels", text(json.valueToTree(p.labels())))
                .bind("now", Columns.utc(p.createdAt())).bind("maxp", p.maxPrice()).execute();
    }

    public Optional<Pool> pool(UUID uuid) {
        return jdbi.withHandle(h -> h.createQuery("select * from pool where uuid = :u").bind("u", uuid).map((rs, c) -> pool(rs)).findOne());
    }

    /** Pools of a project (or every pool), by name. */
    public List<Pool> pools(Optional<String> project) {
        return jdbi.withHandle(h -> h.createQuery("select * from pool where :p is null or project_id = :p order by name, uuid")
                .bind("p", project.orElse(null)).map((rs, c) -> pool(rs)).list());
    }

    public List<UUID> poolsNamed(String name, Optional<String> project) {
        return jdbi.withHandle(h -> h.createQuery("select uuid from pool where name = :n and (:p is null or project_id = :p)")
                .bind("n", name).bind("p", project.orElse(null)).mapTo(UUID.class).list());
    }

    public List<UUID> poolIds() {
        return jdbi.withHandle(h -> h.createQuery("select uuid from pool order by uuid").mapTo(UUID.class).list());
    }

    /** Locks the pool: its size changes and claims take turns, on every instance. */
    public Optional<Pool> lock(Handle h, UUID uuid) {
        return h.createQuery("select * from pool where uuid = :u for update").bind("u", uuid).map((rs, c) -> pool(rs)).findOne();
    }

    /** The same, unless another instance is reconciling the pool right now (then it is that instance's turn). */
    public Optional<Pool> lockUnlessBusy(Handle h, UUID uuid) {
        return h.createQuery("select * from pool where uuid = :u for update skip locked").bind("u", uuid).map((rs, c) -> pool(rs)).findOne();
    }

    public void setSizes(Handle h, UUID uuid, int min, int desired, int max, Instant now) {
        h.createUpdate("update pool set min_size = :min, desired_size = :d, max_size = :max, updated_at = :now, last_error = null, retry_at = null where uuid = :u")
                .bind("min", min).bind("d", desired).bind("max", max).bind("now", Columns.utc(now)).bind("u", uuid).execute();
    }

    public void setTerms(Handle h, UUID uuid, Duration lease, Duration renew, Map<String, String> labels, Long maxPrice, Instant now) {
        h.createUpdate("update pool set lease_seconds = :l, renew_seconds = :r, labels = cast(:labels as jsonb), max_price = :maxp,"
                        + " updated_at = :now where uuid = :u")
                .bind("l", lease.toSeconds()).bind("r", renew.toSeconds()).bind("labels", text(json.valueToTree(labels))).bind("maxp", maxPrice)
                .bind("now", Columns.utc(now)).bind("u", uuid).execute();
    }

    public void setError(Handle h, UUID uuid, String error, Instant retryAt) {
        h.createUpdate("update pool set last_error = :e, retry_at = :r where uuid = :u")
                .bind("e", error).bind("r", Columns.utc(retryAt)).bind("u", uuid).execute();
    }

    public void markDeleting(Handle h, UUID uuid, Instant now) {
        h.createUpdate("update pool set deleting = true, min_size = 0, desired_size = 0, updated_at = :now where uuid = :u")
                .bind("now", Columns.utc(now)).bind("u", uuid).execute();
    }

    public void delete(Handle h, UUID uuid) {
        h.createUpdate("delete from pool where uuid = :u").bind("u", uuid).execute();
    }

    // --- members

    private static final String MEMBERS = """
            select m.*, n.name as node_name, n.provision_state, n.last_error as node_last_error,
                   l.status as lease_status, l.end_time as lease_end, l.ending as lease_ending
            from pool_member m join lease l on l.uuid = m.lease_uuid left join node n on n.uuid = m.node_uuid
            """;

    public List<PoolMember> members(Handle h, UUID pool) {
        return h.createQuery(MEMBERS + " where m.pool_uuid = :p order by m.created_at, m.lease_uuid").bind("p", pool)
                .map((rs, c) -> member(rs)).list();
    }

    public List<PoolMember> members(UUID pool) {
        return jdbi.withHandle(h -> members(h, pool));
    }

    /** The member on a node, if the node is in some pool now. */
    public Optional<PoolMember> memberOnNode(UUID node) {
        return jdbi.withHandle(h -> h.createQuery(MEMBERS + " where m.node_uuid = :n and l.status not in ('expired', 'deleted')"
                + " order by m.created_at desc limit 1").bind("n", node).map((rs, c) -> member(rs)).findOne());
    }

    public void insertMember(Handle h, UUID lease, UUID pool, UUID node, MemberStatus status, UUID replaces, Instant now) {
        h.createUpdate("""
                        insert into pool_member (lease_uuid, pool_uuid, node_uuid, status, replaces, created_at, updated_at)
                        values (:l, :p, :n, :s, :r, :now, :now)""")
                .bind("l", lease).bind("p", pool).bind("n", node).bind("s", status.word()).bind("r", replaces)
                .bind("now", Columns.utc(now)).execute();
    }

    public void setStatus(Handle h, UUID lease, MemberStatus status, String reason, Instant now) {
        h.createUpdate("update pool_member set status = :s, reason = :r, updated_at = :now where lease_uuid = :l")
                .bind("s", status.word()).bind("r", reason).bind("now", Columns.utc(now)).bind("l", lease).execute();
    }

    public void deleteMember(Handle h, UUID lease) {
        h.createUpdate("delete from pool_member where lease_uuid = :l").bind("l", lease).execute();
    }

    // --- history

    public record Scale(Instant at, int from, int to, String reason) {}

    public void recordScale(Handle h, UUID pool, int from, int to, String reason, Instant now) {
        if (from == to) {
            return;
        }
        h.createUpdate("insert into pool_scale (pool_uuid, at, from_size, to_size, reason) values (:p, :at, :f, :t, :r)")
                .bind("p", pool).bind("at", Columns.utc(now)).bind("f", from).bind("t", to).bind("r", reason).execute();
    }

    public List<Scale> history(UUID pool, int limit) {
        return jdbi.withHandle(h -> h.createQuery("select * from (select * from pool_scale where pool_uuid = :p order by id desc limit :limit) s order by id")
                .bind("p", pool).bind("limit", limit)
                .map((rs, c) -> new Scale(Columns.instant(rs, "at"), rs.getInt("from_size"), rs.getInt("to_size"), rs.getString("reason"))).list());
    }

    // --- rows

    private Pool pool(ResultSet rs) throws SQLException {
        List<PropertyMatch> props = new ArrayList<>();
        for (JsonNode p : tree(rs.getString("properties"))) {
            props.add(PropertyMatch.parse(p.asText()));
        }
        List<Pool.PoolNetwork> nets = new ArrayList<>();
        for (JsonNode n : tree(rs.getString("networks"))) {
            nets.add(new Pool.PoolNetwork(uuidOrNull(n.path("network").asText(null)), uuidOrNull(n.path("trunk").asText(null))));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        tree(rs.getString("labels")).fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return new Pool(rs.getObject("uuid", UUID.class), rs.getString("name"), rs.getString("project_id"), rs.getString("resource_class"),
                props, rs.getInt("min_size"), rs.getInt("max_size"), rs.getInt("desired_size"), Duration.ofSeconds(rs.getLong("lease_seconds")),
                Duration.ofSeconds(rs.getLong("renew_seconds")), Deployment.parse(tree(rs.getString("deploy"))), nets, labels,
                rs.getString("last_error"), Columns.instant(rs, "retry_at"), rs.getBoolean("deleting"), Columns.instant(rs, "created_at"),
                Columns.instant(rs, "updated_at"), rs.getObject("max_price", Long.class));
    }

    private static PoolMember member(ResultSet rs) throws SQLException {
        return new PoolMember(rs.getObject("lease_uuid", UUID.class), rs.getObject("pool_uuid", UUID.class), rs.getObject("node_uuid", UUID.class),
                rs.getString("node_name"), MemberStatus.of(rs.getString("status")), rs.getString("reason"), rs.getObject("replaces", UUID.class),
                LeaseStatus.of(rs.getString("lease_status")), Columns.instant(rs, "lease_end"), rs.getString("lease_ending"),
                rs.getString("provision_state"), rs.getString("node_last_error"), Columns.instant(rs, "created_at"), Columns.instant(rs, "updated_at"));
    }

    private ArrayNode propertiesJson(Pool p) {
        ArrayNode a = json.createArrayNode();
        p.properties().forEach(m -> a.add(m.toString()));
        return a;
    }

    private ArrayNode networksJson(Pool p) {
        ArrayNode a = json.createArrayNode();
        for (Pool.PoolNetwork n : p.networks()) {
            ObjectNode o = a.addObject();
            if (n.network() != null) {
                o.put("network", n.network().toString());
            } else {
                o.put("trunk", n.trunk().toString());
            }
        }
        return a;
    }

    private static UUID uuidOrNull(String s) {
        return s == null ? null : UUID.fromString(s);
    }

    private JsonNode tree(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }

    private String text(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
