package org.esi.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.Caller;
import org.esi.http.ErrorKind;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.http.Query;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.node.Node;
import org.esi.node.NodeRoutes;
import org.esi.node.Port;
import org.esi.spi.net.SwitchException;

/** {@code /network/v1}: networks, switches, trunks and node attachments (docs/networks.md). */
public final class NetworkRoutes {
    private static final String P = "/network/v1";
    private final NetworkService networks;
    private final IdentityService identity;

    public NetworkRoutes(NetworkService networks, IdentityService identity) {
        this.networks = networks;
        this.identity = identity;
    }

    public void register(HttpApi api) {
        api.get(P + "/networks", Access.rule("network:network:list"), this::listNetworks);
        api.post(P + "/networks", Access.rule("network:network:create"), this::createNetwork);
        api.get(P + "/networks/{id}", Access.rule("network:network:get"), this::showNetwork);
        api.patch(P + "/networks/{id}", Access.rule("network:network:update"), this::updateNetwork);
        api.delete(P + "/networks/{id}", Access.rule("network:network:delete"), this::deleteNetwork);
        api.post(P + "/networks/{id}/grants", Access.rule("network:network:update"), this::grant);
        api.delete(P + "/networks/{id}/grants/{project}", Access.rule("network:network:update"), this::revoke);
        api.get(P + "/switches", Access.rule("network:switch:list"), this::listSwitches);
        api.post(P + "/switches", Access.rule("network:switch:create"), this::createSwitch);
        api.get(P + "/switches/{id}", Access.rule("network:switch:list"), this::showSwitch);
        api.delete(P + "/switches/{id}", Access.rule("network:switch:delete"), this::deleteSwitch);
        api.get(P + "/switches/{id}/ports", Access.rule("network:switch:list"), this::switchPorts);
        api.get(P + "/nodes/{node}/attachments", Access.rule("network:attachment:list"), this::listAttachments);
        api.post(P + "/nodes/{node}/attachments", Access.rule("network:attachment:create"), this::attach);
        api.delete(P + "/nodes/{node}/attachments/{id}", Access.rule("network:attachment:delete"), this::detach);
        api.get(P + "/trunks", Access.rule("network:trunk:list"), this::listTrunks);
        api.post(P + "/trunks", Access.rule("network:trunk:create"), this::createTrunk);
        api.get(P + "/trunks/{id}", Access.rule("network:trunk:get"), this::showTrunk);
        api.delete(P + "/trunks/{id}", Access.rule("network:trunk:delete"), this::deleteTrunk);
        api.post(P + "/trunks/{id}/networks", Access.rule("network:trunk:update"), this::addTagged);
        api.delete(P + "/trunks/{id}/networks/{network}", Access.rule("network:trunk:update"), this::removeTagged);
    }

    // --- networks

