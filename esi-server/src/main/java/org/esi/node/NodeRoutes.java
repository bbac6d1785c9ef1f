package org.esi.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.Caller;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.JsonPatch;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;

/** {@code /baremetal/v1/nodes}: Ironic's node API with owner/lessee multi-tenancy. */
public final class NodeRoutes {
    static final int MAX_LIMIT = 1000;
    private static final Set<String> CREATE_FIELDS = Set.of("uuid", "name", "driver", "driver_info", "resource_class",
            "properties", "instance_info", "extra", "description", "owner", "lessee", "traits");
    /** Patchable top-level fields and the rule each needs beyond seeing the node. */
    private static final Map<String, String> PATCH_RULES = Map.ofEntries(
            Map.entry("name", "baremetal:node:update"),
            Map.entry("driver", "baremetal:node:update"),
            Map.entry("driver_info", "baremetal:node:update"),
            Map.entry("properties", "baremetal:node:update"),
            Map.entry("resource_class", "baremetal:node:update"),
            Map.entry("lessee", "baremetal:node:update"),
            Map.entry("traits", "baremetal:node:update"),
            Map.entry("description", "baremetal:node:update"),
            Map.entry("owner", "baremetal:node:update_owner"),
            Map.entry("extra", "baremetal:node:update_extra"),
            Map.entry("instance_info", "baremetal:node:update_instance_info"),
            Map.entry("instance_uuid", "baremetal:node:update_instance_info"));
    private static final Set<String> LIST_PARAMS = Set.of("owner", "lessee", "project", "resource_class", "provision_state",
            "maintenance", "associated", "driver", "fields", "limit", "marker", "sort_key", "sort_dir", "detail");

    /** Fields a list can show without reading the node's JSON columns. */
    private static final Set<String> LEAN_FIELDS = Set.of("uuid", "name", "driver", "power_state", "target_power_state",
            "provision_state", "target_provision_state", "maintenance", "maintenance_reason", "last_error", "reservation",
            "resource_class", "instance_uuid", "description", "owner", "lessee", "console_enabled", "created_at", "updated_at",
            "provision_updated_at", "inspection_finished_at", "links", "ports", "states");

    private final NodeService nodes;
    private final BaseUrl baseUrl;

    public NodeRoutes(NodeService nodes, BaseUrl baseUrl) {
        this.nodes = nodes;
        this.baseUrl = baseUrl;
    }

    public void register(HttpApi api) {
        api.get("/baremetal", Access.anonymous(), this::root);
        api.get("/baremetal/v1", Access.anonymous(), this::v1);
        api.get("/baremetal/v1/nodes", Access.rule("baremetal:node:list"), c -> list(c, false));
        api.get("/baremetal/v1/nodes/detail", Access.rule("baremetal:node:list"), c -> list(c, true));
        api.post("/baremetal/v1/nodes", Access.rule("baremetal:node:create"), this::create);
        api.get("/baremetal/v1/nodes/{ident}", Access.rule("baremetal:node:get"), this::show);
        api.patch("/baremetal/v1/nodes/{ident}", Access.rule("baremetal:node:get"), this::patch);
        api.delete("/baremetal/v1/nodes/{ident}", Access.rule("baremetal:node:delete"), this::delete);
        api.get("/baremetal/v1/nodes/{ident}/states", Access.rule("baremetal:node:get"), this::states);
        api.put("/baremetal/v1/nodes/{ident}/maintenance", Access.rule("baremetal:node:update"), c -> maintenance(c, true));
        api.delete("/baremetal/v1/nodes/{ident}/maintenance", Access.rule("baremetal:node:update"), c -> maintenance(c, false));
    }

    // --- versions

