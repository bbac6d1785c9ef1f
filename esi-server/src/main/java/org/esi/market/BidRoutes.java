package org.esi.market;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.cluster.PropertyMatch;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.IdempotencyKeys;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.lease.LeaseTimes;

/** {@code /market/v1/bids} (market-api.md "Bids"): create, list, show and cancel bids. */
public final class BidRoutes {
    static final int MAX_QUANTITY = 1000;
    private static final Set<String> CREATE = Set.of("quantity", "resource_class", "properties", "start_time", "end_time", "duration",
            "not_before", "not_after", "max_price", "all_or_nothing", "expires_at");
    private final BidService bids;
    private final BaseUrl baseUrl;

    public BidRoutes(BidService bids, BaseUrl baseUrl) {
        this.bids = bids;
        this.baseUrl = baseUrl;
    }

    public void register(HttpApi api) {
        api.post("/market/v1/bids", Access.rule("esi:market:bid:create"), this::create);
        api.get("/market/v1/bids", Access.rule("esi:market:bid:list"), this::list);
        api.get("/market/v1/bids/{uuid}", Access.rule("esi:market:bid:get"), this::show);
        api.delete("/market/v1/bids/{uuid}", Access.rule("esi:market:bid:delete"), this::cancel);
    }

    private void create(Call call) {
        call.authorize(Map.of("bid.project_id", call.caller().projectId()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, CREATE, "a bid");
        List<String> properties = PropertyMatch.parseAll(body.get("properties")).stream().map(PropertyMatch::toString).toList();
        Long maxPrice = Money.optionalPrice(body, "max_price");
        Boolean allOrNothing = Jsons.optBoolean(body, "all_or_nothing");
        BidService.BidRequest r = new BidService.BidRequest(quantity(body), resourceClass(body), properties,
                time(body, "start_time"), time(body, "end_time"), duration(body), time(body, "not_before"), time(body, "not_after"),
                maxPrice == null ? 0 : maxPrice, allOrNothing == null || allOrNothing, time(body, "expires_at"));
        BidService.Created created = bids.create(call.caller(), r, IdempotencyKeys.of(call, call.caller().projectId(), "market bid"));
        if (created.replayed()) {
            call.ctx().header(IdempotencyKeys.REPLAYED_HEADER, "true");
        }
        call.ctx().status(201).json(json(created.bid(), bids.store().leases(created.bid().uuid())));
    }

    private void list(Call call) {
        Query q = call.query(Set.of("status", "limit", "marker"));
        call.authorize(Map.of());
        int limit = Math.min(q.positiveInt("limit").orElse(MarketRoutes.DEFAULT_LIMIT), MarketRoutes.MAX_LIMIT);
        Optional<BidStatus> status = q.string("status").map(s -> {
            try {
                return BidStatus.of(s);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Query parameter 'status' must be one of open, matched, partially matched, expired, "
                        + "cancelled, not '" + Jsons.clip(s) + "'");
            }
        });
        Optional<UUID> marker = q.string("marker").map(m -> Ids.parseUuid(m, "marker"));
        Optional<String> project = call.allowed("esi:market:bid:list_all", Map.of()) ? Optional.empty() : Optional.of(call.caller().projectId());
        List<Bid> found = bids.store().list(project, status, marker, limit + 1);
        boolean more = found.size() > limit;
        List<Bid> page = more ? found.subList(0, limit) : found;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("bids", page.stream().map(b -> json(b, bids.store().leases(b.uuid()))).toList());
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), page.get(page.size() - 1).uuid().toString(), limit));
        }
        call.ctx().json(body);
    }

    private void show(Call call) {
        call.query(Set.of());
        Bid b = visible(call);
        call.authorize(target(b));
        call.ctx().json(json(b, bids.store().leases(b.uuid())));
    }

    private void cancel(Call call) {
        Bid b = visible(call);
        call.authorize(target(b));
        Bid cancelled = bids.cancel(b.uuid());
        call.ctx().json(json(cancelled, bids.store().leases(b.uuid())));
    }

    /** The bid named by the path, when the caller may see it; 404 otherwise (no existence leak). */
    private Bid visible(Call call) {
        String ref = call.pathParam("uuid");
        Optional<Bid> found = Ids.looksLikeUuid(ref) ? bids.store().find(Ids.parseUuid(ref, "uuid")) : Optional.empty();
        return found.filter(b -> call.allowed("esi:market:bid:get", target(b)))
                .orElseThrow(() -> ApiException.notFound("Bid " + Jsons.clip(ref) + " could not be found."));
    }

    private static Map<String, Object> target(Bid b) {
        return Map.of("bid.project_id", b.projectId());
    }

    private static int quantity(JsonNode body) {
        JsonNode n = body.get("quantity");
        if (n == null || n.isNull()) {
            throw ApiException.badRequest("Missing required field 'quantity'");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > MAX_QUANTITY) {
            throw ApiException.badRequest("'quantity' must be a whole number from 1 to " + MAX_QUANTITY);
        }
        return n.intValue();
    }

    private static String resourceClass(JsonNode body) {
        String rc = Jsons.optString(body, "resource_class", 255);
        if (rc == null || rc.isBlank()) {
            throw ApiException.badRequest("Missing required field 'resource_class'");
        }
        return rc;
    }

    private static Instant time(JsonNode body, String field) {
        return LeaseTimes.parse(Jsons.optString(body, field), field);
    }

    private static Duration duration(JsonNode body) {
        String text = Jsons.optString(body, "duration", 40);
        if (text == null) {
            return null;
        }
        try {
            Duration d = Duration.parse(text.toUpperCase(java.util.Locale.ROOT));
            if (!d.isPositive() || d.getNano() != 0) {
                throw ApiException.badRequest("'duration' must be a positive whole number of seconds, e.g. PT48H");
            }
            return d;
        } catch (DateTimeParseException | ArithmeticException e) {
            throw ApiException.badRequest("'duration' must be an ISO 8601 duration such as PT48H, not '" + Jsons.clip(text) + "'");
        }
    }

    static Map<String, Object> json(Bid b, List<BidStore.BidLease> leases) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", b.uuid().toString());
        m.put("project_id", b.projectId());
        m.put("quantity", b.quantity());
        m.put("resource_class", b.resourceClass());
        m.put("properties", b.properties());
        m.put("start_time", b.startTime() == null ? null : LeaseTimes.format(b.startTime()));
        m.put("end_time", b.endTime() == null ? null : LeaseTimes.format(b.endTime()));
        m.put("duration", b.duration() == null ? null : b.duration().toString());
        m.put("not_before", b.notBefore() == null ? null : LeaseTimes.format(b.notBefore()));
        m.put("not_after", b.notAfter() == null ? null : LeaseTimes.format(b.notAfter()));
        m.put("max_price", Money.format(b.maxPrice()));
        m.put("all_or_nothing", b.allOrNothing());
        m.put("expires_at", LeaseTimes.format(b.expiresAt()));
        m.put("status", b.status().word());
        m.put("last_error", b.lastError());
        m.put("leases", leases.stream().map(l -> l.uuid().toString()).toList());
        m.put("cost", Money.format(leases.stream().mapToLong(l -> l.cost() == null ? 0 : l.cost()).sum()));
        m.put("created_at", LeaseTimes.format(b.createdAt()));
        m.put("updated_at", LeaseTimes.format(b.updatedAt()));
        return m;
    }
}
