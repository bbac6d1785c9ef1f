package org.esi.lease;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.IdempotencyKeys;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.Caller;
import org.esi.http.HttpApi;
import org.esi.http.Ids;
import org.esi.http.Jsons;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.identity.Project;
import org.esi.node.Node;
import org.esi.node.NodeRoutes;

/** {@code /lease/v1/offers} and {@code /lease/v1/leases}: ESI-Leap's API with the contract's fixes. */
public final class LeaseRoutes {
    static final int DEFAULT_LIMIT = 1000;
    /** As the database's check constraints; checked first so that a long name is not judged on its times. */
    private static final int NAME_MAX = 255;
    private static final Set<String> OFFER_CREATE = Set.of("name", "lessee_id", "resource_type", "resource_uuid", "start_time", "end_time", "properties", "price");
    private static final Set<String> CLAIM = Set.of("name", "start_time", "end_time", "properties", "purpose");
    private static final Set<String> LEASE_CREATE = Set.of("name", "project_id", "resource_type", "resource_uuid", "start_time", "end_time", "properties", "purpose");
    private static final Set<String> OFFER_LIST = Set.of("project_id", "resource_type", "resource_uuid", "resource_class", "status",
            "start_time", "end_time", "available_start_time", "available_end_time", "lessee_id", "lessee", "name", "uuid", "limit", "marker", "site");
    private static final Set<String> LEASE_LIST = Set.of("project_id", "owner_id", "status", "offer_uuid", "resource_type", "resource_uuid",
            "resource_class", "purpose", "start_time", "end_time", "view", "name", "uuid", "limit", "marker", "site");

    private final LeaseService leases;
    private final BaseUrl baseUrl;
    private final java.time.Clock clock;
    /** Federated reads and claims ({@code site=}); null where a test builds the routes without a federation. */
    private final org.esi.federation.PeerCalls peers;

    public LeaseRoutes(LeaseService leases, BaseUrl baseUrl, java.time.Clock clock, org.esi.federation.PeerCalls peers) {
        this.leases = leases;
        this.baseUrl = baseUrl;
        this.clock = clock;
        this.peers = peers;
    }

    public void register(HttpApi api) {
        api.get("/lease", Access.anonymous(), c -> c.ctx().json(versions(c)));
        api.get("/lease/v1", Access.rule("esi_leap:api:get"), c -> {
            c.authorize(Map.of());
            c.ctx().json(versions(c));
        });
        api.post("/lease/v1/offers", Access.rule("esi_leap:offer:create"), this::createOffer);
        api.get("/lease/v1/offers", Access.rule("esi_leap:offer:list"), this::listOffers);
        api.get("/lease/v1/offers/{id}", Access.rule("esi_leap:offer:get"), this::showOffer);
        api.delete("/lease/v1/offers/{id}", Access.rule("esi_leap:offer:delete"), this::deleteOffer);
        api.post("/lease/v1/offers/{id}/claim", Access.rule("esi_leap:offer:claim"), this::claim);
        api.post("/lease/v1/leases", Access.rule("esi_leap:lease:create"), this::createLease);
        api.get("/lease/v1/leases", Access.rule("esi_leap:lease:list"), this::listLeases);
        api.get("/lease/v1/leases/{id}", Access.rule("esi_leap:lease:get"), this::showLease);
        api.patch("/lease/v1/leases/{id}", Access.rule("esi_leap:lease:update"), this::updateLease);
        api.delete("/lease/v1/leases/{id}", Access.rule("esi_leap:lease:delete"), this::deleteLease);
    }

    private Map<String, Object> versions(Call c) {
        Map<String, Object> v1 = new LinkedHashMap<>();
        v1.put("id", "v1.0");
        v1.put("status", "CURRENT");
        v1.put("links", List.of(Map.of("href", baseUrl.of(c.ctx()) + "/lease/v1/", "rel", "self")));
        return Map.of("name", "ESI Leap API", "default_version", v1, "versions", List.of(v1));
    }

    // --- offers

