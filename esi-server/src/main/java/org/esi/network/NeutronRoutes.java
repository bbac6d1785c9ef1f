package org.esi.network;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;

/**
 * {@code /network/v2.0}: the Neutron face of the tenant networks (docs/networks.md). Networks are the
 * ones {@code /network/v1} manages, with the same rules; this layer only translates. Ports and trunks
 * are in {@link NeutronPortRoutes}.
 */
public final class NeutronRoutes {
    static final String P = "/network/v2.0";
    private static final Set<String> NETWORK_CREATE = Set.of("name", "description", "admin_state_up", "shared", "router:external",
            "provider:network_type", "provider:physical_network", "provider:segmentation_id", "tenant_id", "project_id", "mtu",
            "port_security_enabled", "availability_zone_hints", "qos_policy_id", "is_default", "tags");
    private static final Set<String> NETWORK_UPDATE = Set.of("name", "description", "admin_state_up", "shared", "router:external", "mtu",
            "port_security_enabled", "qos_policy_id", "is_default");
    private static final Set<String> SUBNET_CREATE = Set.of("name", "description", "network_id", "ip_version", "cidr", "gateway_ip",
            "enable_dhcp", "allocation_pools", "dns_nameservers", "host_routes", "tenant_id", "project_id", "subnetpool_id",
            "ipv6_ra_mode", "ipv6_address_mode", "service_types", "segment_id", "use_default_subnetpool", "tags");
    private static final Set<String> SUBNET_UPDATE = Set.of("name", "description", "enable_dhcp", "dns_nameservers", "host_routes");
    /** What the stock clients list that this service has none of; each answers an empty list, with filters checked. */
    private static final Map<String, Set<String>> EMPTY = Map.of(
            "floatingips", Set.of("id", "description", "fixed_ip_address", "floating_ip_address", "floating_network_id", "port_id",
                    "router_id", "status", "tenant_id", "project_id", "tags", "revision_number"),
            "routers", Set.of("id", "name", "description", "admin_state_up", "status", "tenant_id", "project_id", "tags", "distributed", "ha"),
            "security-groups", Set.of("id", "name", "description", "tenant_id", "project_id", "tags", "shared", "stateful"),
            "security-group-rules", Set.of("id", "description", "direction", "ethertype", "port_range_max", "port_range_min", "protocol",
                    "remote_group_id", "remote_ip_prefix", "security_group_id", "tenant_id", "project_id"));
    private static final Map<String, String> EMPTY_NOT_FOUND = Map.of("floatingips", "FloatingIPNotFound", "routers", "RouterNotFound",
            "security-groups", "SecurityGroupNotFound", "security-group-rules", "SecurityGroupRuleNotFound");

    private final NetworkService networks;
    private final PortService ports;
    private final IdentityService identity;
    private final BaseUrl baseUrl;
    private final NeutronJson json;

    public NeutronRoutes(NetworkService networks, PortService ports, IdentityService identity, BaseUrl baseUrl) {
        this.networks = networks;
        this.ports = ports;
        this.identity = identity;
        this.baseUrl = baseUrl;
        this.json = new NeutronJson(networks, ports);
    }

    public void register(HttpApi api) {
        api.get("/network", Access.anonymous(), this::versions);
        api.get(P, Access.anonymous(), this::resources);
        api.get(P + "/extensions", Access.rule("network:extension:list"), this::extensions);
        api.get(P + "/extensions/{alias}", Access.rule("network:extension:list"), this::extension);
        api.get(P + "/networks", Access.rule("network:network:list"), this::listNetworks);
        api.post(P + "/networks", Access.rule("network:network:create"), this::createNetwork);
        api.get(P + "/networks/{id}", Access.rule("network:network:get"), this::showNetwork);
        api.put(P + "/networks/{id}", Access.rule("network:network:update"), this::updateNetwork);
        api.delete(P + "/networks/{id}", Access.rule("network:network:delete"), this::deleteNetwork);
        api.get(P + "/subnets", Access.rule("network:subnet:list"), this::listSubnets);
        api.post(P + "/subnets", Access.rule("network:subnet:create"), this::createSubnet);
        api.get(P + "/subnets/{id}", Access.rule("network:subnet:get"), this::showSubnet);
        api.put(P + "/subnets/{id}", Access.rule("network:subnet:update"), this::updateSubnet);
        api.delete(P + "/subnets/{id}", Access.rule("network:subnet:delete"), this::deleteSubnet);
        for (String kind : EMPTY.keySet()) {
            api.get(P + "/" + kind, Access.rule("network:unsupported:list"), c -> emptyList(c, kind));
            api.get(P + "/" + kind + "/{id}", Access.rule("network:unsupported:list"), c -> noneOf(c, kind));
        }
        api.get(P + "/floatingips/{id}/port_forwardings", Access.rule("network:unsupported:list"), c -> noneOf(c, "floatingips"));
        new NeutronPortRoutes(this, networks, ports, json, baseUrl).register(api);
    }

