package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Networks, subnets, ports and trunks in Neutron's shape. Attributes this service has no notion of get
 * the value that means "not in use" in Neutron (no security groups, no QoS, no address scopes), so
 * clients that read them find nothing to act on. Each method renders a whole list with a fixed number
 * of queries.
 */
final class NeutronJson {
    /** What the networks carry: tenant VLANs with no overlay, so the Ethernet default. */
    static final int MTU = 1500;

    static final Set<String> NETWORK_ATTRIBUTES = Set.of("id", "name", "tenant_id", "project_id", "description", "status", "admin_state_up",
            "shared", "router:external", "provider:network_type", "provider:physical_network", "provider:segmentation_id", "subnets",
            "mtu", "availability_zone_hints", "availability_zones", "port_security_enabled", "is_default", "l2_adjacency",
            "ipv4_address_scope", "ipv6_address_scope", "qos_policy_id", "tags", "revision_number", "created_at", "updated_at");
    static final Set<String> SUBNET_ATTRIBUTES = Set.of("id", "name", "network_id", "tenant_id", "project_id", "description", "ip_version",
            "cidr", "gateway_ip", "enable_dhcp", "allocation_pools", "dns_nameservers", "host_routes", "ipv6_ra_mode", "ipv6_address_mode",
            "subnetpool_id", "service_types", "segment_id", "tags", "revision_number", "created_at", "updated_at");
    static final Set<String> PORT_ATTRIBUTES = Set.of("id", "name", "network_id", "tenant_id", "project_id", "description", "mac_address",
            "admin_state_up", "status", "device_owner", "device_id", "fixed_ips", "binding:host_id", "binding:vnic_type", "binding:profile",
            "binding:vif_type", "binding:vif_details", "port_security_enabled", "security_groups", "allowed_address_pairs",
            "extra_dhcp_opts", "trunk_details", "tags", "revision_number", "created_at", "updated_at");
    static final Set<String> TRUNK_ATTRIBUTES = Set.of("id", "name", "tenant_id", "project_id", "description", "port_id", "status",
            "admin_state_up", "sub_ports", "tags", "revision_number", "created_at", "updated_at");

    private final NetworkService networks;
    private final PortService ports;

    NeutronJson(NetworkService networks, PortService ports) {
        this.networks = networks;
        this.ports = ports;
    }

    List<Map<String, Object>> networks(List<Network> list) {
        Map<UUID, List<String>> subnets = new LinkedHashMap<>();
        ports.store().subnetsOf(list.stream().map(Network::id).toList())
                .forEach(s -> subnets.computeIfAbsent(s.networkId(), k -> new ArrayList<>()).add(s.id().toString()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Network n : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", n.id().toString());
            m.put("name", n.name());
            owner(m, n.projectId());
            m.put("description", n.description());
            m.put("status", "ACTIVE");
            m.put("admin_state_up", true);
            m.put("shared", n.shared());
            m.put("router:external", n.external());
            m.put("provider:network_type", "vlan");
            m.put("provider:physical_network", n.physicalNetwork());
            m.put("provider:segmentation_id", n.vlanId());
            m.put("subnets", subnets.getOrDefault(n.id(), List.of()));
            m.put("mtu", MTU);
            m.put("availability_zone_hints", List.of());
            m.put("availability_zones", List.of());
            m.put("port_security_enabled", false);
            m.put("is_default", false);
            m.put("l2_adjacency", true);
            m.put("ipv4_address_scope", null);
            m.put("ipv6_address_scope", null);
            m.put("qos_policy_id", null);
            common(m, n.createdAt(), null);
            out.add(m);
        }
        return out;
    }

    static Map<String, Object> subnet(Subnet s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id().toString());
        m.put("name", s.name());
        m.put("network_id", s.networkId().toString());
        owner(m, s.projectId());
        m.put("description", s.description());
        m.put("ip_version", s.cidr().version());
        m.put("cidr", s.cidr().toString());
        m.put("gateway_ip", s.gatewayIp() == null ? null : s.gatewayIp().toString());
        m.put("enable_dhcp", s.enableDhcp());
        m.put("allocation_pools", s.pools().stream().map(p -> Map.of("start", p.start().toString(), "end", p.end().toString())).toList());
        m.put("dns_nameservers", s.dnsNameservers());
        m.put("host_routes", s.hostRoutes().stream().map(r -> Map.of("destination", r.destination(), "nexthop", r.nexthop())).toList());
        m.put("ipv6_ra_mode", null);
        m.put("ipv6_address_mode", null);
        m.put("subnetpool_id", null);
        m.put("service_types", List.of());
        m.put("segment_id", null);
        common(m, s.createdAt(), s.updatedAt());
        return m;
    }