    private void createOffer(Call call) {
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, OFFER_CREATE, "an offer");
        Node node = leases.node(Jsons.optString(body, "resource_type"), Jsons.requireString(body, "resource_uuid"));
        requireVisible(call, node);
        call.authorize(NodeRoutes.target(node));
        String lessee = Optional.ofNullable(Jsons.optString(body, "lessee_id")).map(p -> leases.project(p).id()).orElse(null);
        Offer o = leases.createOffer(call.caller(), new LeaseService.OfferRequest(Jsons.optString(body, "name", NAME_MAX), node, lessee,
                time(body, "start_time"), time(body, "end_time"), props(body, call), org.esi.market.Money.optionalPrice(body, "price")));
        call.ctx().status(201).json(offerJson(leases.store().offerView(o.uuid()).orElseThrow()));
    }

    private void listOffers(Call call) {
        Query q = call.query(OFFER_LIST);
        call.authorize(Map.of());
        Optional<String> site = q.string("site");
        if (site.isPresent()) {
            call.ctx().json(federated(call).list(call.caller(), site.get(), "/lease/v1/offers", queryWithoutSite(call), "offers",
                    () -> offers(call, q)));
            return;
        }
        call.ctx().json(offers(call, q));
    }

    private org.esi.federation.PeerCalls federated(Call call) {
        if (peers == null) {
            throw ApiException.badRequest("This site has no federation: 'site' is not accepted");
        }
        return peers;
    }

    /** The caller's query string minus {@code site}, for the same query at a peer. */
    private static String queryWithoutSite(Call call) {
        String raw = call.ctx().queryString();
        if (raw == null) {
            return "";
        }
        return String.join("&", java.util.Arrays.stream(raw.split("&"))
                .filter(p -> !p.isEmpty() && !p.equals("site") && !p.startsWith("site=")).toList());
    }

    /** Today's answer of {@code GET /lease/v1/offers}: this site's first page and its next link. */
    private Map<String, Object> offers(Call call, Query q) {
        Caller caller = call.caller();
        StringBuilder where = new StringBuilder("true");
        Map<String, Object> args = new HashMap<>();
        if (!call.allowed("esi_leap:offer:list_all", Map.of())) {
            where.append(" and (o.project_id = :me or (o.lessee_id is null or o.lessee_id = any(:ancestry)))");
            args.put("me", caller.projectId());
            args.put("ancestry", leases.ancestry(caller.projectId()).toArray(new String[0]));
        }
        q.string("project_id").ifPresent(p -> eq(where, args, "o.project_id", "project", projectId(p)));
        q.string("lessee_id").or(() -> q.string("lessee")).ifPresent(p -> eq(where, args, "o.lessee_id", "lessee", projectId(p)));
        q.string("resource_type").ifPresent(t -> {
            LeaseService.requireResourceType(t);
            eq(where, args, "o.resource_type", "rtype", t);
        });
        q.string("resource_uuid").ifPresent(r -> eq(where, args, "o.resource_uuid", "ruuid", leases.nodes().lookup(r).map(Node::uuid)
                .orElse(new UUID(0, 0))));
        q.string("resource_class").ifPresent(r -> {
            where.append(" and o.resource_uuid in (select uuid from node where resource_class = :rclass)");
            args.put("rclass", r);
        });
        q.string("name").ifPresent(n -> eq(where, args, "o.name", "name", n));
        q.uuid("uuid").ifPresent(u -> eq(where, args, "o.uuid", "uuid", u));
        statusFilter(q, where, args, "o.status", List.of("available", "error"),
                List.of("available", "expired", "deleted", "error"));
        Optional<Instant[]> range = range(q, "start_time", "end_time");
        range.ifPresent(r -> {
            where.append(" and o.start_time <= :rs and o.end_time >= :re");
            args.put("rs", LeaseStore.utc(r[0]));
            args.put("re", LeaseStore.utc(r[1]));
        });
        Optional<Instant[]> free = range(q, "available_start_time", "available_end_time");
        free.ifPresent(r -> where.append(" and o.status = 'available'"));
        int limit = limit(q);
        q.uuid("marker").ifPresent(m -> {
            where.append(" and (o.created_at, o.uuid) > (select created_at, uuid from offer where uuid = :marker)");
            args.put("marker", m);
        });
        // free is the offer's window minus its live leases, kept on the row with every lease change.
        List<LeaseStore.OfferView> found = free.isPresent()
                ? leases.store().availableOffers(where.toString(), args, free.get()[0], free.get()[1], limit + 1)
                : leases.store().offers(where.toString(), args, limit + 1);
        boolean more = found.size() > limit;
        List<LeaseStore.OfferView> page = more ? found.subList(0, limit) : found;
        Instant now = clock.instant();
        List<Map<String, Object>> out = new ArrayList<>();
        for (LeaseStore.OfferView v : page) {
            out.add(LeaseJson.offer(v, availabilities(v, now)));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("offers", out);
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), page.get(page.size() - 1).offer().uuid().toString(), limit));
        }
        return body;
    }

    private void showOffer(Call call) {
        LeaseStore.OfferView v = visibleOffer(call);
        call.authorize(offerTarget(v.offer()));
        call.ctx().json(offerJson(v));
    }

    private void deleteOffer(Call call) {
        LeaseStore.OfferView v = visibleOffer(call);
        call.authorize(offerTarget(v.offer()));
        leases.deleteOffer(v.offer().uuid());
        call.ctx().status(200).result("null").contentType("application/json");
    }

    private void claim(Call call) {
        String site = call.ctx().queryParam("site");
        if (site != null && (peers == null || !site.equals(peers.siteName()))) {
            // Forwarded as it came (body and Idempotency-Key): the peer judges it, and nothing is written here.
            // The peer checks the offer itself; here only that the caller may claim at all. A name is local, so a UUID.
            call.authorize(Map.of());
            String uuid = Ids.parseUuid(call.pathParam("id"), "offer").toString();
            org.esi.federation.PeerCalls.Answer a = federated(call).post(call.caller(), site, "/lease/v1/offers/" + uuid + "/claim",
                    call.ctx().bodyAsBytes(), call.ctx().header(IdempotencyKeys.HEADER));
            if (a.replayed() != null) {
                call.ctx().header(IdempotencyKeys.REPLAYED_HEADER, a.replayed());
            }
            call.ctx().status(a.status());
            if (a.body() == null) {
                call.ctx().result("");
            } else {
                call.ctx().json(a.body());
            }
            return;
        }
        LeaseStore.OfferView v = visibleOffer(call);
        call.authorize(offerTarget(v.offer()));
        Offer o = v.offer();
        Caller caller = call.caller();
        if (!caller.isAdmin() && o.lesseeId() != null && !leases.ancestry(caller.projectId()).contains(o.lesseeId())) {
            throw ApiException.forbidden("Offer " + o.uuid() + " is restricted to project " + v.lesseeName() + " and the projects below it");
        }
        ObjectNode body = call.ctx().bodyAsBytes().length == 0 ? call.json().createObjectNode() : call.bodyObject();
        Jsons.requireOnly(body, CLAIM, "a claim");
        LeaseService.Claim claim = leases.claim(caller, o.uuid(), new LeaseService.ClaimRequest(Jsons.optString(body, "name", NAME_MAX),
                time(body, "start_time"), time(body, "end_time"), props(body, call), Jsons.optString(body, "purpose", NAME_MAX),
                IdempotencyKeys.of(call, caller.projectId(), "claim " + o.uuid())));
        Lease l = claim.lease();
        if (claim.replayed()) {
            call.ctx().header(IdempotencyKeys.REPLAYED_HEADER, "true");
        }
        // The names come from the offer as read for this claim: no second read of what was just written.
        call.ctx().status(201).json(LeaseJson.lease(new LeaseStore.LeaseView(l, caller.projectName(), v.projectName(), v.nodeName(),
                v.resourceClass(), v.nodeProperties())));
    }

    /** Offers the caller owns, or may claim (no lessee, or its lessee is the caller's project or above it). */
    private LeaseStore.OfferView visibleOffer(Call call) {
        UUID uuid = leases.offerUuid(call.pathParam("id"));
        LeaseStore.OfferView v = leases.store().offerView(uuid).orElseThrow(() -> ApiException.notFound("Offer " + call.pathParam("id") + " could not be found."));
        Caller caller = call.caller();
        Offer o = v.offer();
        boolean visible = call.allowed("esi_leap:offer:list_all", Map.of()) || o.projectId().equals(caller.projectId())
                || o.lesseeId() == null || leases.ancestry(caller.projectId()).contains(o.lesseeId());
        if (!visible) {
            throw ApiException.notFound("Offer " + call.pathParam("id") + " could not be found.");
        }
        return v;
    }

    private Map<String, Object> offerJson(LeaseStore.OfferView v) {
        return LeaseJson.offer(v, availabilities(v, clock.instant()));
    }

    /** The offer's free time from now on; nothing for an offer that is not available. */
    static List<Instant[]> availabilities(LeaseStore.OfferView v, Instant now) {
        if (v.offer().status() != OfferStatus.AVAILABLE) {
            return List.of();
        }
        return Availability.from(v.free(), LeaseTimes.micros(now));
    }

    static Map<String, Object> offerTarget(Offer o) {
        Map<String, Object> t = new HashMap<>();
        t.put("offer.project_id", o.projectId());
        t.put("offer.lessee_id", o.lesseeId());
        return t;
    }

    // --- leases

    private void createLease(Call call) {
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, LEASE_CREATE, "a lease");
        Node node = leases.node(Jsons.optString(body, "resource_type"), Jsons.requireString(body, "resource_uuid"));
        requireVisible(call, node);
        call.authorize(NodeRoutes.target(node));
        Project lessee = leases.project(Jsons.requireString(body, "project_id"));
        Lease l = leases.createLease(call.caller(), new LeaseService.LeaseRequest(Jsons.optString(body, "name", NAME_MAX), node, lessee.id(),
                time(body, "start_time"), time(body, "end_time"), props(body, call), Jsons.optString(body, "purpose", NAME_MAX)));
        call.ctx().status(201).json(LeaseJson.lease(leases.store().leaseView(l.uuid()).orElseThrow()));
    }

    private void listLeases(Call call) {
        Query q = call.query(LEASE_LIST);
        call.authorize(Map.of());
        Optional<String> site = q.string("site");
        if (site.isPresent()) {
            call.ctx().json(federated(call).list(call.caller(), site.get(), "/lease/v1/leases", queryWithoutSite(call), "leases",
                    () -> leases(call, q)));
            return;
        }
        call.ctx().json(leases(call, q));
    }

    /** Today's answer of {@code GET /lease/v1/leases}: this site's first page and its next link. */
    private Map<String, Object> leases(Call call, Query q) {
        Caller caller = call.caller();
        boolean admin = call.allowed("esi_leap:lease:list_all", Map.of());
        Optional<String> view = q.string("view");
        if (view.isPresent() && !view.get().equals("all")) {
            throw ApiException.badRequest("view must be 'all'");
        }
        if (view.isPresent() && !admin) {
            throw ApiException.forbidden("Only an admin may list every lease (view=all)");
        }
        StringBuilder where = new StringBuilder("true");
        Map<String, Object> args = new HashMap<>();
        Optional<String> project = q.string("project_id").map(this::projectId);
        Optional<String> owner = q.string("owner_id").map(this::projectId);
        List<String> branches = List.of("true");
        if (!admin || (view.isEmpty() && project.isEmpty() && owner.isEmpty())) {
            branches = List.of("l.project_id = :me", "l.owner_id = :me");
            args.put("me", caller.projectId());
        }
        project.ifPresent(p -> eq(where, args, "l.project_id", "project", p));
        owner.ifPresent(p -> eq(where, args, "l.owner_id", "owner", p));
        q.uuid("offer_uuid").ifPresent(u -> eq(where, args, "l.offer_uuid", "offer", u));
        q.string("resource_type").ifPresent(t -> {
            LeaseService.requireResourceType(t);
            eq(where, args, "l.resource_type", "rtype", t);
        });
        q.string("resource_uuid").ifPresent(r -> eq(where, args, "l.resource_uuid", "ruuid", leases.nodes().lookup(r).map(Node::uuid)
                .orElse(new UUID(0, 0))));
        q.string("resource_class").ifPresent(r -> {
            where.append(" and l.resource_uuid in (select uuid from node where resource_class = :rclass)");
            args.put("rclass", r);
        });
        q.string("purpose").ifPresent(p -> eq(where, args, "l.purpose", "purpose", p));
        q.string("name").ifPresent(n -> eq(where, args, "l.name", "name", n));
        q.uuid("uuid").ifPresent(u -> eq(where, args, "l.uuid", "uuid", u));
        statusFilter(q, where, args, "l.status", List.of("created", "active", "error", "wait fulfill", "wait expire", "wait cancel"),
                List.of("created", "active", "expired", "deleted", "error", "wait fulfill", "wait expire", "wait cancel"));
        range(q, "start_time", "end_time").ifPresent(r -> {
            where.append(" and l.start_time < :re and l.end_time > :rs");
            args.put("rs", LeaseStore.utc(r[0]));
            args.put("re", LeaseStore.utc(r[1]));
        });
        int limit = limit(q);
        q.uuid("marker").ifPresent(m -> {
            where.append(" and (l.created_at, l.uuid) > (select created_at, uuid from lease where uuid = :marker)");
            args.put("marker", m);
        });
        List<LeaseStore.LeaseView> found = leases.store().leases(branches, where.toString(), args, limit + 1);
        boolean more = found.size() > limit;
        List<LeaseStore.LeaseView> page = more ? found.subList(0, limit) : found;
        List<Map<String, Object>> out = new ArrayList<>();
        page.forEach(v -> out.add(LeaseJson.lease(v)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leases", out);
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), page.get(page.size() - 1).lease().uuid().toString(), limit));
        }
        return body;
    }

    private void showLease(Call call) {
        LeaseStore.LeaseView v = visibleLease(call);
        call.authorize(leaseTarget(v.lease()));
        call.ctx().json(LeaseJson.lease(v));
    }

    private void updateLease(Call call) {
        LeaseStore.LeaseView v = visibleLease(call);
        call.authorize(leaseTarget(v.lease()));
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("end_time"), "a lease update (only end_time may change)");
        Instant end = time(body, "end_time");
        if (end == null) {
            throw ApiException.badRequest("end_time is required");
        }
        leases.updateEnd(call.caller(), v.lease().uuid(), end);
        call.ctx().json(LeaseJson.lease(leases.store().leaseView(v.lease().uuid()).orElseThrow()));
    }

    private void deleteLease(Call call) {
        LeaseStore.LeaseView v = visibleLease(call);
        call.authorize(leaseTarget(v.lease()));
        leases.cancel(v.lease().uuid());
        call.ctx().status(200).result("null").contentType("application/json");
    }

    private LeaseStore.LeaseView visibleLease(Call call) {
        UUID uuid = leases.leaseUuid(call.pathParam("id"));
        Optional<LeaseStore.LeaseView> v = leases.store().leaseView(uuid);
        if (v.isEmpty() || !call.allowed("esi_leap:lease:get", leaseTarget(v.get().lease()))) {
            throw ApiException.notFound("Lease " + call.pathParam("id") + " could not be found.");
        }
        return v.get();
    }

    static Map<String, Object> leaseTarget(Lease l) {
        Map<String, Object> t = new HashMap<>();
        t.put("lease.project_id", l.projectId());
        t.put("lease.owner_id", l.ownerId());
        return t;
    }

    // --- helpers

    private void requireVisible(Call call, Node node) {
        if (!call.allowed("baremetal:node:get", NodeRoutes.target(node))) {
            throw ApiException.notFound("Node " + node.uuid() + " could not be found.");
        }
    }

    /** A project filter value: id or name; an unknown one matches nothing rather than erroring. */
    private String projectId(String idOrName) {
        return leases.findProject(idOrName).map(Project::id).orElse(idOrName);
    }

    private static void eq(StringBuilder where, Map<String, Object> args, String column, String param, Object value) {
        where.append(" and ").append(column).append(" = :").append(param);
        args.put(param, value);
    }

    private static void statusFilter(Query q, StringBuilder where, Map<String, Object> args, String column, List<String> defaults, List<String> known) {
        Optional<String> status = q.string("status");
        if (status.isPresent() && status.get().equals("any")) {
            return;
        }
        List<String> wanted = status.map(s -> List.of(s.split(","))).orElse(defaults).stream().map(String::trim).toList();
        for (String s : wanted) {
            if (!known.contains(s)) {
                throw ApiException.badRequest("Unknown status '" + Jsons.clip(s) + "'; use one of " + String.join(", ", known) + " or any");
            }
        }
        if (column.equals("l.status") && new java.util.HashSet<>(wanted).equals(new java.util.HashSet<>(defaults))) {
            // Spelled as the partial indexes on live leases are, so the planner can use them.
            where.append(" and l.status not in ('expired', 'deleted')");
            return;
        }
        where.append(" and ").append(column).append(" = any(:statuses)");
        args.put("statuses", wanted.toArray(new String[0]));
    }

    private static Optional<Instant[]> range(Query q, String startName, String endName) {
        Optional<String> s = q.string(startName);
        Optional<String> e = q.string(endName);
        if (s.isPresent() != e.isPresent()) {
            throw ApiException.badRequest(startName + " and " + endName + " must be given together");
        }
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Instant a = LeaseTimes.parse(s.get(), startName);
        Instant b = LeaseTimes.parse(e.get(), endName);
        if (!a.isBefore(b)) {
            throw ApiException.badRequest(startName + " must be before " + endName);
        }
        return Optional.of(new Instant[] {a, b});
    }

    private static int limit(Query q) {
        return Math.min(q.positiveInt("limit").orElse(DEFAULT_LIMIT), DEFAULT_LIMIT);
    }

    private static Instant time(ObjectNode body, String field) {
        return LeaseTimes.parse(Jsons.optString(body, field), field);
    }

    private static ObjectNode props(ObjectNode body, Call call) {
        ObjectNode p = Jsons.optObject(body, "properties");
        return p == null ? call.json().createObjectNode() : p;
    }
}
