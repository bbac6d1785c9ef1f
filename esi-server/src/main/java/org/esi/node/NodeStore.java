package org.esi.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.statement.Query;

/** SQL for nodes and ports. */
public final class NodeStore {
    private final Jdbi jdbi;
    private final Columns columns;

    public NodeStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.columns = new Columns(json);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    // --- nodes

    public Optional<Node> node(UUID uuid) {
        return jdbi.withHandle(h -> node(h, uuid));
    }

    public Optional<Node> node(Handle h, UUID uuid) {
        return h.createQuery("select * from node where uuid = :uuid").bind("uuid", uuid).map((rs, c) -> node(rs)).findOne();
    }

    /** Locks the row for the rest of the transaction: every read-modify-write of a node goes through here. */
    public Optional<Node> nodeForUpdate(Handle h, UUID uuid) {
        return h.createQuery("select * from node where uuid = :uuid for update").bind("uuid", uuid).map((rs, c) -> node(rs)).findOne();
    }

    public List<Node> nodesByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from node where name = :name").bind("name", name).map((rs, c) -> node(rs)).list());
    }

    public List<Node> list(NodeQuery q) {
        return list(q, false);
    }

    /** Columns a short list needs; the JSON columns are left out so no row pays for parsing them. */
    private static final String LEAN_COLUMNS = "uuid, name, driver, power_state, target_power_state, provision_state, "
            + "target_provision_state, maintenance, maintenance_reason, last_error, reservation, resource_class, instance_uuid, "
            + "description, owner, lessee, console_enabled, created_at, updated_at, provision_updated_at, inspection_finished_at";

    /**
     * A page of nodes. {@code lean} reads no JSON columns (driver_info, properties, ...): those come back
     * empty, for list views that do not show them.
     */
    public List<Node> list(NodeQuery q, boolean lean) {
        StringBuilder sql = new StringBuilder("select " + (lean ? LEAN_COLUMNS : "*") + " from node where true");
        Map<String, Object> args = new LinkedHashMap<>();
        q.visibleTo().ifPresent(p -> {
            sql.append(" and (owner = :visible or lessee = :visible)");
            args.put("visible", p);
        });
        q.owner().ifPresent(v -> eq(sql, args, "owner", v));
        q.lessee().ifPresent(v -> eq(sql, args, "lessee", v));
        q.project().ifPresent(v -> {
            sql.append(" and (owner = :project or lessee = :project)");
            args.put("project", v);
        });
        q.resourceClass().ifPresent(v -> eq(sql, args, "resource_class", v));
        q.provisionState().ifPresent(v -> eq(sql, args, "provision_state", v));
        q.driver().ifPresent(v -> eq(sql, args, "driver", v));
        q.maintenance().ifPresent(v -> {
            sql.append(" and maintenance = :maintenance");
            args.put("maintenance", v);
        });
        q.associated().ifPresent(v -> sql.append(v ? " and instance_uuid is not null" : " and instance_uuid is null"));
        String key = q.sortKey().sql;
        String cmp = q.descending() ? "<" : ">";
        q.marker().ifPresent(m -> {
            sql.append(" and (").append(key).append(", uuid) ").append(cmp)
                    .append(" (select ").append(key).append(", uuid from node where uuid = :marker)");
            args.put("marker", m);
        });
        String dir = q.descending() ? " desc" : " asc";
        sql.append(" order by ").append(key).append(dir).append(", uuid").append(dir).append(" limit :limit");
        args.put("limit", q.limit());
        return jdbi.withHandle(h -> {
            Query query = h.createQuery(sql.toString());
            args.forEach(query::bind);
            return lean ? query.map((rs, c) -> leanNode(rs)).list() : query.map((rs, c) -> node(rs)).list();
        });
    }

    private Node leanNode(ResultSet rs) throws SQLException {
        return new Node(rs.getObject("uuid", UUID.class), rs.getString("name"), rs.getString("driver"), EMPTY, EMPTY,
                rs.getString("power_state"), rs.getString("target_power_state"), rs.getString("provision_state"),
                rs.getString("target_provision_state"), rs.getBoolean("maintenance"), rs.getString("maintenance_reason"),
                rs.getString("last_error"), rs.getString("reservation"), rs.getString("resource_class"), EMPTY, EMPTY,
                rs.getObject("instance_uuid", UUID.class), EMPTY, rs.getString("description"), rs.getString("owner"),
                rs.getString("lessee"), rs.getBoolean("console_enabled"), List.of(), instant(rs, "created_at"),
                instant(rs, "updated_at"), instant(rs, "provision_updated_at"), instant(rs, "inspection_finished_at"));
    }

    /** Shared and never handed out for writing: lean nodes only feed list views. */
    private static final ObjectNode EMPTY = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();

    private static void eq(StringBuilder sql, Map<String, Object> args, String column, Object value) {
        sql.append(" and ").append(column).append(" = :").append(column);
        args.put(column, value);
    }

    public boolean exists(UUID uuid) {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from node where uuid = :u").bind("u", uuid).mapTo(Integer.class).one()) > 0;
    }

    public void insert(Handle h, Node n) {
        h.createUpdate("""
                        insert into node (uuid, name, driver, driver_info, driver_internal_info, power_state, target_power_state,
                          provision_state, target_provision_state, maintenance, maintenance_reason, last_error, reservation,
                          resource_class, properties, instance_info, instance_uuid, extra, description, owner, lessee,
                          console_enabled, traits, created_at, updated_at, provision_updated_at, inspection_finished_at)
                        values (:uuid, :name, :driver, cast(:driverInfo as jsonb), cast(:driverInternalInfo as jsonb), :powerState,
                          :targetPowerState, :provisionState, :targetProvisionState, :maintenance, :maintenanceReason,
                          :lastError, :reservation, :resourceClass, cast(:properties as jsonb), cast(:instanceInfo as jsonb),
                          :instanceUuid, cast(:extra as jsonb), :description, :owner, :lessee, :consoleEnabled, :traits,
                          :createdAt, :updatedAt, :provisionUpdatedAt, :inspectionFinishedAt)""")
                .bindMap(params(n)).execute();
    }

    public void update(Handle h, Node n) {
        h.createUpdate("""
                        update node set name = :name, driver = :driver, driver_info = cast(:driverInfo as jsonb),
                          driver_internal_info = cast(:driverInternalInfo as jsonb), power_state = :powerState,
                          target_power_state = :targetPowerState, provision_state = :provisionState,
                          target_provision_state = :targetProvisionState, maintenance = :maintenance,
                          maintenance_reason = :maintenanceReason, last_error = :lastError, reservation = :reservation,
                          resource_class = :resourceClass, properties = cast(:properties as jsonb),
                          instance_info = cast(:instanceInfo as jsonb), instance_uuid = :instanceUuid,
                          extra = cast(:extra as jsonb), description = :description, owner = :owner, lessee = :lessee,
                          console_enabled = :consoleEnabled, traits = :traits, updated_at = :updatedAt,
                          provision_updated_at = :provisionUpdatedAt, inspection_finished_at = :inspectionFinishedAt
                        where uuid = :uuid""")
                .bindMap(params(n)).execute();
    }

    public boolean delete(Handle h, UUID uuid) {
        return h.createUpdate("delete from node where uuid = :u").bind("u", uuid).execute() > 0;
    }

    private Map<String, Object> params(Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", n.uuid());
        m.put("name", n.name());
        m.put("driver", n.driver());
        m.put("driverInfo", columns.text(n.driverInfo()));
        m.put("driverInternalInfo", columns.text(n.driverInternalInfo()));
        m.put("powerState", n.powerState());
        m.put("targetPowerState", n.targetPowerState());
        m.put("provisionState", n.provisionState());
        m.put("targetProvisionState", n.targetProvisionState());
        m.put("maintenance", n.maintenance());
        m.put("maintenanceReason", n.maintenanceReason());
        m.put("lastError", n.lastError());
        m.put("reservation", n.reservation());
        m.put("resourceClass", n.resourceClass());
        m.put("properties", columns.text(n.properties()));
        m.put("instanceInfo", columns.text(n.instanceInfo()));
        m.put("instanceUuid", n.instanceUuid());
        m.put("extra", columns.text(n.extra()));
        m.put("description", n.description());
        m.put("owner", n.owner());
        m.put("lessee", n.lessee());
        m.put("consoleEnabled", n.consoleEnabled());
        m.put("traits", n.traits().toArray(new String[0]));
        m.put("createdAt", utc(n.createdAt()));
        m.put("updatedAt", utc(n.updatedAt()));
        m.put("provisionUpdatedAt", utc(n.provisionUpdatedAt()));
        m.put("inspectionFinishedAt", utc(n.inspectionFinishedAt()));
        return m;
    }

    private Node node(ResultSet rs) throws SQLException {
        Array traits = rs.getArray("traits");
        return new Node(
                rs.getObject("uuid", UUID.class),
                rs.getString("name"),
                rs.getString("driver"),
                columns.object(rs.getString("driver_info")),
                columns.object(rs.getString("driver_internal_info")),
                rs.getString("power_state"),
                rs.getString("target_power_state"),
                rs.getString("provision_state"),
                rs.getString("target_provision_state"),
                rs.getBoolean("maintenance"),
                rs.getString("maintenance_reason"),
                rs.getString("last_error"),
                rs.getString("reservation"),
                rs.getString("resource_class"),
                columns.object(rs.getString("properties")),
                columns.object(rs.getString("instance_info")),
                rs.getObject("instance_uuid", UUID.class),
                columns.object(rs.getString("extra")),
                rs.getString("description"),
                rs.getString("owner"),
                rs.getString("lessee"),
                rs.getBoolean("console_enabled"),
                traits == null ? List.of() : List.of((String[]) traits.getArray()),
                instant(rs, "created_at"),
                instant(rs, "updated_at"),
                instant(rs, "provision_updated_at"),
                instant(rs, "inspection_finished_at"));
    }

    // --- ports

    public Optional<Port> port(UUID uuid) {
        return jdbi.withHandle(h -> h.createQuery("select * from port where uuid = :u").bind("u", uuid).map((rs, c) -> port(rs)).findOne());
    }

    public Optional<Port> portByAddress(String mac) {
        return jdbi.withHandle(h -> h.createQuery("select * from port where address = :a").bind("a", mac).map((rs, c) -> port(rs)).findOne());
    }

    /** Ports, optionally of one node, restricted to nodes a project owns or leases when {@code visibleTo} is set. */
    public List<Port> ports(Optional<UUID> node, Optional<String> address, Optional<String> visibleTo, Optional<UUID> marker, int limit) {
        StringBuilder sql = new StringBuilder("select p.* from port p join node n on n.uuid = p.node_uuid where true");
        Map<String, Object> args = new LinkedHashMap<>();
        node.ifPresent(u -> {
            sql.append(" and p.node_uuid = :node");
            args.put("node", u);
        });
        address.ifPresent(a -> {
            sql.append(" and p.address = :address");
            args.put("address", a);
        });
        visibleTo.ifPresent(p -> {
            sql.append(" and (n.owner = :visible or n.lessee = :visible)");
            args.put("visible", p);
        });
        marker.ifPresent(m -> {
            sql.append(" and p.uuid > :marker");
            args.put("marker", m);
        });
        sql.append(" order by p.uuid limit :limit");
        args.put("limit", limit);
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql.toString());
            args.forEach(q::bind);
            return q.map((rs, c) -> port(rs)).list();
        });
    }

    public void insertPort(Handle h, Port p) {
        h.createUpdate("""
                        insert into port (uuid, address, node_uuid, local_link_connection, physical_network, pxe_enabled,
                          extra, internal_info, created_at, updated_at)
                        values (:uuid, :address, :node, cast(:llc as jsonb), :physnet, :pxe, cast(:extra as jsonb),
                          cast(:internal as jsonb), :created, :updated)""")
                .bindMap(portParams(p)).execute();
    }

    public void updatePort(Handle h, Port p) {
        h.createUpdate("""
                        update port set address = :address, node_uuid = :node, local_link_connection = cast(:llc as jsonb),
                          physical_network = :physnet, pxe_enabled = :pxe, extra = cast(:extra as jsonb),
                          internal_info = cast(:internal as jsonb), updated_at = :updated
                        where uuid = :uuid""")
                .bindMap(portParams(p)).execute();
    }

    /**
     * Records on the NIC which network port (VIF) it carries, as Ironic shows it in {@code internal_info};
     * written by the network package in the same transaction as the attachment it mirrors.
     */
    public void setTenantVif(Handle h, UUID port, String vif, Instant now) {
        h.createUpdate("""
                        update port set internal_info = internal_info || jsonb_build_object('tenant_vif_port_id', cast(:v as text)),
                          updated_at = :now where uuid = :p""")
                .bind("v", vif).bind("now", utc(now)).bind("p", port).execute();
    }

    /** Forgets the NIC's VIF if it is {@code vif}; true when it was. */
    public boolean clearTenantVif(Handle h, UUID port, String vif, Instant now) {
        return h.createUpdate("""
                        update port set internal_info = internal_info - 'tenant_vif_port_id', updated_at = :now
                        where uuid = :p and internal_info->>'tenant_vif_port_id' = :v""")
                .bind("v", vif).bind("now", utc(now)).bind("p", port).execute() > 0;
    }

    public boolean deletePort(UUID uuid) {
        return jdbi.withHandle(h -> h.createUpdate("delete from port where uuid = :u").bind("u", uuid).execute()) > 0;
    }

    private Map<String, Object> portParams(Port p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", p.uuid());
        m.put("address", p.address());
        m.put("node", p.nodeUuid());
        m.put("llc", columns.text(p.localLinkConnection()));
        m.put("physnet", p.physicalNetwork());
        m.put("pxe", p.pxeEnabled());
        m.put("extra", columns.text(p.extra()));
        m.put("internal", columns.text(p.internalInfo()));
        m.put("created", utc(p.createdAt()));
        m.put("updated", utc(p.updatedAt()));
        return m;
    }

    private Port port(ResultSet rs) throws SQLException {
        return new Port(rs.getObject("uuid", UUID.class), rs.getString("address"), rs.getObject("node_uuid", UUID.class),
                columns.object(rs.getString("local_link_connection")), rs.getString("physical_network"), rs.getBoolean("pxe_enabled"),
                columns.object(rs.getString("extra")), columns.object(rs.getString("internal_info")), instant(rs, "created_at"), instant(rs, "updated_at"));
    }

    // --- helpers


    static OffsetDateTime utc(Instant i) {
        return Columns.utc(i);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Columns.instant(rs, column);
    }

    static List<UUID> uuids(List<Node> nodes) {
        List<UUID> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.uuid()));
        return out;
    }
}
