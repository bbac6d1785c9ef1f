package org.esi.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL for subnets and their pools, network ports, their fixed IPs, and which attachment binds a port. */
public final class PortStore {
    private final Jdbi jdbi;
    private final ObjectMapper json;
    private final Columns columns;

    public PortStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.json = json;
        this.columns = new Columns(json);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    // --- subnets

    public void insertSubnet(Handle h, Subnet s) {
        h.createUpdate("""
                        insert into subnet (id, network_id, project_id, name, description, ip_version, cidr, gateway_ip, enable_dhcp,
                          dns_nameservers, host_routes, created_at)
                        values (:id, :network, :project, :name, :description, :version, cast(:cidr as cidr), cast(:gateway as inet), :dhcp,
                          cast(:dns as jsonb), cast(:routes as jsonb), :created)""")
                .bind("id", s.id()).bind("network", s.networkId()).bind("project", s.projectId()).bind("name", s.name())
                .bind("description", s.description()).bind("version", s.cidr().version()).bind("cidr", s.cidr().toString())
                .bind("gateway", s.gatewayIp() == null ? null : s.gatewayIp().toString()).bind("dhcp", s.enableDhcp())
                .bind("dns", write(s.dnsNameservers())).bind("routes", write(s.hostRoutes())).bind("created", Columns.utc(s.createdAt()))
                .execute();
        for (Subnet.Pool p : s.pools()) {
            h.createUpdate("insert into subnet_pool_range (subnet_id, first_ip, last_ip) values (:s, cast(:a as inet), cast(:b as inet))")
                    .bind("s", s.id()).bind("a", p.start().toString()).bind("b", p.end().toString()).execute();
        }
    }

    public void updateSubnet(Subnet s) {
        jdbi.useHandle(h -> h.createUpdate("""
                        update subnet set name = :name, description = :description, enable_dhcp = :dhcp, dns_nameservers = cast(:dns as jsonb),
                          host_routes = cast(:routes as jsonb), updated_at = :updated where id = :id""")
                .bind("id", s.id()).bind("name", s.name()).bind("description", s.description()).bind("dhcp", s.enableDhcp())
                .bind("dns", write(s.dnsNameservers())).bind("routes", write(s.hostRoutes())).bind("updated", Columns.utc(s.updatedAt()))
                .execute());
    }

    public Optional<Subnet> subnet(UUID id) {
        return jdbi.withHandle(h -> subnets(h, "where id = :id", Map.of("id", id)).stream().findFirst());
    }

    /** Subnets of the given networks (all when null), oldest first: the order IPAM tries them in. */
    public List<Subnet> subnetsOf(Collection<UUID> networks) {
        if (networks != null && networks.isEmpty()) {
            return List.of();
        }
        return jdbi.withHandle(h -> subnetsOf(h, networks));
    }

    public List<Subnet> subnetsOf(Handle h, Collection<UUID> networks) {
        if (networks != null && networks.isEmpty()) {
            return List.of();
        }
        return networks == null ? subnets(h, "", Map.of()) : subnets(h, "where network_id = any(:n)", Map.of("n", networks.toArray(new UUID[0])));
    }

    /** Locks the network row: subnet creation on one network is serialised, so overlap checks see each other. */
    public void lockNetwork(Handle h, UUID network) {
        h.createQuery("select id from network where id = :n for no key update").bind("n", network).mapTo(UUID.class).findOne();
    }

    public boolean overlapsSubnetOf(Handle h, UUID network, Cidr cidr) {
        return h.createQuery("select exists (select 1 from subnet where network_id = :n and cidr && cast(:c as cidr))")
                .bind("n", network).bind("c", cidr.toString()).mapTo(Boolean.class).one();
    }

    public boolean subnetInUse(UUID subnet) {
        return jdbi.withHandle(h -> h.createQuery("select exists (select 1 from port_ip where subnet_id = :s)").bind("s", subnet)
                .mapTo(Boolean.class).one());
    }

    public boolean deleteSubnet(UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from subnet where id = :id").bind("id", id).execute()) > 0;
    }

