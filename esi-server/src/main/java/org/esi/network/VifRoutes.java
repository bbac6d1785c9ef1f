package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.ErrorKind;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.node.IronicVersion;
import org.esi.node.Node;
import org.esi.node.NodeRoutes;
import org.esi.node.Port;
import org.esi.spi.net.SwitchException;

/**
 * Ironic's VIF API, {@code /baremetal/v1/nodes/{ident}/vifs}: attaching a network port (the VIF) to a
 * node does the switch work of a network attachment and records the VIF on the node NIC
 * ({@code internal_info.tenant_vif_port_id}); the port is then ACTIVE, bound to the node.
 */
public final class VifRoutes {
    private static final String N = "/baremetal/v1/nodes/{ident}";

    private final PortService ports;

    public VifRoutes(PortService ports) {
        this.ports = ports;
    }

    public void register(HttpApi api) {
        api.get(N + "/vifs", Access.rule("baremetal:node:vif:list"), this::list);
        api.post(N + "/vifs", Access.rule("baremetal:node:vif:attach"), this::attach);
        api.delete(N + "/vifs/{vif}", Access.rule("baremetal:node:vif:detach"), this::detach);
    }

    private void list(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = visibleNode(call);
        call.authorize(NodeRoutes.target(node));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Port p : nicsOf(node)) {
            String vif = p.internalInfo().path("tenant_vif_port_id").asText(null);
            if (vif != null) {
                out.add(Map.of("id", vif));
            }
        }
        call.ctx().json(Map.of("vifs", out));
    }

    private void attach(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = visibleNode(call);
        call.authorize(NodeRoutes.target(node));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("id", "port_uuid", "portgroup_uuid"), "a VIF attachment");
        String vif = Jsons.requireString(body, "id");
        if (vif.isBlank() || vif.length() > 255) {
            throw ApiException.badRequest("VIF id must be 1 to 255 characters");
        }
        if (Jsons.optString(body, "portgroup_uuid") != null) {
            throw ApiException.badRequest("Port groups are not supported; attach to a port (port_uuid) or let one be chosen");
        }
        UUID nic = Optional.ofNullable(Jsons.optString(body, "port_uuid")).map(u -> Ids.parseUuid(u, "port_uuid")).orElse(null);
        NetworkPort port = usablePort(call, vif);
        Attachment a;
        try {
            a = ports.attachVif(node.uuid(), call.caller().projectId(), port, nic);
        } catch (NoFreePortException e) {
            throw ApiException.badRequest("Unable to attach VIF " + vif + ", not enough free physical ports.");
        }
        if (!a.status().equals("active")) {
            throw new ApiException(ErrorKind.EXTERNAL, "The switch did not accept the change: " + a.lastError()
                    + "; VIF " + vif + " stays attached in state error: detach it and try again");
        }
        call.ctx().status(204);
    }

    /**
     * The network port the caller names (by id, or by a name unique among the ports it may see), if it may
     * use it and the network it is on; 400 otherwise, as Ironic words it.
     */
    private NetworkPort usablePort(Call call, String vif) {
        Optional<NetworkPort> port;
        if (Ids.looksLikeUuid(vif)) {
            port = ports.store().port(Ids.parseUuid(vif, "id"));
        } else {
            List<NetworkPort> named = ports.store().portsNamed(vif).stream()
                    .filter(p -> call.allowed("network:port:get", NeutronPortRoutes.target(p))).toList();
            if (named.size() > 1) {
                throw ApiException.conflict(named.size() + " network ports are named '" + Jsons.clip(vif) + "'; use the id");
            }
            port = named.stream().findFirst();
        }
        Optional<Network> network = port.filter(p -> call.allowed("network:port:get", NeutronPortRoutes.target(p)))
                .flatMap(p -> ports.networks().store().network(p.networkId()))
                .filter(n -> call.allowed("network:network:get", NetworkAccess.target(ports.networks().store(), n, call.caller())));
        if (network.isEmpty()) {
            throw ApiException.badRequest("Unable to attach VIF " + Jsons.clip(vif) + ": there is no network port with that id "
                    + "on a network this project may use");
        }
        return port.get();
    }

    private void detach(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node node = visibleNode(call);
        call.authorize(NodeRoutes.target(node));
        String vif = call.pathParam("vif");
        Optional<Attachment> a = Ids.looksLikeUuid(vif)
                ? ports.networks().store().attachmentOfVif(Ids.parseUuid(vif, "vif")).filter(x -> x.nodeUuid().equals(node.uuid()))
                : Optional.empty();
        if (a.isPresent()) {
            try {
                ports.networks().detach(a.get());
            } catch (SwitchException e) {
                throw new ApiException(ErrorKind.EXTERNAL, "The switch did not accept the change: " + e.getMessage()
                        + "; VIF " + vif + " is kept in state error, try again");
            }
        } else if (!forgetUnboundVif(node, vif)) {
            throw ApiException.badRequest("Unable to detach VIF " + Jsons.clip(vif) + " from node " + node.uuid()
                    + " because it is not attached to it.");
        }
        call.ctx().status(204);
    }

    /** A VIF recorded on a NIC with no attachment behind it (written before VIFs did switch work): just forgotten. */
    private boolean forgetUnboundVif(Node node, String vif) {
        boolean any = false;
        for (Port p : nicsOf(node)) {
            if (vif.equals(p.internalInfo().path("tenant_vif_port_id").asText(null))) {
                any |= ports.networks().nodes().store().jdbi().inTransaction(h ->
                        ports.networks().nodes().store().clearTenantVif(h, p.uuid(), vif, ports.networks().now()));
            }
        }
        return any;
    }

    private List<Port> nicsOf(Node node) {
        return ports.networks().nodes().store().ports(Optional.of(node.uuid()), Optional.empty(), Optional.empty(), Optional.empty(), 1000);
    }

    private Node visibleNode(Call call) {
        Node node = ports.networks().nodes().find(call.pathParam("ident"));
        if (!call.allowed("baremetal:node:get", NodeRoutes.target(node))) {
            throw ApiException.notFound("Node " + call.pathParam("ident") + " could not be found.");
        }
        return node;
    }
}
