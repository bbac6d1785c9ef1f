package org.esi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.lease.LeaseTimes;
import org.esi.network.NetworkService;
import org.esi.cluster.openshift.OpenShiftOption;
import org.esi.cluster.openshift.OpenShiftSettings;

/** {@code /cluster/v1}: pools of leased machines (clusters.md). A second face over {@link PoolService}. */
public final class PoolRoutes {
    private static final Set<String> CREATE = Set.of("name", "resource_class", "properties", "min_size", "max_size", "desired_size",
            "lease_duration", "renew_before", "deploy", "networks", "labels", "max_price", OpenShiftOption.FIELD);
    private static final Set<String> PATCH = Set.of("min_size", "max_size", "desired_size", "lease_duration", "renew_before", "labels", "max_price",
            OpenShiftOption.FIELD);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Duration DEFAULT_LEASE = Duration.ofDays(1);
    private static final Duration DEFAULT_RENEW = Duration.ofHours(1);

    private final PoolService pools;
    private final NetworkService networks;
    private final Clock clock;
    private final OpenShiftOption openshift;

    public PoolRoutes(PoolService pools, NetworkService networks, Clock clock) {
        this(pools, networks, clock, null);
    }

    /** With {@code openshift} (null: pools cannot have the option). */
    public PoolRoutes(PoolService pools, NetworkService networks, Clock clock, OpenShiftOption openshift) {
        this.pools = pools;
        this.networks = networks;
        this.clock = clock;
        this.openshift = openshift;
    }

    public void register(HttpApi api) {
        api.post("/cluster/v1/pools", Access.rule("esi:cluster:pool:create"), this::create);
        api.get("/cluster/v1/pools", Access.rule("esi:cluster:pool:list"), this::list);
        api.get("/cluster/v1/pools/{id}", Access.rule("esi:cluster:pool:get"), this::show);
        api.patch("/cluster/v1/pools/{id}", Access.rule("esi:cluster:pool:update"), this::patch);
        api.delete("/cluster/v1/pools/{id}", Access.rule("esi:cluster:pool:delete"), this::delete);
        api.get("/cluster/v1/pools/{id}/members", Access.rule("esi:cluster:pool:get"), this::members);
        api.delete("/cluster/v1/pools/{id}/members/{node}", Access.rule("esi:cluster:pool:update"), this::removeMember);
        api.get("/cluster/v1/pools/{id}/history", Access.rule("esi:cluster:pool:get"), this::history);
    }

    private void create(Call call) {
        call.authorize(Map.of());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, CREATE, "a pool");
        String name = Jsons.requireString(body, "name");
        if (!NAME.matcher(name).matches()) {
            throw ApiException.badRequest("name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String rc = Jsons.requireString(body, "resource_class");
        if (rc.isBlank() || rc.length() > 80) {
            throw ApiException.badRequest("resource_class must be 1 to 80 characters");
        }
        int max = requireInt(body, "max_size");
        int min = optInt(body, "min_size", 0);
        int desired = optInt(body, "desired_size", min);
        OpenShiftSettings os = openShift(body, name);
        Deployment deploy = os != null ? Deployment.bootIso(os.apiUrl()) : Deployment.parse(body.get("deploy"));
        String project = call.caller().projectId();
        java.time.Instant now = clock.instant();
        Pool p = new Pool(UUID.randomUUID(), name, project, rc, PropertyMatch.parseAll(body.get("properties")), min, max, desired,
                duration(body, "lease_duration", DEFAULT_LEASE), duration(body, "renew_before", DEFAULT_RENEW), deploy,
                networks(body.get("networks"), project), labels(body.get("labels")), null, null, false, now, now,
                org.esi.market.Money.optionalPrice(body, "max_price"));
        Pool made = os == null ? pools.create(p) : pools.create(p, h -> openshift.insert(h, p.uuid(), os));
        call.ctx().status(201).json(view(made));
    }

    private void list(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        List<Object> out = new ArrayList<>();
        for (Pool p : pools.visible(call.caller())) {
            out.add(view(p));
        }
        call.ctx().json(Map.of("pools", out));
    }

    private Pool visible(Call call) {
        Pool p = pools.find(call.caller(), call.pathParam("id"));
        call.authorize(Map.of("pool.project_id", p.projectId()));
        return p;
    }

    private void show(Call call) {
        Pool p = visible(call);
        call.ctx().json(view(p));
    }

    private void patch(Call call) {
        Pool p = visible(call);
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, PATCH, "a pool change");
        PoolService.Change c = new PoolService.Change(optInteger(body, "min_size"), optInteger(body, "desired_size"), optInteger(body, "max_size"),
                body.has("lease_duration") ? duration(body, "lease_duration", null) : null,
                body.has("renew_before") ? duration(body, "renew_before", null) : null,
                body.has("labels") ? labels(body.get("labels")) : null,
                body.has("max_price") ? Optional.ofNullable(org.esi.market.Money.optionalPrice(body, "max_price")) : null);
        JsonNode secrets = body.get(OpenShiftOption.FIELD);
        if (secrets != null && openshift == null) {
            throw ApiException.badRequest("openshift pools are not available on this service");
        }
        // Rotated Assisted Installer secrets: checked with the rest before anything changes, written after.
        var rotate = secrets == null ? null : openshift.change(p.uuid(), secrets);
        Pool changed = secrets != null && body.size() == 1 ? p : pools.change(p, c, "changed by " + call.caller().userName());
        if (rotate != null) {
            pools.store().jdbi().useTransaction(rotate::accept);
        }
        call.ctx().json(view(changed));
    }