    // --- discovery

    private void versions(Call call) {
        String href = baseUrl.of(call.ctx()) + P + "/";
        call.ctx().json(Map.of("versions", List.of(Map.of("id", "v2.0", "status", "CURRENT",
                "links", List.of(Map.of("rel", "self", "href", href))))));
    }

    private void resources(Call call) {
        String base = baseUrl.of(call.ctx()) + P + "/";
        List<Map<String, Object>> out = new ArrayList<>();
        for (String[] r : new String[][] {{"network", "networks"}, {"subnet", "subnets"}, {"port", "ports"}, {"trunk", "trunks"}}) {
            out.add(Map.of("name", r[0], "collection", r[1], "links", List.of(Map.of("rel", "self", "href", base + r[1]))));
        }
        call.ctx().json(Map.of("resources", out));
    }

    /** The Neutron extensions whose attributes and calls this service really implements. */
    private static final List<String[]> EXTENSIONS = List.of(
            new String[] {"provider", "Provider Network", "Expose mapping of virtual networks to physical networks"},
            new String[] {"external-net", "Neutron external network", "Adds external network attribute to network resource."},
            new String[] {"binding", "Port Binding", "Expose port bindings of a virtual port to external application"},
            new String[] {"trunk", "Trunk Extension", "Provides support for trunk ports"},
            new String[] {"trunk-details", "Trunk port details", "Expose trunk port details"},
            new String[] {"project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."},
            new String[] {"standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"});

    private void extensions(Call call) {
        NeutronQuery.of(call.ctx(), Set.of("alias", "name"));
        call.authorize(Map.of());
        call.ctx().json(Map.of("extensions", EXTENSIONS.stream().map(NeutronRoutes::extensionJson).toList()));
    }

    private void extension(Call call) {
        call.authorize(Map.of());
        String alias = call.pathParam("alias");
        String[] e = EXTENSIONS.stream().filter(x -> x[0].equals(alias)).findFirst()
                .orElseThrow(() -> NeutronErrors.notFound("HTTPNotFound", "Extension with alias " + Jsons.clip(alias) + " does not exist"));
        call.ctx().json(Map.of("extension", extensionJson(e)));
    }

    private static Map<String, Object> extensionJson(String[] e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alias", e[0]);
        m.put("name", e[1]);
        m.put("description", e[2]);
        m.put("updated", "2013-01-01T10:00:00-00:00");
        m.put("links", List.of());
        return m;
    }

    private void emptyList(Call call, String kind) {
        NeutronQuery.of(call.ctx(), EMPTY.get(kind));
        call.authorize(Map.of());
        call.ctx().json(Map.of(kind.replace("-", "_"), List.of()));
    }

    private void noneOf(Call call, String kind) {
        call.authorize(Map.of());
        throw NeutronErrors.notFound(EMPTY_NOT_FOUND.get(kind), "Resource " + Jsons.clip(call.pathParam("id")) + " of type " + kind
                + " could not be found: this service has none.");
    }

    // --- networks

