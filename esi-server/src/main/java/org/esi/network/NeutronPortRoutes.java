package org.esi.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;

/** {@code /network/v2.0/ports} and {@code /trunks}: network ports with fixed IPs, and trunks of them. */
final class NeutronPortRoutes {
    private static final String P = NeutronRoutes.P;
    private static final Set<String> PORT_UPDATE = Set.of("name", "description", "admin_state_up", "mac_address", "fixed_ips",
            "device_owner", "device_id", "binding:host_id", "binding:vnic_type", "binding:profile", "security_groups",
            "port_security_enabled", "allowed_address_pairs", "extra_dhcp_opts", "qos_policy_id", "dns_name", "propagate_uplink_status");
    private static final Set<String> PORT_CREATE = union(PORT_UPDATE, Set.of("network_id", "tenant_id", "project_id", "tags"));
    private static final Set<String> TRUNK_UPDATE = Set.of("name", "description", "admin_state_up");
    private static final Set<String> TRUNK_CREATE = union(TRUNK_UPDATE, Set.of("port_id", "sub_ports", "tenant_id", "project_id", "tags"));
    private static final Set<String> VNIC_TYPES = Set.of("normal", "baremetal", "direct", "direct-physical", "macvtap", "virtio-forwarder",
            "smart-nic", "remote-managed", "vdpa", "accelerator-direct", "accelerator-direct-physical");
    private static final Pattern MAC = Pattern.compile("^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$");

    private final NetworkService networks;
    private final PortService ports;
    private final NeutronJson json;
    private final BaseUrl baseUrl;
    private final NeutronRoutes parent;

    NeutronPortRoutes(NeutronRoutes parent, NetworkService networks, PortService ports, NeutronJson json, BaseUrl baseUrl) {
        this.parent = parent;
        this.networks = networks;
        this.ports = ports;
        this.json = json;
        this.baseUrl = baseUrl;
    }

    void register(HttpApi api) {
        api.get(P + "/ports", Access.rule("network:port:list"), this::listPorts);
        api.post(P + "/ports", Access.rule("network:port:create"), this::createPort);
        api.get(P + "/ports/{id}", Access.rule("network:port:get"), this::showPort);
        api.put(P + "/ports/{id}", Access.rule("network:port:update"), this::updatePort);
        api.delete(P + "/ports/{id}", Access.rule("network:port:delete"), this::deletePort);
        api.get(P + "/trunks", Access.rule("network:trunk:list"), this::listTrunks);
        api.post(P + "/trunks", Access.rule("network:trunk:create"), this::createTrunk);
        api.get(P + "/trunks/{id}", Access.rule("network:trunk:get"), this::showTrunk);
        api.put(P + "/trunks/{id}", Access.rule("network:trunk:update"), this::updateTrunk);
        api.delete(P + "/trunks/{id}", Access.rule("network:trunk:delete"), this::deleteTrunk);
        api.put(P + "/trunks/{id}/add_subports", Access.rule("network:trunk:update"), this::addSubports);
        api.put(P + "/trunks/{id}/remove_subports", Access.rule("network:trunk:update"), this::removeSubports);
        api.get(P + "/trunks/{id}/get_subports", Access.rule("network:trunk:get"), this::getSubports);
    }

    // --- ports

