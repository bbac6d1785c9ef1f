package org.esi.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.esi.persistence.Columns;

/** SQL for switches, networks, grants, trunks and attachments. */
public final class NetworkStore {
    private final Jdbi jdbi;
    private final Columns columns;

    public NetworkStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.columns = new Columns(json);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    // --- switches

    public void insertSwitch(Switch s) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into switch (id, name, driver, address, username, password, physical_network, options, created_at)
                        values (:id, :name, :driver, :address, :username, :password, :physnet, cast(:options as jsonb), :created)""")
                .bind("id", s.id()).bind("name", s.name()).bind("driver", s.driver()).bind("address", s.address())
                .bind("username", s.username()).bind("password", s.password()).bind("physnet", s.physicalNetwork())
                .bind("options", columns.text(s.options())).bind("created", utc(s.createdAt())).execute());
    }

    public List<Switch> switches() {
        return jdbi.withHandle(h -> h.createQuery("select * from switch order by name").map((rs, c) -> sw(rs)).list());
    }

    public Optional<Switch> switchById(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("select * from switch where id = :id").bind("id", id).map((rs, c) -> sw(rs)).findOne());
    }

    public Optional<Switch> switchByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from switch where name = :n").bind("n", name).map((rs, c) -> sw(rs)).findOne());
    }

    /** The switch a port's local_link_connection names: by switch_info (our name) or switch_id (our id or its own). */
    public Optional<Switch> switchFor(String switchInfo, String switchId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from switch where name = :info or id::text = :sid or options->>'switch_id' = :sid
                        order by (name = :info) desc limit 1""")
                .bind("info", switchInfo).bind("sid", switchId).map((rs, c) -> sw(rs)).findOne());
    }

    public boolean deleteSwitch(UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from switch where id = :id").bind("id", id).execute()) > 0;
    }

    // --- networks

    public void insertNetwork(Handle h, Network n) {
        h.createUpdate("""
                        insert into network (id, name, project_id, shared, physical_network, vlan_id, provider, created_at, external, description)
                        values (:id, :name, :project, :shared, :physnet, :vlan, :provider, :created, :external, :description)""")
                .bind("id", n.id()).bind("name", n.name()).bind("project", n.projectId()).bind("shared", n.shared())
                .bind("physnet", n.physicalNetwork()).bind("vlan", n.vlanId()).bind("provider", n.provider())
                .bind("created", utc(n.createdAt())).bind("external", n.external()).bind("description", n.description()).execute();
    }

    /** The lowest VLAN of the range no network uses yet; empty when the range is full. */
    public Optional<Integer> freeVlan(Handle h, String physnet, int low, int high) {
        return h.createQuery("""
                        select v from generate_series(:low, :high) v
                        where not exists (select 1 from network where physical_network = :p and vlan_id = v)
                        order by v limit 1""")
                .bind("low", low).bind("high", high).bind("p", physnet).mapTo(Integer.class).findOne();
    }

    public Optional<Network> network(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("select * from network where id = :id").bind("id", id).map((rs, c) -> network(rs)).findOne());
    }

    public List<Network> networksNamed(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from network where name = :n").bind("n", name).map((rs, c) -> network(rs)).list());
    }

    /** Networks a project may use: its own, shared ones, and ones granted to it; all when {@code project} is empty. */
    public List<Network> networks(Optional<String> visibleTo) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from network n where :p is null or n.project_id = :p or n.shared
                          or exists (select 1 from network_rbac r where r.network_id = n.id and r.project_id = :p)
                        order by n.name, n.id""")
                .bind("p", visibleTo.orElse(null)).map((rs, c) -> network(rs)).list());
    }

    public boolean granted(UUID network, String project) {
        return jdbi.withHandle(h -> h.createQuery("select exists (select 1 from network_rbac where network_id = :n and project_id = :p)")
                .bind("n", network).bind("p", project).mapTo(Boolean.class).one());
    }

    public List<String> grants(UUID network) {
        return jdbi.withHandle(h -> h.createQuery("select project_id from network_rbac where network_id = :n order by project_id")
                .bind("n", network).mapTo(String.class).list());
    }

    public void grant(UUID network, String project) {
        jdbi.useHandle(h -> h.createUpdate("insert into network_rbac (network_id, project_id) values (:n, :p) on conflict do nothing")
                .bind("n", network).bind("p", project).execute());
    }

    public boolean revoke(UUID network, String project) {
        return jdbi.withHandle(h -> h.createUpdate("delete from network_rbac where network_id = :n and project_id = :p")
                .bind("n", network).bind("p", project).execute()) > 0;
    }

    public void updateNetwork(UUID id, String name, boolean shared) {
        jdbi.useHandle(h -> h.createUpdate("update network set name = :name, shared = :shared where id = :id")
                .bind("id", id).bind("name", name).bind("shared", shared).execute());
    }

    /** The Neutron face's update: the same row, with the attributes only that face shows. */
    public void updateNetwork(Network n) {
        jdbi.useHandle(h -> h.createUpdate("""
                        update network set name = :name, shared = :shared, external = :external, description = :description where id = :id""")
                .bind("id", n.id()).bind("name", n.name()).bind("shared", n.shared()).bind("external", n.external())
                .bind("description", n.description()).execute());
    }

    public boolean deleteNetwork(UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from network where id = :id").bind("id", id).execute()) > 0;
    }

    // --- trunks

    public void insertTrunk(Handle h, Trunk t) {
        h.createUpdate("""
                        insert into trunk (id, name, project_id, native_network_id, created_at, port_id, description)
                        values (:id, :name, :p, :native, :created, :port, :description)""")
                .bind("id", t.id()).bind("name", t.name()).bind("p", t.projectId()).bind("native", t.nativeNetworkId())
                .bind("created", utc(t.createdAt())).bind("port", t.portId()).bind("description", t.description()).execute();
        for (Trunk.Tagged n : t.tagged()) {
            addTagged(h, t.id(), n);
        }
    }

    public void addTagged(Handle h, UUID trunk, Trunk.Tagged tagged) {
        h.createUpdate("insert into trunk_network (trunk_id, network_id, port_id) values (:t, :n, :p) on conflict do nothing")
                .bind("t", trunk).bind("n", tagged.networkId()).bind("p", tagged.portId()).execute();
    }

    public boolean removeTagged(Handle h, UUID trunk, UUID network) {
        return h.createUpdate("delete from trunk_network where trunk_id = :t and network_id = :n").bind("t", trunk).bind("n", network).execute() > 0;
    }

    public void updateTrunk(UUID id, String name, String description) {
        jdbi.useHandle(h -> h.createUpdate("update trunk set name = :name, description = :d where id = :id")
                .bind("id", id).bind("name", name).bind("d", description).execute());
    }

    /** The trunk whose parent port this is. */
    public Optional<Trunk> trunkOfParent(UUID port) {
        return jdbi.withHandle(h -> h.createQuery("select * from trunk where port_id = :p").bind("p", port).map((rs, c) -> trunkRow(rs)).findOne()
                .map(t -> withTagged(h, t)));
    }

    /** Trunks by their parent port, for the given ports that are one. */
    public Map<UUID, Trunk> trunksByParent(Collection<UUID> ports) {
        Map<UUID, Trunk> out = new LinkedHashMap<>();
        if (!ports.isEmpty()) {
            jdbi.useHandle(h -> h.createQuery("select * from trunk where port_id = any(:p)").bind("p", ports.toArray(new UUID[0]))
                    .map((rs, c) -> trunkRow(rs)).list().forEach(t -> out.put(t.portId(), withTagged(h, t))));
        }
        return out;
    }

    /**
     * Locks network ports' rows, in id order. A port becomes bound, a trunk's parent or a sub-port only
     * under this lock, so two instances cannot make one port both at once.
     */
    public void lockPorts(Handle h, Collection<UUID> ports) {
        if (!ports.isEmpty()) {
            h.createQuery("select id from network_port where id = any(:p) order by id for no key update")
                    .bind("p", ports.toArray(new UUID[0])).mapTo(UUID.class).list();
        }
    }

    public boolean anyBound(Handle h, Collection<UUID> ports) {
        return !ports.isEmpty() && h.createQuery("select exists (select 1 from attachment where vif_port_id = any(:p))")
                .bind("p", ports.toArray(new UUID[0])).mapTo(Boolean.class).one();
    }

    /** The trunk whose parent the port is (null if none), and whether it is any trunk's sub-port. */
    public record PortRole(UUID parentOf, boolean subPort) {}

    public PortRole roleOf(Handle h, UUID port) {
        UUID parentOf = h.createQuery("select id from trunk where port_id = :p").bind("p", port).mapTo(UUID.class).findOne().orElse(null);
        boolean sub = h.createQuery("select exists (select 1 from trunk_network where port_id = :p)").bind("p", port).mapTo(Boolean.class).one();
        return new PortRole(parentOf, sub);
    }

    /** The trunk this port is a sub-port of. */
    public Optional<Trunk> trunkOfSubport(UUID port) {
        return jdbi.withHandle(h -> h.createQuery("select t.* from trunk t join trunk_network tn on tn.trunk_id = t.id where tn.port_id = :p")
                .bind("p", port).map((rs, c) -> trunkRow(rs)).findOne().map(t -> withTagged(h, t)));
    }

    public Optional<Trunk> trunk(UUID id) {
        return jdbi.withHandle(h -> trunk(h, id));
    }

    public Optional<Trunk> trunk(Handle h, UUID id) {
        return h.createQuery("select * from trunk where id = :id").bind("id", id).map((rs, c) -> trunkRow(rs)).findOne()
                .map(t -> withTagged(h, t));
    }

    public List<Trunk> trunksNamed(String name) {
        return jdbi.withHandle(h -> h.createQuery("select * from trunk where name = :n").bind("n", name).map((rs, c) -> trunkRow(rs)).list()
                .stream().map(t -> withTagged(h, t)).toList());
    }

    public List<Trunk> trunks(Optional<String> project) {
        return jdbi.withHandle(h -> h.createQuery("select * from trunk where :p is null or project_id = :p order by name, id")
                .bind("p", project.orElse(null)).map((rs, c) -> trunkRow(rs)).list().stream().map(t -> withTagged(h, t)).toList());
    }

    public boolean deleteTrunk(UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from trunk where id = :id").bind("id", id).execute()) > 0;
    }

    private Trunk withTagged(Handle h, Trunk t) {
        List<Trunk.Tagged> tagged = h.createQuery("select network_id, port_id from trunk_network where trunk_id = :t order by network_id")
                .bind("t", t.id()).map((rs, c) -> new Trunk.Tagged(rs.getObject("network_id", UUID.class), rs.getObject("port_id", UUID.class))).list();
        return new Trunk(t.id(), t.name(), t.projectId(), t.nativeNetworkId(), tagged, t.createdAt(), t.portId(), t.description());
    }

    // --- attachments

    public void insertAttachment(Handle h, Attachment a) {
        h.createUpdate("""
                        insert into attachment (id, node_uuid, port_uuid, network_id, trunk_id, project_id, status, created_at, vif_port_id)
                        values (:id, :node, :port, :net, :trunk, :project, :status, :created, :vif)""")
                .bind("id", a.id()).bind("node", a.nodeUuid()).bind("port", a.portUuid()).bind("net", a.networkId())
                .bind("trunk", a.trunkId()).bind("project", a.projectId()).bind("status", a.status()).bind("created", utc(a.createdAt()))
                .bind("vif", a.vifPortId()).execute();
    }

    public void setStatus(UUID id, String status, String error) {
        jdbi.useHandle(h -> h.createUpdate("update attachment set status = :s, last_error = :e, updated_at = now() where id = :id")
                .bind("id", id).bind("s", status).bind("e", error).execute());
    }

    public void deleteAttachment(Handle h, UUID id) {
        h.createUpdate("delete from attachment where id = :id").bind("id", id).execute();
    }

    public Optional<Attachment> attachmentOfVif(UUID vifPort) {
        return jdbi.withHandle(h -> h.createQuery("select * from attachment where vif_port_id = :v").bind("v", vifPort)
                .map((rs, c) -> attachment(rs)).findOne());
    }

    public Optional<Attachment> attachment(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("select * from attachment where id = :id").bind("id", id).map((rs, c) -> attachment(rs)).findOne());
    }

    public List<Attachment> attachmentsOfNode(UUID node) {
        return jdbi.withHandle(h -> h.createQuery("select * from attachment where node_uuid = :n order by created_at")
                .bind("n", node).map((rs, c) -> attachment(rs)).list());
    }

    public List<Attachment> attachmentsOfTrunk(UUID trunk) {
        return jdbi.withHandle(h -> h.createQuery("select * from attachment where trunk_id = :t").bind("t", trunk).map((rs, c) -> attachment(rs)).list());
    }

    public boolean networkInUse(UUID network) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select exists (select 1 from attachment where network_id = :n)
                            or exists (select 1 from trunk_network where network_id = :n)
                            or exists (select 1 from trunk where native_network_id = :n)
                            or exists (select 1 from network_port where network_id = :n)""")
                .bind("n", network).mapTo(Boolean.class).one());
    }

    // --- mapping

    private Switch sw(ResultSet rs) throws SQLException {
        return new Switch(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("driver"), rs.getString("address"),
                rs.getString("username"), rs.getString("password"), rs.getString("physical_network"), columns.object(rs.getString("options")),
                instant(rs, "created_at"));
    }

    private static Network network(ResultSet rs) throws SQLException {
        return new Network(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("project_id"), rs.getBoolean("shared"),
                rs.getString("physical_network"), rs.getInt("vlan_id"), rs.getBoolean("provider"), instant(rs, "created_at"),
                rs.getBoolean("external"), rs.getString("description"));
    }

    private static Trunk trunkRow(ResultSet rs) throws SQLException {
        return new Trunk(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("project_id"),
                rs.getObject("native_network_id", UUID.class), List.of(), instant(rs, "created_at"), rs.getObject("port_id", UUID.class),
                rs.getString("description"));
    }

    private static Attachment attachment(ResultSet rs) throws SQLException {
        return new Attachment(rs.getObject("id", UUID.class), rs.getObject("node_uuid", UUID.class), rs.getObject("port_uuid", UUID.class),
                rs.getObject("network_id", UUID.class), rs.getObject("trunk_id", UUID.class), rs.getString("project_id"),
                rs.getString("status"), rs.getString("last_error"), instant(rs, "created_at"), rs.getObject("vif_port_id", UUID.class));
    }


    static OffsetDateTime utc(Instant i) {
        return Columns.utc(i);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Columns.instant(rs, column);
    }
}