    private void delete(Call call) {
        pools.delete(visible(call));
        call.ctx().status(204);
    }

    private void members(Call call) {
        Pool p = visible(call);
        call.ctx().json(Map.of("members", pools.members(p).stream().filter(m -> m.leaseStatus().live()).map(PoolJson::member).toList()));
    }

    private void removeMember(Call call) {
        Pool p = visible(call);
        pools.removeMembers(p, List.of(call.pathParam("node")), "member removed by " + call.caller().userName());
        call.ctx().status(204);
    }

    private void history(Call call) {
        Pool p = visible(call);
        List<Map<String, Object>> out = new ArrayList<>();
        for (PoolStore.Scale s : pools.store().history(p.uuid(), 1000)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", LeaseTimes.format(s.at()));
            m.put("from", s.from());
            m.put("to", s.to());
            m.put("reason", s.reason());
            out.add(m);
        }
        call.ctx().json(Map.of("history", out));
    }

    /** The pool's JSON; an OpenShift pool's with its (masked) option, and the discovery ISO as what it boots. */
    private Map<String, Object> view(Pool p) {
        Map<String, Object> m = PoolJson.pool(p, pools.members(p));
        if (openshift != null) {
            openshift.describe(p.uuid()).ifPresent(o -> {
                Map<String, Object> iso = new LinkedHashMap<>();
                @SuppressWarnings("unchecked")
                Map<String, Object> ai = (Map<String, Object>) o.get("assisted_installer");
                iso.put("infra_env_id", ai.get("infra_env_id"));
                m.put("deploy", Map.of("discovery_iso", iso));
                m.put(OpenShiftOption.FIELD, o);
                if (m.get("last_error") == null) {
                    m.put("last_error", o.get("last_error"));
                }
            });
        }
        return m;
    }

    /** The {@code openshift} block, checked, or null when the pool has none; with it the pool boots the discovery ISO. */
    private OpenShiftSettings openShift(ObjectNode body, String name) {
        JsonNode block = body.get(OpenShiftOption.FIELD);
        if (block == null || block.isNull()) {
            return null;
        }
        if (openshift == null) {
            throw ApiException.badRequest("openshift pools are not available on this service");
        }
        OpenShiftSettings os = openshift.parse(block, name);
        JsonNode deploy = body.get("deploy");
        if (deploy != null && !deploy.isNull()) {
            throw ApiException.badRequest("An openshift pool's members boot the Assisted Installer's discovery ISO: leave deploy out");
        }
        return os;
    }

    // --- parsing

    /** The pool's networks, each one the project may use (its own, or shared); stored by id. */
    private List<Pool.PoolNetwork> networks(JsonNode n, String project) {
        List<Pool.PoolNetwork> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray() || n.size() > 16) {
            throw ApiException.badRequest("networks must be a list of at most 16 items {\"network\": name} or {\"trunk\": name}");
        }
        for (JsonNode item : n) {
            if (!item.isObject()) {
                throw ApiException.badRequest("networks must be a list of {\"network\": name} or {\"trunk\": name}");
            }
            Jsons.requireOnly((ObjectNode) item, Set.of("network", "trunk"), "a pool network");
            String net = Jsons.optString(item, "network", 255);
            String trunk = Jsons.optString(item, "trunk", 255);
            if ((net == null) == (trunk == null)) {
                throw ApiException.badRequest("Each pool network names exactly one of network and trunk");
            }
            if (net != null) {
                var found = networks.findNetwork(net);
                if (!found.shared() && !project.equals(found.projectId())) {
                    throw ApiException.notFound("Network " + net + " could not be found.");
                }
                out.add(new Pool.PoolNetwork(found.id(), null));
            } else {
                var found = networks.findTrunk(trunk);
                if (!project.equals(found.projectId())) {
                    throw ApiException.notFound("Trunk " + trunk + " could not be found.");
                }
                out.add(new Pool.PoolNetwork(null, found.id()));
            }
        }
        return out;
    }

    private static Map<String, String> labels(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject() || n.size() > 64) {
            throw ApiException.badRequest("labels must be an object of at most 64 string values");
        }
        var it = n.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().isTextual() || e.getKey().length() > 253 || e.getValue().textValue().length() > 63) {
                throw ApiException.badRequest("labels must be Kubernetes labels: keys up to 253 characters, string values up to 63");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static Duration duration(JsonNode body, String field, Duration dflt) {
        String text = Jsons.optString(body, field, 40);
        if (text == null) {
            if (dflt == null) {
                throw ApiException.badRequest("'" + field + "' must be an ISO 8601 duration such as P3D or PT6H");
            }
            return dflt;
        }
        try {
            return Duration.parse(text.toUpperCase(java.util.Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("'" + field + "' must be an ISO 8601 duration such as P3D or PT6H, not '" + Jsons.clip(text) + "'");
        }
    }

    private static int requireInt(JsonNode body, String field) {
        Integer v = optInteger(body, field);
        if (v == null) {
            throw ApiException.badRequest("Missing required field '" + field + "'");
        }
        return v;
    }

    private static int optInt(JsonNode body, String field, int dflt) {
        Integer v = optInteger(body, field);
        return v == null ? dflt : v;
    }

    private static Integer optInteger(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw ApiException.badRequest("'" + field + "' must be a whole number");
        }
        return n.intValue();
    }
}
