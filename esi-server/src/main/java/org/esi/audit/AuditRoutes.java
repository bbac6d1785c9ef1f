package org.esi.audit;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
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
import org.esi.http.NextLink;
import org.esi.http.Query;

/**
 * {@code GET /audit/v1/records} (newest first, paged by {@code marker}, the last id shown) and
 * {@code GET /audit/v1/verify} (walks the chain in the service, so the answer does not depend on the caller
 * having database access).
 */
public final class AuditRoutes {
    static final int MAX_LIMIT = 1000;
    private static final Set<String> OUTCOMES = Set.of("success", "denied", "failed", "unknown");
    private final AuditStore store;
    private final BaseUrl baseUrl;

    public AuditRoutes(AuditStore store, BaseUrl baseUrl) {
        this.store = store;
        this.baseUrl = baseUrl;
    }

    public void register(HttpApi api) {
        api.get("/audit/v1/records", Access.rule("audit:list"), this::list);
        api.get("/audit/v1/verify", Access.rule("audit:verify"), this::verify);
    }

    private void list(Call call) {
        Query q = call.query(Set.of("user", "project", "target", "route", "outcome", "request_id", "since", "until", "limit",
                "marker"));
        call.authorize(Map.of());
        Optional<String> outcome = q.string("outcome");
        outcome.ifPresent(o -> {
            if (!OUTCOMES.contains(o)) {
                throw ApiException.badRequest("outcome must be one of success, denied, failed, unknown");
            }
        });
        Optional<Long> marker = q.string("marker").map(m -> {
            try {
                return Long.parseLong(m);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("marker must be a record id (an integer)");
            }
        });
        int limit = Math.min(q.positiveInt("limit").orElse(MAX_LIMIT), MAX_LIMIT);
        List<AuditRecord> found = store.list(new AuditStore.Filter(q.string("user"), q.string("project"), q.string("target"),
                q.string("route"), outcome, q.string("request_id"), q.string("since").map(t -> time(t, "since")), q.string("until").map(t -> time(t, "until")),
                marker, limit + 1));
        boolean more = found.size() > limit;
        List<AuditRecord> page = more ? found.subList(0, limit) : found;
        List<Map<String, Object>> out = new ArrayList<>();
        for (AuditRecord r : page) {
            out.add(json(r));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("records", out);
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), String.valueOf(page.get(page.size() - 1).id()), limit));
        }
        call.ctx().json(body);
    }

    private void verify(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        AuditStore.Verification v = store.verify();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", v.ok());
        body.put("checked", v.checked());
        if (v.ok()) {
            body.put("last_id", v.lastId());
            body.put("head_hash", v.headHash());
        } else {
            body.put("bad_record", v.badRecord());
            body.put("reason", v.reason());
        }
        call.ctx().json(body);
    }

    static Map<String, Object> json(AuditRecord r) {
        AuditEntry e = r.entry();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("time", e.recordedAt().toString());
        m.put("user_id", e.userId());
        m.put("user_name", e.userName());
        m.put("project_id", e.projectId());
        m.put("roles", e.roles());
        m.put("method", e.method());
        m.put("route", e.route());
        m.put("target_type", e.targetType());
        m.put("target_id", e.targetId());
        m.put("status", e.status());
        m.put("outcome", e.outcome());
        m.put("request_id", e.requestId());
        m.put("source_address", e.sourceAddress());
        m.put("prev_hash", HexFormat.of().formatHex(r.prevHash()));
        m.put("hash", r.hashHex());
        return m;
    }

    private static Instant time(String text, String name) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 UTC time such as 2026-01-31T12:00:00Z");
        }
    }
}
