package org.esi.market;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
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
import org.esi.http.IdempotencyKeys;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.lease.LeaseTimes;

/** {@code /market/v1}: accounts, their entries, grants and transfers (market-api.md). */
public final class MarketRoutes {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int MEMO_MAX = 1024;
    private static final Set<String> MONEY_BODY = Set.of("amount", "memo");
    private static final Set<String> TRANSFER_BODY = Set.of("to", "amount", "memo");
    private final MarketService market;
    private final IdentityService identity;
    private final BaseUrl baseUrl;

    public MarketRoutes(MarketService market, IdentityService identity, BaseUrl baseUrl) {
        this.market = market;
        this.identity = identity;
        this.baseUrl = baseUrl;
    }

    public void register(HttpApi api) {
        api.get("/market/v1/accounts", Access.rule("esi:market:account:list"), this::list);
        api.get("/market/v1/accounts/{project}", Access.rule("esi:market:account:get"), this::show);
        api.get("/market/v1/accounts/{project}/entries", Access.rule("esi:market:account:get"), this::entries);
        api.post("/market/v1/accounts/{project}/grants", Access.rule("esi:market:grant:create"), this::grant);
        api.post("/market/v1/transfers", Access.rule("esi:market:transfer:create"), this::transfer);
    }

    private void list(Call call) {
        Query q = call.query(Set.of("limit", "marker"));
        call.authorize(Map.of());
        int limit = Math.min(q.positiveInt("limit").orElse(MAX_LIMIT), MAX_LIMIT);
        Optional<String> marker = q.string("marker");
        List<Map<String, Object>> out;
        Map<String, Object> body = new LinkedHashMap<>();
        if (call.caller().isAdmin()) {
            List<MarketStore.AccountView> found = market.store().accounts(Optional.empty(), marker, limit + 1);
            boolean more = found.size() > limit;
            List<MarketStore.AccountView> page = more ? found.subList(0, limit) : found;
            out = page.stream().map(MarketRoutes::json).toList();
            body.put("accounts", out);
            if (more) {
                body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), page.get(page.size() - 1).account().projectId(), limit));
            }
        } else {
            // One's own account, shown at zero before its first use (a GET creates nothing).
            String own = call.caller().projectId();
            MarketStore.AccountView v = market.store().account(own)
                    .orElse(new MarketStore.AccountView(new Account(own, 0, 0), call.caller().projectName()));
            body.put("accounts", marker.isPresent() ? List.of() : List.of(json(v)));
        }
        call.ctx().json(body);
    }

    private void show(Call call) {
        call.query(Set.of());
        Project p = visible(call);
        call.authorize(target(p.id()));
        call.ctx().json(json(view(p)));
    }

    private void entries(Call call) {
        Query q = call.query(Set.of("limit", "marker", "kind", "since", "until"));
        Project p = visible(call);
        call.authorize(target(p.id()));
        int limit = Math.min(q.positiveInt("limit").orElse(DEFAULT_LIMIT), MAX_LIMIT);
        Optional<Long> marker = q.string("marker").map(m -> {
            try {
                long id = Long.parseLong(m);
                if (id < 1) {
                    throw new NumberFormatException();
                }
                return id;
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Query parameter 'marker' must be an entry id, not '" + Jsons.clip(m) + "'");
            }
        });
        Optional<EntryKind> kind = q.string("kind").map(k -> EntryKind.of(k).orElseThrow(() -> ApiException.badRequest(
                "Query parameter 'kind' must be one of grant, hold, settle, refund, transfer, fee, not '" + Jsons.clip(k) + "'")));
        Optional<Instant> since = q.string("since").map(s -> LeaseTimes.parse(s, "since"));
        Optional<Instant> until = q.string("until").map(s -> LeaseTimes.parse(s, "until"));
        List<Entry> found = market.store().entries(p.id(), kind, since, until, marker, limit + 1);
        boolean more = found.size() > limit;
        List<Entry> page = more ? found.subList(0, limit) : found;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", page.stream().map(MarketRoutes::json).toList());
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), Long.toString(page.get(page.size() - 1).id()), limit));
        }
        call.ctx().json(body);
    }

    private void grant(Call call) {
        Project p = identity.findProject(call.pathParam("project"))
                .orElseThrow(() -> ApiException.notFound("Project " + Jsons.clip(call.pathParam("project")) + " could not be found."));
        call.authorize(target(p.id()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, MONEY_BODY, "a grant");
        long amount = Money.positive(body, "amount");
        String memo = Jsons.optString(body, "memo", MEMO_MAX);
        MarketService.Posted posted = market.grant(p.id(), amount, memo,
                IdempotencyKeys.of(call, call.caller().projectId(), "market grant " + p.id()));
        answer(call, posted);
    }

    private void transfer(Call call) {
        call.authorize(target(call.caller().projectId()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, TRANSFER_BODY, "a transfer");
        String toName = Jsons.requireString(body, "to");
        long amount = Money.positive(body, "amount");
        String memo = Jsons.optString(body, "memo", MEMO_MAX);
        Project to = identity.findProject(toName)
                .orElseThrow(() -> ApiException.notFound("Project " + Jsons.clip(toName) + " could not be found."));
        MarketService.Posted posted = market.transfer(call.caller().projectId(), to.id(), amount, memo,
                IdempotencyKeys.of(call, call.caller().projectId(), "market transfer"));
        answer(call, posted);
    }

    private static void answer(Call call, MarketService.Posted posted) {
        if (posted.replayed()) {
            call.ctx().header(IdempotencyKeys.REPLAYED_HEADER, "true");
        }
        call.ctx().status(201).json(json(posted.entry()));
    }

    /** The project named by the path, when the caller may see its account; 404 otherwise (no existence leak). */
    private Project visible(Call call) {
        String ref = call.pathParam("project");
        return identity.findProject(ref)
                .filter(p -> call.allowed("esi:market:account:get", target(p.id())))
                .orElseThrow(() -> ApiException.notFound("Account of project " + Jsons.clip(ref) + " could not be found."));
    }

    private MarketStore.AccountView view(Project p) {
        return market.store().account(p.id()).orElse(new MarketStore.AccountView(new Account(p.id(), 0, 0), p.name()));
    }

    private static Map<String, Object> target(String projectId) {
        return Map.of("account.project_id", projectId);
    }

    static Map<String, Object> json(MarketStore.AccountView v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("project_id", v.account().projectId());
        m.put("project", v.projectName());
        m.put("balance", Money.format(v.account().balance()));
        m.put("held", Money.format(v.account().held()));
        m.put("available", Money.format(v.account().available()));
        return m;
    }

    static Map<String, Object> json(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("transaction_id", e.transactionId().toString());
        m.put("kind", e.kind().word());
        m.put("amount", Money.format(e.amount()));
        m.put("balance_after", Money.format(e.balanceAfter()));
        m.put("lease_uuid", e.leaseUuid() == null ? null : e.leaseUuid().toString());
        m.put("bid_uuid", e.bidUuid() == null ? null : e.bidUuid().toString());
        m.put("counterparty", e.counterparty());
        m.put("memo", e.memo());
        m.put("created_at", LeaseTimes.format(e.createdAt()));
        return m;
    }
}
