package org.esi.node;

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
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.JsonPatch;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** {@code /baremetal/v1/ports}: NICs of nodes; a port is visible exactly when its node is. */
public final class PortRoutes {
    private static final Set<String> CREATE_FIELDS = Set.of("address", "node_uuid", "local_link_connection",
            "physical_network", "pxe_enabled", "extra", "uuid");
    private static final Set<String> PATCHABLE = Set.of("address", "local_link_connection", "physical_network", "pxe_enabled", "extra");
    private static final Set<String> LLC_FIELDS = Set.of("switch_id", "port_id", "switch_info", "network_type");

    private final NodeService nodes;
    private final BaseUrl baseUrl;
    private final java.time.Clock clock;

    public PortRoutes(NodeService nodes, BaseUrl baseUrl, java.time.Clock clock) {
        this.nodes = nodes;
        this.baseUrl = baseUrl;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.get("/baremetal/v1/ports", Access.rule("baremetal:port:list"), c -> list(c, false, null));
        api.get("/baremetal/v1/ports/detail", Access.rule("baremetal:port:list"), c -> list(c, true, null));
        api.get("/baremetal/v1/nodes/{ident}/ports", Access.rule("baremetal:port:list"), c -> list(c, false, c.pathParam("ident")));
        api.get("/baremetal/v1/nodes/{ident}/ports/detail", Access.rule("baremetal:port:list"), c -> list(c, true, c.pathParam("ident")));
        api.post("/baremetal/v1/ports", Access.rule("baremetal:port:create"), this::create);
        api.get("/baremetal/v1/ports/{uuid}", Access.rule("baremetal:port:get"), this::show);
        api.patch("/baremetal/v1/ports/{uuid}", Access.rule("baremetal:port:update"), this::patch);
        api.delete("/baremetal/v1/ports/{uuid}", Access.rule("baremetal:port:delete"), this::delete);
    }