    private void root(Call call) {
        IronicVersion.negotiate(call.ctx());
        Map<String, Object> v1 = versionEntry(call.ctx());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "OpenStack Ironic API");
        m.put("description", "Bare metal provisioning, served by ESI");
        m.put("default_version", v1);
        m.put("versions", List.of(v1));
        call.ctx().json(m);
    }

    private void v1(Call call) {
        IronicVersion.negotiate(call.ctx());
        String base = baseUrl.of(call.ctx());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", "v1");
        m.put("links", List.of(Map.of("href", base + "/baremetal/v1/", "rel", "self")));
        m.put("media_types", List.of(Map.of("base", "application/json", "type", "application/vnd.openstack.ironic.v1+json")));
        m.put("nodes", List.of(Map.of("href", base + "/baremetal/v1/nodes/", "rel", "self")));
        m.put("ports", List.of(Map.of("href", base + "/baremetal/v1/ports/", "rel", "self")));
        m.put("version", versionEntry(call.ctx()));
        call.ctx().json(m);
    }

    private Map<String, Object> versionEntry(Context ctx) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", "v1");
        v.put("links", List.of(Map.of("href", baseUrl.of(ctx) + "/baremetal/v1/", "rel", "self")));
        v.put("status", "CURRENT");
        v.put("min_version", IronicVersion.min());
        v.put("version", IronicVersion.max());
        return v;
    }

    // --- nodes

    private void list(Call call, boolean detail) {
        IronicVersion.negotiate(call.ctx());
        Query q = call.query(LIST_PARAMS);
        call.authorize(Map.of());
        Caller caller = call.caller();
        boolean all = call.allowed("baremetal:node:list_all", Map.of());
        int limit = Math.min(q.positiveInt("limit").orElse(MAX_LIMIT), MAX_LIMIT);
        boolean detailed = detail || q.bool("detail").orElse(false);
        if (detail && q.has("detail")) {
            throw ApiException.badRequest("'detail' is not allowed on /nodes/detail");
        }
        List<String> fields = NodeJson.fields(q.string("fields").orElse(null), NodeJson.NODE_FIELDS,
                detailed ? NodeJson.NODE_FIELDS : NodeJson.NODE_SHORT);
        if (detail && q.has("fields")) {
            throw ApiException.badRequest("'fields' is not allowed on /nodes/detail");
        }
        NodeQuery query = new NodeQuery(
                all ? Optional.empty() : Optional.of(caller.projectId()),
                q.string("owner").map(o -> projectFilter(o)),
                q.string("lessee").map(o -> projectFilter(o)),
                q.string("project").map(o -> projectFilter(o)),
                q.string("resource_class"),
                q.string("provision_state"),
                q.bool("maintenance"),
                q.bool("associated"),
                q.string("driver"),
                sortKey(q.string("sort_key").orElse("uuid")),
                sortDescending(q.string("sort_dir").orElse("asc")),
                q.uuid("marker"),
                limit + 1);
        if (query.marker().isPresent() && nodes.store().node(query.marker().get()).isEmpty()) {
            throw ApiException.badRequest("Marker " + query.marker().get() + " does not name a node");
        }
        List<Node> found = nodes.store().list(query, LEAN_FIELDS.containsAll(fields));
        boolean more = found.size() > limit;
        List<Node> page = more ? found.subList(0, limit) : found;
        String base = baseUrl.of(call.ctx());
        List<Map<String, Object>> out = new ArrayList<>(page.size());
        for (Node n : page) {
            out.add(nodeJson(call, n, base, fields));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("nodes", out);
        if (more) {
            body.put("next", NextLink.of(base, call.ctx(), page.get(page.size() - 1).uuid().toString(), limit));
        }
        call.ctx().json(body);
    }

    /** Filters name projects by id or name; an unknown one simply matches nothing. */
    private String projectFilter(String idOrName) {
        return nodes.lookupProjectId(idOrName).orElse(idOrName);
    }

    private static NodeQuery.SortKey sortKey(String key) {
        try {
            return NodeQuery.SortKey.valueOf(key.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Invalid sort_key '" + Jsons.clip(key) + "'; use one of uuid, name, created_at, updated_at, "
                    + "provision_state, power_state, driver, resource_class, owner, lessee");
        }
    }

    static boolean sortDescending(String dir) {
        return switch (dir) {
            case "asc" -> false;
            case "desc" -> true;
            default -> throw ApiException.badRequest("Invalid sort_dir '" + Jsons.clip(dir) + "'; use asc or desc");
        };
    }

    private void show(Call call) {
        IronicVersion.negotiate(call.ctx());
        Query q = call.query(Set.of("fields"));
        Node n = visible(call);
        call.authorize(target(n));
        List<String> fields = NodeJson.fields(q.string("fields").orElse(null), NodeJson.NODE_FIELDS, NodeJson.NODE_FIELDS);
        call.ctx().json(nodeJson(call, n, baseUrl.of(call.ctx()), fields));
    }

    /** The node as this caller may see it. */
    private Map<String, Object> nodeJson(Call call, Node n, String base, List<String> fields) {
        boolean secrets = call.allowed("baremetal:node:get:secrets", target(n));
        return NodeJson.node(n, base, secrets, fields.contains("last_error") ? lastError(call, n, secrets) : null, fields);
    }

    /** Whole for readers of secrets, scrubbed for others baremetal:node:get:last_error admits (the lessee), else redacted. */
    private String lastError(Call call, Node n, boolean seesSecrets) {
        if (seesSecrets || n.lastError() == null) {
            return n.lastError();
        }
        return call.allowed("baremetal:node:get:last_error", target(n)) ? nodes.lastErrorForLessee(n) : NodeJson.LAST_ERROR_REDACTED;
    }

    private void states(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node n = visible(call);
        call.authorize(target(n));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("power_state", n.powerState());
        m.put("target_power_state", n.targetPowerState());
        m.put("provision_state", n.provisionState());
        m.put("target_provision_state", n.targetProvisionState());
        m.put("provision_updated_at", NodeJson.time(n.provisionUpdatedAt()));
        m.put("last_error", lastError(call, n, call.allowed("baremetal:node:get:secrets", target(n))));
        m.put("console_enabled", n.consoleEnabled());
        m.put("raid_config", Map.of());
        m.put("target_raid_config", Map.of());
        call.ctx().json(m);
    }

    private void create(Call call) {
        IronicVersion.negotiate(call.ctx());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, CREATE_FIELDS, "a node");
        Caller caller = call.caller();
        String owner = Optional.ofNullable(Jsons.optString(body, "owner")).map(o -> nodes.projectId(o, "owner"))
                .orElse(caller.isAdmin() ? null : caller.projectId());
        String lessee = Optional.ofNullable(Jsons.optString(body, "lessee")).map(o -> nodes.projectId(o, "lessee")).orElse(null);
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("node.owner", owner);
        target.put("node.lessee", lessee);
        call.authorize(target);
        String uuid = Jsons.optString(body, "uuid");
        NodeDraft d = new NodeDraft(
                Optional.ofNullable(uuid).map(u -> Ids.parseUuid(u, "uuid")),
                Jsons.optString(body, "name"),
                Jsons.requireString(body, "driver"),
                objectOrEmpty(body, "driver_info", call),
                Jsons.optString(body, "resource_class"),
                objectOrEmpty(body, "properties", call),
                objectOrEmpty(body, "instance_info", call),
                null,
                objectOrEmpty(body, "extra", call),
                Jsons.optString(body, "description"),
                owner,
                lessee,
                NodeService.traits(body.get("traits")),
                false,
                null);
        Node n = nodes.create(d);
        call.ctx().status(201).header("Location", baseUrl.of(call.ctx()) + "/baremetal/v1/nodes/" + n.uuid())
                .json(NodeJson.node(n, baseUrl.of(call.ctx()), true, NodeJson.NODE_FIELDS));
    }

    private void patch(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node seen = visible(call);
        call.authorize(target(seen));
        List<JsonPatch.Operation> ops = JsonPatch.parse(call.bodyJson());
        Set<String> touched = new HashSet<>();
        for (JsonPatch.Operation op : ops) {
            String rule = PATCH_RULES.get(op.field());
            if (rule == null) {
                throw ApiException.badRequest("'/" + op.field() + "' cannot be patched (unknown or read-only field)");
            }
            touched.add(op.field());
        }
        for (String field : touched) {
            if (!call.allowed(PATCH_RULES.get(field), target(seen))) {
                throw ApiException.forbidden("Access was denied: changing '" + field + "' needs policy " + PATCH_RULES.get(field));
            }
        }
        Node updated = nodes.update(seen.uuid(), current -> {
            ObjectNode doc = patchDocument(current, call);
            JsonPatch.apply(doc, ops);
            return draftFrom(doc, current);
        });
        call.ctx().json(nodeJson(call, updated, baseUrl.of(call.ctx()), NodeJson.NODE_FIELDS));
    }

    private static ObjectNode patchDocument(Node n, Call call) {
        ObjectNode doc = call.json().createObjectNode();
        doc.put("name", n.name());
        doc.put("driver", n.driver());
        doc.set("driver_info", n.driverInfo().deepCopy());
        doc.set("properties", n.properties().deepCopy());
        doc.put("resource_class", n.resourceClass());
        doc.put("lessee", n.lessee());
        doc.put("owner", n.owner());
        doc.set("traits", call.json().valueToTree(n.traits()));
        doc.put("description", n.description());
        doc.set("extra", n.extra().deepCopy());
        doc.set("instance_info", n.instanceInfo().deepCopy());
        doc.put("instance_uuid", n.instanceUuid() == null ? null : n.instanceUuid().toString());
        return doc;
    }

    private NodeDraft draftFrom(ObjectNode doc, Node current) {
        String owner = Jsons.optString(doc, "owner");
        String lessee = Jsons.optString(doc, "lessee");
        String instanceUuid = Jsons.optString(doc, "instance_uuid");
        String driver = Jsons.optString(doc, "driver");
        if (driver == null) {
            throw ApiException.badRequest("'driver' cannot be removed");
        }
        return new NodeDraft(Optional.of(current.uuid()), Jsons.optString(doc, "name"), driver,
                objectOrEmpty(doc, "driver_info"), Jsons.optString(doc, "resource_class"), objectOrEmpty(doc, "properties"),
                objectOrEmpty(doc, "instance_info"), instanceUuid == null ? null : Ids.parseUuid(instanceUuid, "instance_uuid"),
                objectOrEmpty(doc, "extra"), Jsons.optString(doc, "description"),
                owner == null ? null : (owner.equals(current.owner()) ? owner : nodes.projectId(owner, "owner")),
                lessee == null ? null : (lessee.equals(current.lessee()) ? lessee : nodes.projectId(lessee, "lessee")),
                NodeService.traits(doc.get("traits")), current.maintenance(), current.maintenanceReason());
    }

    private void delete(Call call) {
        IronicVersion.negotiate(call.ctx());
        Node n = visible(call);
        call.authorize(target(n));
        if (n.lessee() != null && !call.caller().isAdmin()) {
            throw ApiException.conflict("Node " + n.uuid() + " is leased to project " + n.lessee() + "; it can be deleted once the lease ends");
        }
        nodes.delete(n.uuid());
        call.ctx().status(204);
    }

    private void maintenance(Call call, boolean on) {
        IronicVersion.negotiate(call.ctx());
        Node n = visible(call);
        call.authorize(target(n));
        String reason = null;
        if (on && call.ctx().bodyAsBytes().length > 0) {
            ObjectNode body = call.bodyObject();
            Jsons.requireOnly(body, Set.of("reason"), "the maintenance request");
            reason = Jsons.optString(body, "reason");
        }
        String why = reason;
        nodes.update(n.uuid(), current -> {
            NodeDraft d = NodeDraft.of(current);
            return new NodeDraft(d.uuid(), d.name(), d.driver(), d.driverInfo(), d.resourceClass(), d.properties(),
                    d.instanceInfo(), d.instanceUuid(), d.extra(), d.description(), d.owner(), d.lessee(), d.traits(), on,
                    on ? why : null);
        });
        call.ctx().status(202);
    }

    /** The node named in the path if the caller may see it; otherwise 404, as if it did not exist. */
    Node visible(Call call) {
        Node n = nodes.find(call.pathParam("ident"));
        if (!call.allowed("baremetal:node:get", target(n))) {
            throw ApiException.notFound("Node " + call.pathParam("ident") + " could not be found.");
        }
        return n;
    }

    public static Map<String, Object> target(Node n) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("node.owner", n.owner());
        t.put("node.lessee", n.lessee());
        t.put("node.uuid", n.uuid().toString());
        return t;
    }

    private static ObjectNode objectOrEmpty(JsonNode parent, String field, Call call) {
        ObjectNode o = Jsons.optObject(parent, field);
        return o == null ? call.json().createObjectNode() : o;
    }

    private static ObjectNode objectOrEmpty(ObjectNode parent, String field) {
        ObjectNode o = Jsons.optObject(parent, field);
        return o == null ? parent.objectNode() : o;
    }
}
