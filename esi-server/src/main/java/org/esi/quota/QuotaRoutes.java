package org.esi.quota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.lease.LeaseTimes;

/** {@code /market/v1/quotas}: per-project limits on leasing and their current use (docs/quotas.md). */
public final class QuotaRoutes {
    /** Each quota shown carries its current use (two queries), so pages are shorter than the accounts'. */
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int MAX_NODES = 1_000_000;
    private static final Set<String> BODY = Set.of("max_leased_nodes", "max_node_hours", "period");
    private final QuotaService quotas;
    private final IdentityService identity;
    private final BaseUrl baseUrl;
    private final Clock clock;

    public QuotaRoutes(QuotaService quotas, IdentityService identity, BaseUrl baseUrl, Clock clock) {
        this.quotas = quotas;
        this.identity = identity;
        this.baseUrl = baseUrl;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.get("/market/v1/quotas", Access.rule("esi:market:quota:list"), this::list);
        api.get("/market/v1/quotas/{project}", Access.rule("esi:market:quota:get"), this::show);
        api.put("/market/v1/quotas/{project}", Access.rule("esi:market:quota:set"), this::set);
        api.delete("/market/v1/quotas/{project}", Access.rule("esi:market:quota:delete"), this::delete);
    }

    private void list(Call call) {
        Query q = call.query(Set.of("limit", "marker"));
        call.authorize(Map.of());
        int limit = Math.min(q.positiveInt("limit").orElse(DEFAULT_LIMIT), MAX_LIMIT);
        Optional<String> marker = q.string("marker");
        Map<String, Object> body = new LinkedHashMap<>();
        if (call.caller().isAdmin()) {
            List<Quota> found = quotas.store().list(marker, limit + 1);
            boolean more = found.size() > limit;
            List<Quota> page = more ? found.subList(0, limit) : found;
            body.put("quotas", page.stream().map(this::json).toList());
            if (more) {
                body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), page.get(page.size() - 1).projectId(), limit));
            }
        } else {
            // One's own quota, shown without limits when there is none (a GET creates nothing).
            String own = call.caller().projectId();
            Quota mine = quotas.store().find(own).orElse(unlimited(own, call.caller().projectName()));
            body.put("quotas", marker.isPresent() ? List.of() : List.of(json(mine)));
        }
        call.ctx().json(body);
    }

    private void show(Call call) {
        call.query(Set.of());
        String ref = call.pathParam("project");
        // Another project's quota is not even visible: 404, as for a project that does not exist.
        Project p = identity.findProject(ref)
                .filter(x -> call.allowed("esi:market:quota:get", target(x.id())))
                .orElseThrow(() -> ApiException.notFound("Quota of project " + Jsons.clip(ref) + " could not be found."));
        call.authorize(target(p.id()));
        call.ctx().json(json(quotas.store().find(p.id()).orElse(unlimited(p.id(), p.name()))));
    }

    private void set(Call call) {
        Project p = project(call);
        call.authorize(target(p.id()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, BODY, "a quota");
        Integer nodes = maxNodes(body.get("max_leased_nodes"));
        Long hours = NodeHours.optionalLimit(body.get("max_node_hours"), "max_node_hours");
        Period period = period(body.get("period"));
        if (nodes == null && hours == null) {
            throw ApiException.badRequest("A quota needs max_leased_nodes or max_node_hours; DELETE removes the quota");
        }
        if (hours != null && period == null) {
            throw ApiException.badRequest("'period' (day, week or month) is required with max_node_hours");
        }
        if (!quotas.store().put(p.id(), nodes, hours, period, clock.instant())) {
            throw ApiException.notFound("Project " + Jsons.clip(p.name()) + " could not be found.");
        }
        call.ctx().json(json(quotas.store().find(p.id()).orElseThrow()));
    }

    private void delete(Call call) {
        Project p = project(call);
        call.authorize(target(p.id()));
        if (!quotas.store().delete(p.id())) {
            throw ApiException.notFound("Project " + p.name() + " has no quota.");
        }
        call.ctx().status(204);
    }

    private Project project(Call call) {
        String ref = call.pathParam("project");
        return identity.findProject(ref).orElseThrow(() -> ApiException.notFound("Project " + Jsons.clip(ref) + " could not be found."));
    }

    private static Integer maxNodes(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1 || node.intValue() > MAX_NODES) {
            throw ApiException.badRequest("'max_leased_nodes' must be a whole number from 1 to " + MAX_NODES + ", or null");
        }
        return node.intValue();
    }

    private static Period period(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return Optional.ofNullable(node.isTextual() ? node.textValue() : null).flatMap(Period::of)
                .orElseThrow(() -> ApiException.badRequest("'period' must be one of day, week, month"));
    }

    private static Quota unlimited(String projectId, String projectName) {
        return new Quota(projectId, projectName, null, null, null, null);
    }

    private static Map<String, Object> target(String projectId) {
        return Map.of("quota.project_id", projectId);
    }

    private Map<String, Object> json(Quota q) {
        QuotaService.Usage u = quotas.usage(q);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("project_id", q.projectId());
        m.put("project", q.projectName());
        m.put("max_leased_nodes", q.maxLeasedNodes());
        m.put("max_node_hours", q.maxNodeHours() == null ? null : NodeHours.format(q.maxNodeHours()));
        m.put("period", q.period() == null ? null : q.period().word());
        m.put("leased_nodes", u.leasedNodes());
        m.put("node_hours", u.periodStart() == null ? null : NodeHours.formatMicros(u.nodeHoursMicros()));
        m.put("period_start", LeaseTimes.format(u.periodStart()));
        m.put("updated_at", LeaseTimes.format(q.updatedAt()));
        return m;
    }
}