    private void listNetworks(Call call) {
        Query q = call.query(Set.of("name", "project_id"));
        call.authorize(Map.of());
        boolean all = call.caller().isAdmin();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Network n : networks.store().networks(all ? Optional.empty() : Optional.of(call.caller().projectId()))) {
            if (q.string("name").map(x -> !x.equals(n.name())).orElse(false)
                    || q.string("project_id").map(p -> !projectId(p).equals(n.projectId())).orElse(false)) {
                continue;
            }
            out.add(networkJson(n));
        }
        call.ctx().json(Map.of("networks", out));
    }

    private void createNetwork(Call call) {
        call.authorize(Map.of());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("name", "shared", "physical_network", "vlan_id", "project_id"), "a network");
        String name = Jsons.requireString(body, "name");
        if (name.isBlank() || name.length() > 255) {
            throw ApiException.badRequest("A network name must be 1 to 255 characters");
        }
        Integer vlan = null;
        if (body.hasNonNull("vlan_id")) {
            if (!body.get("vlan_id").isInt() || body.get("vlan_id").asInt() < 1 || body.get("vlan_id").asInt() > 4094) {
                throw ApiException.badRequest("vlan_id must be an integer between 1 and 4094");
            }
            vlan = body.get("vlan_id").asInt();
        }
        boolean provider = vlan != null || body.hasNonNull("physical_network") || body.hasNonNull("project_id");
        if (provider && !call.allowed("network:network:create_provider", Map.of())) {
            throw ApiException.forbidden("Only the admin may choose a VLAN, a physical network or another project");
        }
        String project = Optional.ofNullable(Jsons.optString(body, "project_id")).map(this::existingProject).orElse(call.caller().projectId());
        Network n = networks.createNetwork(name, project, Boolean.TRUE.equals(Jsons.optBoolean(body, "shared")),
                Jsons.optString(body, "physical_network"), vlan);
        call.ctx().status(201).json(networkJson(n));
    }

    private void showNetwork(Call call) {
        Network n = visibleNetwork(call);
        call.authorize(networkTarget(n, call.caller()));
        call.ctx().json(networkJson(n));
    }

    private void updateNetwork(Call call) {
        Network n = visibleNetwork(call);
        call.authorize(networkTarget(n, call.caller()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("name", "shared"), "a network update");
        String name = body.has("name") ? Jsons.requireString(body, "name") : n.name();
        Boolean shared = Jsons.optBoolean(body, "shared");
        networks.store().updateNetwork(n.id(), name, shared == null ? n.shared() : shared);
        call.ctx().json(networkJson(networks.store().network(n.id()).orElseThrow()));
    }

    private void deleteNetwork(Call call) {
        Network n = visibleNetwork(call);
        call.authorize(networkTarget(n, call.caller()));
        networks.deleteNetwork(n);
        call.ctx().status(204);
    }

    private void grant(Call call) {
        Network n = visibleNetwork(call);
        call.authorize(networkTarget(n, call.caller()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("project"), "a grant");
        networks.store().grant(n.id(), existingProject(Jsons.requireString(body, "project")));
        call.ctx().status(201).json(networkJson(networks.store().network(n.id()).orElseThrow()));
    }

    private void revoke(Call call) {
        Network n = visibleNetwork(call);
        call.authorize(networkTarget(n, call.caller()));
        if (!networks.store().revoke(n.id(), projectId(call.pathParam("project")))) {
            throw ApiException.notFound("Network " + n.name() + " is not granted to " + call.pathParam("project"));
        }
        call.ctx().status(204);
    }

    private Network visibleNetwork(Call call) {
        Network n = networks.findNetwork(call.pathParam("id"));
        if (!call.allowed("network:network:get", networkTarget(n, call.caller()))) {
            throw ApiException.notFound("Network " + call.pathParam("id") + " could not be found.");
        }
        return n;
    }

    private Map<String, Object> networkTarget(Network n, Caller caller) {
        return NetworkAccess.target(networks.store(), n, caller);
    }

    private Map<String, Object> networkJson(Network n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", n.id().toString());
        m.put("name", n.name());
        m.put("project_id", n.projectId());
        m.put("shared", n.shared());
        m.put("physical_network", n.physicalNetwork());
        m.put("vlan_id", n.vlanId());
        m.put("provider", n.provider());
        m.put("granted_projects", networks.store().grants(n.id()));
        m.put("created_at", n.createdAt().toString());
        return m;
    }

    // --- switches

    private void listSwitches(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        call.ctx().json(Map.of("switches", networks.store().switches().stream().map(NetworkRoutes::switchJson).toList()));
    }

    private void createSwitch(Call call) {
        call.authorize(Map.of());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("name", "driver", "address", "username", "password", "physical_network", "options"), "a switch");
        ObjectNode options = Optional.ofNullable(Jsons.optObject(body, "options")).orElseGet(() -> call.json().createObjectNode());
        options.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw ApiException.badRequest("options." + e.getKey() + " must be a string");
            }
        });
        String name = Jsons.requireString(body, "name");
        if (name.isBlank() || name.length() > 255) {
            throw ApiException.badRequest("A switch name must be 1 to 255 characters");
        }
        Switch s = networks.registerSwitch(name, Jsons.requireString(body, "driver"), Jsons.requireString(body, "address"),
                Jsons.optString(body, "username"), Jsons.optString(body, "password"),
                Optional.ofNullable(Jsons.optString(body, "physical_network")).orElse("physnet1"), options);
        call.ctx().status(201).json(switchJson(s));
    }

    private void showSwitch(Call call) {
        call.authorize(Map.of());
        call.ctx().json(switchJson(networks.findSwitch(call.pathParam("id"))));
    }

    private void deleteSwitch(Call call) {
        call.authorize(Map.of());
        networks.store().deleteSwitch(networks.findSwitch(call.pathParam("id")).id());
        call.ctx().status(204);
    }

    /** Node ports cabled to this switch that the caller may see, with what each carries. */
    private void switchPorts(Call call) {
        call.authorize(Map.of());
        Switch s = networks.findSwitch(call.pathParam("id"));
        boolean all = call.caller().isAdmin();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Port p : networks.nodes().store().ports(Optional.empty(), Optional.empty(),
                all ? Optional.empty() : Optional.of(call.caller().projectId()), Optional.empty(), 10_000)) {
            JsonNode llc = p.localLinkConnection();
            boolean here = s.name().equals(llc.path("switch_info").asText(null)) || s.id().toString().equals(llc.path("switch_id").asText(null))
                    || (s.options().hasNonNull("switch_id") && s.options().path("switch_id").asText().equals(llc.path("switch_id").asText(null)));
            if (!here) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("port", llc.path("port_id").asText(null));
            m.put("node_uuid", p.nodeUuid().toString());
            m.put("mac_address", p.address());
            m.put("vlans", networks.store().attachmentsOfNode(p.nodeUuid()).stream().filter(a -> a.portUuid().equals(p.uuid()))
                    .map(this::vlansOf).findFirst().orElse(List.of()));
            out.add(m);
        }
        call.ctx().json(Map.of("ports", out));
    }

    private static Map<String, Object> switchJson(Switch s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id().toString());
        m.put("name", s.name());
        m.put("driver", s.driver());
        m.put("address", s.address());
        m.put("username", s.username());
        m.put("password", s.password() == null ? null : "******");
        m.put("physical_network", s.physicalNetwork());
        m.put("options", s.options());
        return m;
    }

    // --- attachments

    private void listAttachments(Call call) {
        Node node = visibleNode(call);
        call.authorize(NodeRoutes.target(node));
        call.ctx().json(Map.of("attachments", networks.store().attachmentsOfNode(node.uuid()).stream().map(a -> attachmentJson(a, node)).toList()));
    }

    private void attach(Call call) {
        Node node = visibleNode(call);
        call.authorize(NodeRoutes.target(node));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("network", "trunk", "port", "mac_address"), "an attachment");
        int targets = (body.hasNonNull("network") ? 1 : 0) + (body.hasNonNull("trunk") ? 1 : 0) + (body.hasNonNull("port") ? 1 : 0);
        if (targets != 1) {
            throw ApiException.badRequest("Give exactly one of network, trunk or port");
        }
        Network network = null;
        Trunk trunk = null;
        UUID port = null;
        if (body.hasNonNull("network")) {
            network = networks.findNetwork(Jsons.requireString(body, "network"));
            if (!call.allowed("network:network:get", networkTarget(network, call.caller()))) {
                throw ApiException.notFound("Network " + Jsons.requireString(body, "network") + " could not be found.");
            }
        } else if (body.hasNonNull("trunk")) {
            trunk = networks.findTrunk(Jsons.requireString(body, "trunk"));
            if (!call.allowed("network:trunk:get", Map.of("trunk.project_id", trunk.projectId()))) {
                throw ApiException.notFound("Trunk " + Jsons.requireString(body, "trunk") + " could not be found.");
            }
        } else {
            port = Ids.parseUuid(Jsons.requireString(body, "port"), "port");
        }
        Attachment a = networks.attach(node.uuid(), call.caller().projectId(),
                new NetworkService.AttachRequest(network, trunk, port, Jsons.optString(body, "mac_address")));
        if (a.status().equals("active")) {
            call.ctx().status(201).json(attachmentJson(a, node));
            return;
        }
        Map<String, Object> fault = new LinkedHashMap<>();
        fault.put("faultcode", "Server");
        fault.put("faultstring", "The switch did not accept the change: " + a.lastError());
        fault.put("debuginfo", null);
        fault.put("attachment", attachmentJson(a, node));
        call.ctx().status(502).json(fault);
    }

    private void detach(Call call) {
        Node node = visibleNode(call);
        call.authorize(NodeRoutes.target(node));
        UUID id = Ids.parseUuid(call.pathParam("id"), "attachment");
        Attachment a = networks.store().attachment(id).filter(x -> x.nodeUuid().equals(node.uuid()))
                .orElseThrow(() -> ApiException.notFound("Attachment " + id + " could not be found on node " + node.uuid()));
        try {
            networks.detach(a);
        } catch (SwitchException e) {
            throw new ApiException(ErrorKind.EXTERNAL, "The switch did not accept the change: " + e.getMessage()
                    + "; the attachment is kept in state error, try again");
        }
        call.ctx().status(204);
    }

    private Node visibleNode(Call call) {
        Node node = networks.nodes().find(call.pathParam("node"));
        if (!call.allowed("baremetal:node:get", NodeRoutes.target(node))) {
            throw ApiException.notFound("Node " + call.pathParam("node") + " could not be found.");
        }
        return node;
    }

    private Map<String, Object> attachmentJson(Attachment a, Node node) {
        Map<String, Object> m = new LinkedHashMap<>();
        Port p = networks.nodes().store().port(a.portUuid()).orElse(null);
        m.put("id", a.id().toString());
        m.put("node", node.name());
        m.put("node_uuid", node.uuid().toString());
        m.put("port_uuid", a.portUuid().toString());
        m.put("mac_address", p == null ? null : p.address());
        m.put("switch_port", p == null ? null : p.localLinkConnection().path("port_id").asText(null));
        if (a.networkId() != null) {
            Network n = networks.store().network(a.networkId()).orElseThrow();
            m.put("network", Map.of("id", n.id().toString(), "name", n.name(), "vlan_id", n.vlanId()));
            m.put("trunk", null);
        } else {
            Trunk t = networks.store().trunk(a.trunkId()).orElseThrow();
            m.put("network", null);
            m.put("trunk", Map.of("id", t.id().toString(), "name", t.name()));
        }
        m.put("vlans", vlansOf(a));
        m.put("status", a.status());
        m.put("last_error", a.lastError());
        m.put("project_id", a.projectId());
        return m;
    }

    private List<Integer> vlansOf(Attachment a) {
        if (a.networkId() != null) {
            return List.of(networks.store().network(a.networkId()).orElseThrow().vlanId());
        }
        Trunk t = networks.store().trunk(a.trunkId()).orElseThrow();
        List<Integer> out = new ArrayList<>();
        if (t.nativeNetworkId() != null) {
            out.add(networks.store().network(t.nativeNetworkId()).orElseThrow().vlanId());
        }
        t.taggedNetworkIds().forEach(n -> out.add(networks.store().network(n).orElseThrow().vlanId()));
        return out;
    }

    // --- trunks

    private void listTrunks(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        boolean all = call.caller().isAdmin();
        call.ctx().json(Map.of("trunks", networks.store().trunks(all ? Optional.empty() : Optional.of(call.caller().projectId()))
                .stream().map(this::trunkJson).toList()));
    }

    private void createTrunk(Call call) {
        call.authorize(Map.of());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("name", "native_network", "tagged_networks"), "a trunk");
        String name = Jsons.requireString(body, "name");
        Network nativeNet = Optional.ofNullable(Jsons.optString(body, "native_network")).map(n -> usableNetwork(call, n)).orElse(null);
        List<Network> tagged = new ArrayList<>();
        JsonNode t = body.get("tagged_networks");
        if (t != null && !t.isNull()) {
            if (!t.isArray()) {
                throw ApiException.badRequest("tagged_networks must be a list of network names or ids");
            }
            for (JsonNode x : t) {
                if (!x.isTextual()) {
                    throw ApiException.badRequest("tagged_networks must be a list of network names or ids");
                }
                tagged.add(usableNetwork(call, x.textValue()));
            }
        }
        Trunk created = networks.createTrunk(name, call.caller().projectId(), nativeNet, tagged);
        call.ctx().status(201).json(trunkJson(created));
    }

    private void showTrunk(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(Map.of("trunk.project_id", t.projectId()));
        call.ctx().json(trunkJson(t));
    }

    private void deleteTrunk(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(Map.of("trunk.project_id", t.projectId()));
        networks.deleteTrunk(t);
        call.ctx().status(204);
    }

    private void addTagged(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(Map.of("trunk.project_id", t.projectId()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("network"), "a tagged network");
        call.ctx().json(trunkJson(networks.changeTagged(t, usableNetwork(call, Jsons.requireString(body, "network")), true)));
    }

    private void removeTagged(Call call) {
        Trunk t = visibleTrunk(call);
        call.authorize(Map.of("trunk.project_id", t.projectId()));
        call.ctx().json(trunkJson(networks.changeTagged(t, networks.findNetwork(call.pathParam("network")), false)));
    }

    private Trunk visibleTrunk(Call call) {
        Trunk t = networks.findTrunk(call.pathParam("id"));
        if (!call.allowed("network:trunk:get", Map.of("trunk.project_id", t.projectId()))) {
            throw ApiException.notFound("Trunk " + call.pathParam("id") + " could not be found.");
        }
        return t;
    }

    private Network usableNetwork(Call call, String ident) {
        Network n = networks.findNetwork(ident);
        if (!call.allowed("network:network:get", networkTarget(n, call.caller()))) {
            throw ApiException.notFound("Network " + ident + " could not be found.");
        }
        return n;
    }

    private Map<String, Object> trunkJson(Trunk t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id().toString());
        m.put("name", t.name());
        m.put("project_id", t.projectId());
        m.put("native_network", t.nativeNetworkId() == null ? null : brief(t.nativeNetworkId()));
        m.put("tagged_networks", t.taggedNetworkIds().stream().map(this::brief).toList());
        return m;
    }

    private Map<String, Object> brief(UUID network) {
        Network n = networks.store().network(network).orElseThrow();
        return Map.of("id", n.id().toString(), "name", n.name(), "vlan_id", n.vlanId());
    }

    // --- helpers

    private String projectId(String idOrName) {
        return identity.findProject(idOrName).map(Project::id).orElse(idOrName);
    }

    private String existingProject(String idOrName) {
        return identity.findProject(idOrName).map(Project::id)
                .orElseThrow(() -> ApiException.notFound("Project " + idOrName + " could not be found."));
    }
}