    private List<Subnet> subnets(Handle h, String where, Map<String, Object> args) {
        var q = h.createQuery("select *, host(gateway_ip) as gateway_text from subnet " + where + " order by created_at, id");
        args.forEach(q::bind);
        List<Subnet> raw = q.map((rs, c) -> subnet(rs)).list();
        if (raw.isEmpty()) {
            return raw;
        }
        Map<UUID, List<Subnet.Pool>> pools = new LinkedHashMap<>();
        h.createQuery("select subnet_id, host(first_ip) a, host(last_ip) b from subnet_pool_range where subnet_id = any(:s) order by first_ip")
                .bind("s", raw.stream().map(Subnet::id).toArray(UUID[]::new))
                .map((rs, c) -> Map.entry(rs.getObject("subnet_id", UUID.class),
                        new Subnet.Pool(IpAddress.parse(rs.getString("a"), "pool"), IpAddress.parse(rs.getString("b"), "pool"))))
                .forEach(e -> pools.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return raw.stream().map(s -> new Subnet(s.id(), s.networkId(), s.projectId(), s.name(), s.description(), s.cidr(), s.gatewayIp(),
                s.enableDhcp(), pools.getOrDefault(s.id(), List.of()), s.dnsNameservers(), s.hostRoutes(), s.createdAt(), s.updatedAt())).toList();
    }

    // --- ports

    public void insertPort(Handle h, NetworkPort p) {
        h.createUpdate("""
                        insert into network_port (id, network_id, project_id, name, description, mac_address, admin_state_up, device_owner,
                          device_id, vnic_type, binding_profile, created_at)
                        values (:id, :network, :project, :name, :description, cast(:mac as macaddr), :up, :owner, :device, :vnic,
                          cast(:profile as jsonb), :created)""")
                .bind("id", p.id()).bind("network", p.networkId()).bind("project", p.projectId()).bind("name", p.name())
                .bind("description", p.description()).bind("mac", p.macAddress()).bind("up", p.adminStateUp())
                .bind("owner", p.deviceOwner()).bind("device", p.deviceId()).bind("vnic", p.vnicType())
                .bind("profile", columns.text(p.bindingProfile())).bind("created", Columns.utc(p.createdAt())).execute();
    }

    public void updatePort(Handle h, NetworkPort p) {
        h.createUpdate("""
                        update network_port set name = :name, description = :description, mac_address = cast(:mac as macaddr),
                          admin_state_up = :up, device_owner = :owner, device_id = :device, vnic_type = :vnic,
                          binding_profile = cast(:profile as jsonb), updated_at = :updated
                        where id = :id""")
                .bind("id", p.id()).bind("name", p.name()).bind("description", p.description()).bind("mac", p.macAddress())
                .bind("up", p.adminStateUp()).bind("owner", p.deviceOwner()).bind("device", p.deviceId()).bind("vnic", p.vnicType())
                .bind("profile", columns.text(p.bindingProfile())).bind("updated", Columns.utc(p.updatedAt())).execute();
    }

    public boolean deletePort(UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from network_port where id = :id").bind("id", id).execute()) > 0;
    }

    public Optional<NetworkPort> port(UUID id) {
        return ports("where p.id = :id", Map.of("id", id)).stream().findFirst();
    }

    /** Ports of one project, or all when {@code project} is empty. */
    public List<NetworkPort> ports(Optional<String> project) {
        return project.map(p -> ports("where p.project_id = :p", Map.of("p", (Object) p))).orElseGet(() -> ports("", Map.of()));
    }

    public List<NetworkPort> portsNamed(String name) {
        return ports("where p.name = :n", Map.of("n", name));
    }

    public List<NetworkPort> portsByIds(Collection<UUID> ids) {
        return ids.isEmpty() ? List.of() : ports("where p.id = any(:ids)", Map.of("ids", ids.toArray(new UUID[0])));
    }

    private List<NetworkPort> ports(String where, Map<String, Object> args) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery("select p.*, p.mac_address::text as mac from network_port p " + where + " order by p.created_at, p.id");
            args.forEach(q::bind);
            List<NetworkPort> raw = q.map((rs, c) -> port(rs)).list();
            if (raw.isEmpty()) {
                return raw;
            }
            Map<UUID, List<NetworkPort.FixedIp>> ips = new LinkedHashMap<>();
            h.createQuery("select port_id, subnet_id, host(ip_address) ip from port_ip where port_id = any(:p) order by ip_address")
                    .bind("p", raw.stream().map(NetworkPort::id).toArray(UUID[]::new))
                    .map((rs, c) -> Map.entry(rs.getObject("port_id", UUID.class),
                            new NetworkPort.FixedIp(rs.getObject("subnet_id", UUID.class), rs.getString("ip"))))
                    .forEach(e -> ips.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            return raw.stream().map(p -> withIps(p, ips.getOrDefault(p.id(), List.of()))).toList();
        });
    }

    private static NetworkPort withIps(NetworkPort p, List<NetworkPort.FixedIp> ips) {
        return new NetworkPort(p.id(), p.networkId(), p.projectId(), p.name(), p.description(), p.macAddress(), p.adminStateUp(),
                p.deviceOwner(), p.deviceId(), p.vnicType(), p.bindingProfile(), ips, p.createdAt(), p.updatedAt());
    }

    // --- fixed IPs

    /**
     * Locks the subnets' rows in id order: allocators on one subnet queue here, across instances, so the
     * lowest free address they each read is still free when they insert it.
     */
    public void lockSubnets(Handle h, Collection<UUID> subnets) {
        if (!subnets.isEmpty()) {
            h.createQuery("select id from subnet where id = any(:s) order by id for no key update")
                    .bind("s", subnets.toArray(new UUID[0])).mapTo(UUID.class).list();
        }
    }

    /**
     * The lowest address of the subnet's pools no port holds. Candidates are each pool's first address and
     * the address after each allocated one, so the cost follows what is allocated, not the pools' size.
     */
    public Optional<String> lowestFreeIp(Handle h, UUID subnet) {
        return h.createQuery("""
                        select host(c) from (
                          select r.first_ip as c from subnet_pool_range r where r.subnet_id = :s
                          union
                          select i.ip_address + 1 from port_ip i
                            join subnet_pool_range r on r.subnet_id = :s and i.ip_address >= r.first_ip and i.ip_address < r.last_ip
                          where i.subnet_id = :s
                        ) cand
                        where exists (select 1 from subnet_pool_range r where r.subnet_id = :s and cand.c between r.first_ip and r.last_ip)
                          and not exists (select 1 from port_ip i where i.subnet_id = :s and i.ip_address = cand.c)
                        order by c limit 1""")
                .bind("s", subnet).mapTo(String.class).findOne();
    }

    public void insertIp(Handle h, UUID port, UUID subnet, String ip) {
        h.createUpdate("insert into port_ip (subnet_id, ip_address, port_id) values (:s, cast(:ip as inet), :p)")
                .bind("s", subnet).bind("ip", ip).bind("p", port).execute();
    }

    public void deleteIp(Handle h, UUID port, UUID subnet, String ip) {
        h.createUpdate("delete from port_ip where port_id = :p and subnet_id = :s and ip_address = cast(:ip as inet)")
                .bind("s", subnet).bind("ip", ip).bind("p", port).execute();
    }

    // --- bindings

    /**
     * Where each of the given ports is bound: through an attachment naming it, or, for a trunk's sub-port,
     * through the attachment naming the trunk's parent port.
     */
    public Map<UUID, PortBinding> bindings(Collection<UUID> ports) {
        Map<UUID, PortBinding> out = new LinkedHashMap<>();
        if (ports.isEmpty()) {
            return out;
        }
        jdbi.useHandle(h -> h.createQuery("""
                        select x.port_id, a.id attachment_id, a.node_uuid, a.port_uuid, a.status, a.trunk_id, bp.address, bp.local_link_connection
                        from (
                          select a.vif_port_id port_id, a.id from attachment a where a.vif_port_id = any(:p)
                          union all
                          select tn.port_id, a.id from trunk_network tn join trunk t on t.id = tn.trunk_id
                            join attachment a on a.vif_port_id = t.port_id where tn.port_id = any(:p)
                        ) x
                        join attachment a on a.id = x.id
                        join port bp on bp.uuid = a.port_uuid""")
                .bind("p", ports.toArray(new UUID[0]))
                .map((rs, c) -> new PortBinding(rs.getObject("port_id", UUID.class), rs.getObject("attachment_id", UUID.class),
                        rs.getObject("node_uuid", UUID.class), rs.getObject("port_uuid", UUID.class), rs.getString("address"),
                        columns.object(rs.getString("local_link_connection")), rs.getString("status"), rs.getObject("trunk_id", UUID.class)))
                .forEach(b -> out.put(b.portId(), b)));
        return out;
    }

    // --- mapping

    private Subnet subnet(ResultSet rs) throws SQLException {
        String gateway = rs.getString("gateway_text");
        return new Subnet(rs.getObject("id", UUID.class), rs.getObject("network_id", UUID.class), rs.getString("project_id"),
                rs.getString("name"), rs.getString("description"), Cidr.parse(rs.getString("cidr"), "cidr"),
                gateway == null ? null : IpAddress.parse(gateway, "gateway_ip"), rs.getBoolean("enable_dhcp"), List.of(),
                read(rs.getString("dns_nameservers"), new TypeReference<List<String>>() {}),
                read(rs.getString("host_routes"), new TypeReference<List<Subnet.HostRoute>>() {}),
                Columns.instant(rs, "created_at"), Columns.instant(rs, "updated_at"));
    }

    private NetworkPort port(ResultSet rs) throws SQLException {
        return new NetworkPort(rs.getObject("id", UUID.class), rs.getObject("network_id", UUID.class), rs.getString("project_id"),
                rs.getString("name"), rs.getString("description"), rs.getString("mac"), rs.getBoolean("admin_state_up"),
                rs.getString("device_owner"), rs.getString("device_id"), rs.getString("vnic_type"),
                columns.object(rs.getString("binding_profile")), List.of(), Columns.instant(rs, "created_at"), Columns.instant(rs, "updated_at"));
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }
}