    private void list(Call call, boolean detail, String nodeIdent) {
        IronicVersion.negotiate(call.ctx());
        Query q = call.query(Set.of("node", "node_uuid", "address", "fields", "limit", "marker", "detail", "sort_key", "sort_dir"));
        call.authorize(Map.of());
        q.string("sort_key").filter(k -> !k.equals("uuid") && !k.equals("id"))
                .ifPresent(k -> { throw ApiException.badRequest("Ports sort by uuid only"); });
        if (q.string("sort_dir").map(NodeRoutes::sortDescending).orElse(false)) {
            throw ApiException.badRequest("Ports sort ascending only");
        }
        boolean all = call.allowed("baremetal:node:list_all", Map.of());
        Optional<UUID> node = Optional.empty();
        String ident = nodeIdent != null ? nodeIdent : q.string("node").or(() -> q.string("node_uuid")).orElse(null);
        if (ident != null) {
            Optional<Node> n = nodes.lookup(ident).filter(x -> call.allowed("baremetal:node:get", NodeRoutes.target(x)));
            if (n.isEmpty()) {
                throw ApiException.notFound("Node " + ident + " could not be found.");
            }
            node = Optional.of(n.get().uuid());
        }
        int limit = Math.min(q.positiveInt("limit").orElse(NodeRoutes.MAX_LIMIT), NodeRoutes.MAX_LIMIT);
        boolean detailed = detail || q.bool("detail").orElse(false);
        List<String> fields = NodeJson.fields(q.string("fields").orElse(null), NodeJson.PORT_FIELDS,
                detailed ? NodeJson.PORT_FIELDS : NodeJson.PORT_SHORT);
        List<Port> found = nodes.store().ports(node, q.string("address").map(NodeService::mac),
                all ? Optional.empty() : Optional.of(call.caller().projectId()), q.uuid("marker"), limit + 1);
        boolean more = found.size() > limit;
        List<Port> page = more ? found.subList(0, limit) : found;
        String base = baseUrl.of(call.ctx());
        List<Map<String, Object>> out = new ArrayList<>();
        page.forEach(p -> out.add(NodeJson.port(p, base, fields)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ports", out);
        if (more) {
            body.put("next", NextLink.of(base, call.ctx(), page.get(page.size() - 1).uuid().toString(), limit));
        }
        call.ctx().json(body);
    }

    private void show(Call call) {
        IronicVersion.negotiate(call.ctx());
        Query q = call.query(Set.of("fields"));
        Port p = visiblePort(call);
        call.authorize(NodeRoutes.target(nodeOf(p)));
        call.ctx().json(NodeJson.port(p, baseUrl.of(call.ctx()),
                NodeJson.fields(q.string("fields").orElse(null), NodeJson.PORT_FIELDS, NodeJson.PORT_FIELDS)));
    }

    private void create(Call call) {
        IronicVersion.negotiate(call.ctx());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, CREATE_FIELDS, "a port");
        String nodeIdent = Jsons.requireString(body, "node_uuid");
        Node node = nodes.lookup(nodeIdent).filter(n -> call.allowed("baremetal:node:get", NodeRoutes.target(n)))
                .orElseThrow(() -> ApiException.notFound("Node " + nodeIdent + " could not be found."));
        call.authorize(NodeRoutes.target(node));
        var now = clock.instant();
        Port p = new Port(Optional.ofNullable(Jsons.optString(body, "uuid")).map(u -> Ids.parseUuid(u, "uuid")).orElseGet(UUID::randomUUID),
                NodeService.mac(Jsons.requireString(body, "address")), node.uuid(), llc(body.get("local_link_connection"), call),
                Jsons.optString(body, "physical_network"), Optional.ofNullable(Jsons.optBoolean(body, "pxe_enabled")).orElse(true),
                objectOrEmpty(body, "extra", call), call.json().createObjectNode(), now, null);
        save(() -> nodes.store().jdbi().useHandle(h -> nodes.store().insertPort(h, p)), p.address());
        call.ctx().status(201).json(NodeJson.port(p, baseUrl.of(call.ctx()), NodeJson.PORT_FIELDS));
    }

    private void patch(Call call) {
        IronicVersion.negotiate(call.ctx());
        Port p = visiblePort(call);
        call.authorize(NodeRoutes.target(nodeOf(p)));
        List<JsonPatch.Operation> ops = JsonPatch.parse(call.bodyJson());
        for (JsonPatch.Operation op : ops) {
            if (!PATCHABLE.contains(op.field())) {
                throw ApiException.badRequest("'/" + op.field() + "' cannot be patched (unknown or read-only field)");
            }
        }
        ObjectNode doc = call.json().createObjectNode();
        doc.put("address", p.address());
        doc.set("local_link_connection", p.localLinkConnection().deepCopy());
        doc.put("physical_network", p.physicalNetwork());
        doc.put("pxe_enabled", p.pxeEnabled());
        doc.set("extra", p.extra().deepCopy());
        JsonPatch.apply(doc, ops);
        Boolean pxe = Jsons.optBoolean(doc, "pxe_enabled");
        Port updated = new Port(p.uuid(), NodeService.mac(Jsons.requireString(doc, "address")), p.nodeUuid(),
                llc(doc.get("local_link_connection"), call), Jsons.optString(doc, "physical_network"), pxe == null || pxe,
                objectOrEmpty(doc, "extra", call), p.internalInfo(), p.createdAt(), clock.instant());
        save(() -> nodes.store().jdbi().useHandle(h -> nodes.store().updatePort(h, updated)), updated.address());
        call.ctx().json(NodeJson.port(updated, baseUrl.of(call.ctx()), NodeJson.PORT_FIELDS));
    }

    private void delete(Call call) {
        IronicVersion.negotiate(call.ctx());
        Port p = visiblePort(call);
        call.authorize(NodeRoutes.target(nodeOf(p)));
        nodes.store().deletePort(p.uuid());
        call.ctx().status(204);
    }

    private Port visiblePort(Call call) {
        String id = call.pathParam("uuid");
        Optional<Port> p = Ids.looksLikeUuid(id) ? nodes.store().port(Ids.parseUuid(id, "port")) : Optional.empty();
        return p.filter(x -> call.allowed("baremetal:node:get", NodeRoutes.target(nodeOf(x))))
                .orElseThrow(() -> ApiException.notFound("Port " + id + " could not be found."));
    }

    private Node nodeOf(Port p) {
        return nodes.store().node(p.nodeUuid()).orElseThrow(() -> ApiException.notFound("Port " + p.uuid() + " could not be found."));
    }

    private static ObjectNode llc(JsonNode node, Call call) {
        if (node == null || node.isNull()) {
            return call.json().createObjectNode();
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("local_link_connection must be an object");
        }
        Jsons.requireOnly((ObjectNode) node, LLC_FIELDS, "local_link_connection");
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw ApiException.badRequest("local_link_connection." + e.getKey() + " must be a string");
            }
        });
        return (ObjectNode) node;
    }

    private static ObjectNode objectOrEmpty(JsonNode parent, String field, Call call) {
        ObjectNode o = Jsons.optObject(parent, field);
        return o == null ? call.json().createObjectNode() : o;
    }

    private static void save(Runnable write, String address) {
        try {
            write.run();
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict("A port with MAC address " + address + " (or that UUID) already exists");
            }
            throw e;
        }
    }
}