    private void listNetworks(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), NeutronJson.NETWORK_ATTRIBUTES);
        call.authorize(Map.of());
        call.ctx().json(q.answer("networks", json.networks(visibleNetworks(call)), call.ctx(), baseUrl.of(call.ctx())));
    }

    List<Network> visibleNetworks(Call call) {
        return networks.store().networks(call.caller().isAdmin() ? Optional.empty() : Optional.of(call.caller().projectId()));
    }

    private void createNetwork(Call call) {
        call.authorize(Map.of());
        NeutronBody b = NeutronBody.of(call, "network", NETWORK_CREATE);
        onlyUnusedNetworkAttributes(b);
        b.onlyUnused("tags", NeutronBody::isEmptyList, "tags are not supported");
        b.onlyUnused("availability_zone_hints", NeutronBody::isEmptyList, "availability zones are not supported");
        String type = b.string("provider:network_type", 32, "vlan");
        if (!type.equals("vlan")) {
            throw NeutronErrors.badRequest("Invalid input for operation: network_type value '" + Jsons.clip(type)
                    + "' not supported; this service has vlan networks only.");
        }
        String physnet = b.string("provider:physical_network", 64, null);
        Integer vlan = b.integer("provider:segmentation_id");
        if (vlan != null && (vlan < 1 || vlan > 4094)) {
            throw NeutronErrors.badRequest("Invalid input for operation: segmentation_id " + vlan + " out of range (1 through 4094).");
        }
        if (physnet != null && physnet.isBlank()) {
            throw NeutronErrors.badRequest("Invalid input for operation: provider:physical_network must not be empty.");
        }
        String project = projectOf(b, call);
        boolean external = b.bool("router:external", false);
        boolean provider = vlan != null || physnet != null || external || !project.equals(call.caller().projectId());
        if (provider && !call.allowed("network:network:create_provider", Map.of())) {
            throw ApiException.forbidden("(rule:create_network:provider) is disallowed by policy: only the admin may choose the VLAN, "
                    + "the physical network, router:external or another project");
        }
        Network n = networks.createNetwork(b.string("name", NeutronBody.NAME_MAX, ""), project, b.bool("shared", false), physnet, vlan,
                external, b.string("description", NeutronBody.NAME_MAX, ""));
        call.ctx().status(201).json(Map.of("network", json.networks(List.of(n)).get(0)));
    }

    private static void onlyUnusedNetworkAttributes(NeutronBody b) {
        b.onlyUnused("admin_state_up", NeutronBody::isTrue, "networks are always up here");
        b.onlyUnused("mtu", n -> n.isInt() && n.intValue() == NeutronJson.MTU, "the MTU is " + NeutronJson.MTU);
        b.onlyUnused("port_security_enabled", NeutronBody::isFalse, "port security is not supported");
        b.onlyUnused("qos_policy_id", NeutronBody::isNull, "QoS is not supported");
        b.onlyUnused("is_default", NeutronBody::isFalse, "default external networks are not supported");
    }

    /** {@code tenant_id} or {@code project_id} (by id or name), the caller's own when absent. */
    String projectOf(NeutronBody b, Call call) {
        String a = b.string("project_id", 255, null);
        String t = b.string("tenant_id", 255, null);
        if (a != null && t != null && !a.equals(t)) {
            throw NeutronErrors.badRequest("project_id and tenant_id do not match");
        }
        String wanted = a != null ? a : t;
        if (wanted == null) {
            return call.caller().projectId();
        }
        return identity.findProject(wanted).map(Project::id)
                .orElseThrow(() -> NeutronErrors.badRequest("Project " + Jsons.clip(wanted) + " could not be found."));
    }

    private void showNetwork(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), Set.of());
        Network n = visibleNetwork(call, call.pathParam("id"));
        call.authorize(NetworkAccess.target(networks.store(), n, call.caller()));
        call.ctx().json(Map.of("network", q.select(json.networks(List.of(n)).get(0))));
    }

    private void updateNetwork(Call call) {
        Network n = visibleNetwork(call, call.pathParam("id"));
        call.authorize(NetworkAccess.target(networks.store(), n, call.caller()));
        NeutronBody b = NeutronBody.of(call, "network", NETWORK_UPDATE);
        onlyUnusedNetworkAttributes(b);
        boolean external = b.bool("router:external", n.external());
        if (external != n.external() && !call.allowed("network:network:create_provider", Map.of())) {
            throw ApiException.forbidden("(rule:update_network:router:external) is disallowed by policy");
        }
        Network updated = new Network(n.id(), b.string("name", NeutronBody.NAME_MAX, n.name()), n.projectId(), b.bool("shared", n.shared()),
                n.physicalNetwork(), n.vlanId(), n.provider(), n.createdAt(), external, b.string("description", NeutronBody.NAME_MAX, n.description()));
        networks.store().updateNetwork(updated);
        call.ctx().json(Map.of("network", json.networks(List.of(networks.store().network(n.id()).orElseThrow())).get(0)));
    }

    private void deleteNetwork(Call call) {
        Network n = visibleNetwork(call, call.pathParam("id"));
        call.authorize(NetworkAccess.target(networks.store(), n, call.caller()));
        networks.deleteNetwork(n);
        call.ctx().status(204);
    }

    /** The network with this id if the caller may see it; 404 otherwise (Neutron paths name networks by id only). */
    Network visibleNetwork(Call call, String id) {
        Optional<Network> n = Ids.looksLikeUuid(id) ? networks.store().network(Ids.parseUuid(id, "network")) : Optional.empty();
        return n.filter(x -> call.allowed("network:network:get", NetworkAccess.target(networks.store(), x, call.caller())))
                .orElseThrow(() -> NeutronErrors.notFound("NetworkNotFound", "Network " + Jsons.clip(id) + " could not be found."));
    }

    // --- subnets

    private void listSubnets(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), NeutronJson.SUBNET_ATTRIBUTES);
        call.authorize(Map.of());
        List<UUID> visible = visibleNetworks(call).stream().map(Network::id).toList();
        List<Map<String, Object>> all = ports.store().subnetsOf(visible).stream().map(NeutronJson::subnet).toList();
        call.ctx().json(q.answer("subnets", all, call.ctx(), baseUrl.of(call.ctx())));
    }

    private void createSubnet(Call call) {
        NeutronBody b = NeutronBody.of(call, "subnet", SUBNET_CREATE);
        String networkId = b.string("network_id", 64, null);
        if (networkId == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: network_id is required.");
        }
        Network n = visibleNetwork(call, networkId);
        call.authorize(NetworkAccess.target(networks.store(), n, call.caller()));
        b.onlyUnused("subnetpool_id", NeutronBody::isNull, "subnet pools are not supported; give a cidr");
        b.onlyUnused("use_default_subnetpool", NeutronBody::isFalse, "subnet pools are not supported; give a cidr");
        b.onlyUnused("ipv6_ra_mode", NeutronBody::isNull, "IPv6 router advertisements are not supported");
        b.onlyUnused("ipv6_address_mode", NeutronBody::isNull, "SLAAC and DHCPv6 are not supported; addresses are static");
        b.onlyUnused("service_types", NeutronBody::isEmptyList, "service types are not supported");
        b.onlyUnused("segment_id", NeutronBody::isNull, "routed networks are not supported");
        b.onlyUnused("tags", NeutronBody::isEmptyList, "tags are not supported");
        Integer version = b.integer("ip_version");
        if (version == null || (version != 4 && version != 6)) {
            throw NeutronErrors.badRequest("Invalid input for ip_version. Reason: it is required and must be 4 or 6.");
        }
        String cidrText = b.string("cidr", 64, null);
        if (cidrText == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: cidr is required (subnet pools are not supported).");
        }
        Cidr cidr = Cidr.parse(cidrText, "cidr");
        Optional<IpAddress> gateway = Optional.empty();
        if (b.has("gateway_ip")) {
            String g = b.string("gateway_ip", 64, null);
            gateway = g == null ? null : Optional.of(IpAddress.parse(g, "gateway_ip"));
        }
        List<Subnet.Pool> pools = b.objects("allocation_pools", p -> {
            NeutronBody pool = NeutronBody.unwrapped(p, Set.of("start", "end"), "an allocation pool");
            return new Subnet.Pool(IpAddress.parse(pool.string("start", 64, null), "allocation_pools.start"),
                    IpAddress.parse(pool.string("end", 64, null), "allocation_pools.end"));
        });
        if (pools != null && pools.size() > 64) {
            throw NeutronErrors.badRequest("Invalid input for allocation_pools. Reason: at most 64 pools.");
        }
        String project = projectOf(b, call);
        if (!project.equals(call.caller().projectId()) && !call.allowed("network:network:create_provider", Map.of())) {
            throw ApiException.forbidden("(rule:create_subnet:tenant_id) is disallowed by policy");
        }
        Subnet s = ports.createSubnet(new PortService.SubnetRequest(n, project, b.string("name", NeutronBody.NAME_MAX, ""),
                b.string("description", NeutronBody.NAME_MAX, ""), version, cidr, gateway, b.bool("enable_dhcp", true), pools,
                dns(b, List.of()), routes(b, List.of())));
        call.ctx().status(201).json(Map.of("subnet", NeutronJson.subnet(s)));
    }

    private static List<String> dns(NeutronBody b, List<String> otherwise) {
        List<String> dns = b.strings("dns_nameservers", 5);
        if (dns == null) {
            return otherwise;
        }
        return dns.stream().map(d -> IpAddress.parse(d, "dns_nameservers").toString()).toList();
    }

    private static List<Subnet.HostRoute> routes(NeutronBody b, List<Subnet.HostRoute> otherwise) {
        List<Subnet.HostRoute> routes = b.objects("host_routes", r -> {
            NeutronBody route = NeutronBody.unwrapped(r, Set.of("destination", "nexthop"), "a host route");
            return new Subnet.HostRoute(Cidr.parse(route.string("destination", 64, null), "host_routes.destination").toString(),
                    IpAddress.parse(route.string("nexthop", 64, null), "host_routes.nexthop").toString());
        });
        if (routes != null && routes.size() > 20) {
            throw NeutronErrors.badRequest("Invalid input for host_routes. Reason: at most 20 routes.");
        }
        return routes == null ? otherwise : routes;
    }

    private void showSubnet(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), Set.of());
        Subnet s = visibleSubnet(call);
        call.authorize(NetworkAccess.target(networks.store(), networks.store().network(s.networkId()).orElseThrow(), call.caller()));
        call.ctx().json(Map.of("subnet", q.select(NeutronJson.subnet(s))));
    }

    private void updateSubnet(Call call) {
        Subnet s = visibleSubnet(call);
        call.authorize(Map.of("subnet.project_id", s.projectId()));
        NeutronBody b = NeutronBody.of(call, "subnet", SUBNET_UPDATE);
        Subnet updated = new Subnet(s.id(), s.networkId(), s.projectId(), b.string("name", NeutronBody.NAME_MAX, s.name()),
                b.string("description", NeutronBody.NAME_MAX, s.description()), s.cidr(), s.gatewayIp(), b.bool("enable_dhcp", s.enableDhcp()),
                s.pools(), dns(b, s.dnsNameservers()), routes(b, s.hostRoutes()), s.createdAt(), networks.now());
        ports.store().updateSubnet(updated);
        call.ctx().json(Map.of("subnet", NeutronJson.subnet(ports.findSubnet(s.id()))));
    }

    private void deleteSubnet(Call call) {
        Subnet s = visibleSubnet(call);
        call.authorize(Map.of("subnet.project_id", s.projectId()));
        ports.deleteSubnet(s);
        call.ctx().status(204);
    }

    private Subnet visibleSubnet(Call call) {
        String id = call.pathParam("id");
        Optional<Subnet> s = Ids.looksLikeUuid(id) ? ports.store().subnet(Ids.parseUuid(id, "subnet")) : Optional.empty();
        return s.filter(x -> networks.store().network(x.networkId())
                        .map(n -> call.allowed("network:network:get", NetworkAccess.target(networks.store(), n, call.caller()))).orElse(false))
                .orElseThrow(() -> NeutronErrors.notFound("SubnetNotFound", "Subnet " + Jsons.clip(id) + " could not be found."));
    }
}