    private void listPorts(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), NeutronJson.PORT_ATTRIBUTES);
        call.authorize(Map.of());
        List<NetworkPort> visible = ports.store().ports(call.caller().isAdmin() ? Optional.empty() : Optional.of(call.caller().projectId()));
        call.ctx().json(q.answer("ports", json.ports(visible), call.ctx(), baseUrl.of(call.ctx())));
    }

    private void createPort(Call call) {
        call.authorize(Map.of());
        NeutronBody b = NeutronBody.of(call, "port", PORT_CREATE);
        b.onlyUnused("tags", NeutronBody::isEmptyList, "tags are not supported");
        String networkId = b.string("network_id", 64, null);
        if (networkId == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: network_id is required.");
        }
        Network n = parent.visibleNetwork(call, networkId);
        String project = parent.projectOf(b, call);
        if (!project.equals(call.caller().projectId()) && !call.allowed("network:port:create_for_project", Map.of())) {
            throw ApiException.forbidden("(rule:create_port:tenant_id) is disallowed by policy");
        }
        onlyUnusedPortAttributes(b);
        ObjectNode profile = profile(b, call.json().createObjectNode());
        NetworkPort p = ports.createPort(new PortService.PortRequest(n, project, b.string("name", NeutronBody.NAME_MAX, ""),
                b.string("description", NeutronBody.NAME_MAX, ""), mac(b, null), b.bool("admin_state_up", true),
                b.string("device_owner", NeutronBody.NAME_MAX, ""), b.string("device_id", NeutronBody.NAME_MAX, ""),
                vnicType(b, "normal"), profile, fixedIps(b)));
        call.ctx().status(201).json(Map.of("port", json.ports(List.of(p)).get(0)));
    }

    private static void onlyUnusedPortAttributes(NeutronBody b) {
        b.onlyUnused("binding:host_id", n -> n.isTextual() && n.textValue().isEmpty() || n.isNull(),
                "the port is bound by attaching it to a node (openstack baremetal node vif attach), not by naming a host");
        b.onlyUnused("security_groups", NeutronBody::isEmptyList, "security groups are not supported");
        b.onlyUnused("port_security_enabled", NeutronBody::isFalse, "port security is not supported");
        b.onlyUnused("allowed_address_pairs", NeutronBody::isEmptyList, "allowed address pairs are not supported");
        b.onlyUnused("extra_dhcp_opts", NeutronBody::isEmptyList, "DHCP options are not supported");
        b.onlyUnused("qos_policy_id", NeutronBody::isNull, "QoS is not supported");
        b.onlyUnused("dns_name", n -> n.isTextual() && n.textValue().isEmpty(), "DNS integration is not supported");
        b.onlyUnused("propagate_uplink_status", NeutronBody::isFalse, "uplink status propagation is not supported");
    }

    private static String mac(NeutronBody b, String otherwise) {
        String m = b.string("mac_address", 64, null);
        if (m == null) {
            return otherwise;
        }
        if (!MAC.matcher(m).matches()) {
            throw NeutronErrors.badRequest("Invalid input for mac_address. Reason: '" + Jsons.clip(m) + "' is not a valid MAC address.");
        }
        return m.toLowerCase().replace('-', ':');
    }

    private static String vnicType(NeutronBody b, String otherwise) {
        String v = b.string("binding:vnic_type", 64, otherwise);
        if (!VNIC_TYPES.contains(v)) {
            throw NeutronErrors.badRequest("Invalid input for binding:vnic_type. Reason: '" + Jsons.clip(v) + "' is not in "
                    + VNIC_TYPES.stream().sorted().toList() + ".");
        }
        return v;
    }

    private static ObjectNode profile(NeutronBody b, ObjectNode otherwise) {
        JsonNode p = b.get("binding:profile");
        if (p == null || p.isNull()) {
            return otherwise;
        }
        if (!p.isObject()) {
            throw NeutronErrors.badRequest("Invalid input for binding:profile. Reason: it must be an object.");
        }
        if (p.has("local_link_information")) {
            throw NeutronErrors.badRequest("Invalid input for binding:profile: local_link_information is filled in by the VIF attach, "
                    + "from the node port's local_link_connection");
        }
        return (ObjectNode) p;
    }

    private static List<PortService.IpRequest> fixedIps(NeutronBody b) {
        return b.objects("fixed_ips", o -> {
            NeutronBody ip = NeutronBody.unwrapped(o, Set.of("subnet_id", "ip_address"), "a fixed IP");
            String subnet = ip.string("subnet_id", 64, null);
            String address = ip.string("ip_address", 64, null);
            if (subnet == null && address == null) {
                throw NeutronErrors.badRequest("Invalid input for fixed_ips. Reason: each entry needs subnet_id or ip_address.");
            }
            return new PortService.IpRequest(subnet == null ? null : Ids.parseUuid(subnet, "fixed_ips.subnet_id"),
                    address == null ? null : IpAddress.parse(address, "fixed_ips.ip_address"));
        });
    }

    private void showPort(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), Set.of());
        NetworkPort p = visiblePort(call, call.pathParam("id"));
        call.authorize(target(p));
        call.ctx().json(Map.of("port", q.select(json.ports(List.of(p)).get(0))));
    }

    private void updatePort(Call call) {
        NetworkPort p = visiblePort(call, call.pathParam("id"));
        call.authorize(target(p));
        NeutronBody b = NeutronBody.of(call, "port", PORT_UPDATE);
        onlyUnusedPortAttributes(b);
        NetworkPort updated = new NetworkPort(p.id(), p.networkId(), p.projectId(), b.string("name", NeutronBody.NAME_MAX, p.name()),
                b.string("description", NeutronBody.NAME_MAX, p.description()), mac(b, p.macAddress()), b.bool("admin_state_up", p.adminStateUp()),
                b.string("device_owner", NeutronBody.NAME_MAX, p.deviceOwner()), b.string("device_id", NeutronBody.NAME_MAX, p.deviceId()),
                vnicType(b, p.vnicType()), profile(b, p.bindingProfile()), p.fixedIps(), p.createdAt(), networks.now());
        List<PortService.IpRequest> ips = fixedIps(b);
        call.ctx().json(Map.of("port", json.ports(List.of(ports.updatePort(updated, ips))).get(0)));
    }

    private void deletePort(Call call) {
        NetworkPort p = visiblePort(call, call.pathParam("id"));
        call.authorize(target(p));
        ports.deletePort(p);
        call.ctx().status(204);
    }

    /** The port with this id if the caller may see it; 404 (PortNotFound) otherwise. */
    NetworkPort visiblePort(Call call, String id) {
        Optional<NetworkPort> p = Ids.looksLikeUuid(id) ? ports.store().port(Ids.parseUuid(id, "port")) : Optional.empty();
        return p.filter(x -> call.allowed("network:port:get", target(x)))
                .orElseThrow(() -> NeutronErrors.notFound("PortNotFound", "Port " + Jsons.clip(id) + " could not be found."));
    }

    static Map<String, Object> target(NetworkPort p) {
        return Map.of("port.project_id", p.projectId());
    }

    // --- trunks

    private void listTrunks(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), NeutronJson.TRUNK_ATTRIBUTES);
        call.authorize(Map.of());
        List<Trunk> visible = networks.store().trunks(call.caller().isAdmin() ? Optional.empty() : Optional.of(call.caller().projectId()));
        call.ctx().json(q.answer("trunks", json.trunks(visible), call.ctx(), baseUrl.of(call.ctx())));
    }

    private void createTrunk(Call call) {
        call.authorize(Map.of());
        NeutronBody b = NeutronBody.of(call, "trunk", TRUNK_CREATE);
        b.onlyUnused("admin_state_up", NeutronBody::isTrue, "trunks are always up here");
        b.onlyUnused("tags", NeutronBody::isEmptyList, "tags are not supported");
        String portId = b.string("port_id", 64, null);
        if (portId == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: port_id is required.");
        }
        NetworkPort parentPort = visiblePort(call, portId);
        String project = parent.projectOf(b, call);
        if (!project.equals(parentPort.projectId())) {
            throw NeutronErrors.badRequest("A trunk belongs to the project of its parent port (" + parentPort.projectId() + ")");
        }
        List<PortService.SubPort> subs = subPorts(call, b);
        Trunk t = ports.createTrunk(b.string("name", NeutronBody.NAME_MAX, ""), project, b.string("description", NeutronBody.NAME_MAX, ""),
                parentPort, subs == null ? List.of() : subs);
        call.ctx().status(201).json(Map.of("trunk", json.trunks(List.of(t)).get(0)));
    }

    private List<PortService.SubPort> subPorts(Call call, NeutronBody b) {
        return b.objects("sub_ports", o -> {
            NeutronBody s = NeutronBody.unwrapped(o, Set.of("port_id", "segmentation_type", "segmentation_id"), "a sub-port");
            NetworkPort port = visiblePort(call, requireString(s, "port_id"));
            String type = s.string("segmentation_type", 32, null);
            Integer id = s.integer("segmentation_id");
            if ("inherit".equals(type)) {
                if (id != null) {
                    throw NeutronErrors.badRequest("Invalid input for operation: segmentation_id must not be given with segmentation_type inherit.");
                }
            } else if (!"vlan".equals(type)) {
                throw NeutronErrors.badRequest("Invalid input for operation: segmentation_type must be vlan (or inherit), not '" + Jsons.clip(type) + "'.");
            } else if (id == null || id < 1 || id > 4094) {
                throw NeutronErrors.badRequest("Invalid input for operation: segmentation_id must be a VLAN between 1 and 4094.");
            }
            return new PortService.SubPort(port, id);
        });
    }

    private static String requireString(NeutronBody b, String field) {
        String v = b.string(field, 64, null);
        if (v == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: " + field + " is required.");
        }
        return v;
    }

    private void showTrunk(Call call) {
        NeutronQuery q = NeutronQuery.of(call.ctx(), Set.of());
        Trunk t = visibleTrunk(call);
        call.authorize(trunkTarget(t));
        call.ctx().json(Map.of("trunk", q.select(json.trunks(List.of(t)).get(0))));
    }

    private void updateTrunk(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(trunkTarget(t));
        NeutronBody b = NeutronBody.of(call, "trunk", TRUNK_UPDATE);
        b.onlyUnused("admin_state_up", NeutronBody::isTrue, "trunks are always up here");
        networks.store().updateTrunk(t.id(), b.string("name", NeutronBody.NAME_MAX, t.name()), b.string("description", NeutronBody.NAME_MAX,
                t.description()));
        call.ctx().json(Map.of("trunk", json.trunks(List.of(networks.store().trunk(t.id()).orElseThrow())).get(0)));
    }

    private void deleteTrunk(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(trunkTarget(t));
        if (!networks.store().attachmentsOfTrunk(t.id()).isEmpty()) {
            throw NeutronErrors.conflict("TrunkInUse", "Trunk " + t.id() + " is currently in use: its parent port is attached to a node.");
        }
        networks.deleteTrunk(t);
        call.ctx().status(204);
    }

    /** Neutron answers these with the trunk itself, not wrapped. */
    private void addSubports(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(trunkTarget(t));
        NeutronBody b = NeutronBody.unwrapped(call.bodyObject(), Set.of("sub_ports"), "an add_subports request");
        List<PortService.SubPort> subs = subPorts(call, b);
        if (subs == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: sub_ports is required.");
        }
        call.ctx().json(json.trunks(List.of(ports.addSubports(t, subs))).get(0));
    }

    private void removeSubports(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(trunkTarget(t));
        NeutronBody b = NeutronBody.unwrapped(call.bodyObject(), Set.of("sub_ports"), "a remove_subports request");
        List<UUID> gone = b.objects("sub_ports", o -> Ids.parseUuid(requireString(
                NeutronBody.unwrapped(o, Set.of("port_id", "segmentation_type", "segmentation_id"), "a sub-port"), "port_id"), "port_id"));
        if (gone == null) {
            throw NeutronErrors.badRequest("Invalid input for operation: sub_ports is required.");
        }
        call.ctx().json(json.trunks(List.of(ports.removeSubports(t, gone))).get(0));
    }

    private void getSubports(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(trunkTarget(t));
        call.ctx().json(Map.of("sub_ports", json.trunks(List.of(t)).get(0).get("sub_ports")));
    }

    private Trunk visibleTrunk(Call call) {
        String id = call.pathParam("id");
        Optional<Trunk> t = Ids.looksLikeUuid(id) ? networks.store().trunk(Ids.parseUuid(id, "trunk")) : Optional.empty();
        return t.filter(x -> call.allowed("network:trunk:get", trunkTarget(x)))
                .orElseThrow(() -> NeutronErrors.notFound("TrunkNotFound", "Trunk " + Jsons.clip(id) + " could not be found."));
    }

    private static Map<String, Object> trunkTarget(Trunk t) {
        return Map.of("trunk.project_id", t.projectId());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }
}