    List<Map<String, Object>> ports(List<NetworkPort> list) {
        Map<UUID, PortBinding> bindings = ports.bindings(list);
        Map<UUID, Trunk> trunks = networks.store().trunksByParent(list.stream().map(NetworkPort::id).toList());
        Set<UUID> subPortIds = new HashSet<>();
        trunks.values().forEach(t -> t.tagged().stream().map(Trunk.Tagged::portId).filter(java.util.Objects::nonNull).forEach(subPortIds::add));
        Map<UUID, NetworkPort> subPorts = new LinkedHashMap<>();
        ports.store().portsByIds(subPortIds).forEach(p -> subPorts.put(p.id(), p));
        Map<UUID, PortBinding> subBindings = ports.store().bindings(subPortIds);
        List<Map<String, Object>> out = new ArrayList<>();
        for (NetworkPort p : list) {
            PortBinding b = bindings.get(p.id());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.id().toString());
            m.put("name", p.name());
            m.put("network_id", p.networkId().toString());
            owner(m, p.projectId());
            m.put("description", p.description());
            m.put("mac_address", mac(p, b));
            m.put("admin_state_up", p.adminStateUp());
            m.put("status", b == null ? "DOWN" : b.neutronStatus());
            m.put("device_owner", p.deviceOwner());
            m.put("device_id", p.deviceId());
            m.put("fixed_ips", p.fixedIps().stream().map(ip -> Map.of("subnet_id", ip.subnetId().toString(), "ip_address", ip.ipAddress())).toList());
            m.put("binding:host_id", b == null ? "" : b.nodeUuid().toString());
            m.put("binding:vnic_type", p.vnicType());
            ObjectNode profile = p.bindingProfile().deepCopy();
            if (b != null) {
                // What Ironic hands Neutron when it binds a bare-metal port: where the NIC is cabled.
                profile.putArray("local_link_information").add(b.localLinkConnection().deepCopy());
            }
            m.put("binding:profile", profile);
            m.put("binding:vif_type", b == null ? "unbound" : "other");
            m.put("binding:vif_details", Map.of());
            m.put("port_security_enabled", false);
            m.put("security_groups", List.of());
            m.put("allowed_address_pairs", List.of());
            m.put("extra_dhcp_opts", List.of());
            Trunk t = trunks.get(p.id());
            if (t != null) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("trunk_id", t.id().toString());
                details.put("sub_ports", subPorts(t, subPorts, subBindings));
                m.put("trunk_details", details);
            }
            common(m, p.createdAt(), p.updatedAt());
            out.add(m);
        }
        return out;
    }

    /** While bound, the port has the MAC of the NIC it is bound to, as Ironic sets it; otherwise its own. */
    private static String mac(NetworkPort p, PortBinding b) {
        return b == null || b.baremetalMac() == null ? p.macAddress() : b.baremetalMac();
    }

    private List<Map<String, Object>> subPorts(Trunk t, Map<UUID, NetworkPort> subPorts, Map<UUID, PortBinding> bindings) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Trunk.Tagged tagged : t.tagged()) {
            if (tagged.portId() == null) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("port_id", tagged.portId().toString());
            m.put("segmentation_type", "vlan");
            m.put("segmentation_id", networks.store().network(tagged.networkId()).map(Network::vlanId).orElse(null));
            NetworkPort sp = subPorts.get(tagged.portId());
            if (sp != null) {
                m.put("mac_address", mac(sp, bindings.get(sp.id())));
            }
            out.add(m);
        }
        return out;
    }

    List<Map<String, Object>> trunks(List<Trunk> list) {
        Map<UUID, PortBinding> parents = ports.store().bindings(list.stream().map(Trunk::portId).filter(java.util.Objects::nonNull).toList());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Trunk t : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", t.id().toString());
            m.put("name", t.name());
            owner(m, t.projectId());
            m.put("description", t.description());
            m.put("port_id", t.portId() == null ? null : t.portId().toString());
            PortBinding b = t.portId() == null ? null : parents.get(t.portId());
            m.put("status", b == null ? "DOWN" : b.neutronStatus());
            m.put("admin_state_up", true);
            List<Map<String, Object>> subs = new ArrayList<>();
            for (Map<String, Object> s : subPorts(t, Map.of(), Map.of())) {
                s.remove("mac_address");
                subs.add(s);
            }
            m.put("sub_ports", subs);
            common(m, t.createdAt(), null);
            out.add(m);
        }
        return out;
    }

    private static void owner(Map<String, Object> m, String project) {
        m.put("tenant_id", project);
        m.put("project_id", project);
    }

    private static void common(Map<String, Object> m, Instant created, Instant updated) {
        m.put("tags", List.of());
        m.put("revision_number", 0);
        m.put("created_at", stamp(created));
        m.put("updated_at", stamp(updated != null ? updated : created));
    }

    /** Neutron's timestamps: UTC to the second, {@code 2016-03-08T20:19:41Z}. */
    static String stamp(Instant i) {
        return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
