package org.esi.lease;

import java.time.Duration;
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
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.NextLink;
import org.esi.http.Query;
import org.esi.identity.Project;
import org.esi.node.Node;
import org.esi.node.NodeQuery;
import org.esi.node.NodeRoutes;

/** {@code /lease/v1/nodes}: the leasing view of nodes, and each node's schedule (an extension). */
public final class LeasingNodeRoutes {
    private final LeaseService leases;
    private final BaseUrl baseUrl;
    private final java.time.Clock clock;

    public LeasingNodeRoutes(LeaseService leases, BaseUrl baseUrl, java.time.Clock clock) {
        this.leases = leases;
        this.baseUrl = baseUrl;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.get("/lease/v1/nodes", Access.rule("esi_leap:node:list"), this::list);
        api.get("/lease/v1/nodes/{ident}/schedule", Access.rule("esi_leap:node:schedule"), this::schedule);
    }

    private void list(Call call) {
        Query q = call.query(Set.of("resource_class", "owner", "lessee", "name", "offer_uuid", "lease_uuid", "limit", "marker"));
        call.authorize(Map.of());
        boolean all = call.allowed("baremetal:node:list_all", Map.of());
        int limit = Math.min(q.positiveInt("limit").orElse(LeaseRoutes.DEFAULT_LIMIT), LeaseRoutes.DEFAULT_LIMIT);
        NodeQuery query = new NodeQuery(all ? Optional.empty() : Optional.of(call.caller().projectId()),
                q.string("owner").map(this::projectId), q.string("lessee").map(this::projectId), Optional.empty(),
                q.string("resource_class"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                NodeQuery.SortKey.UUID, false, q.uuid("marker"), limit + 1);
        List<Node> found = leases.nodes().store().list(query);
        Optional<String> name = q.string("name");
        boolean more = found.size() > limit;
        List<Node> page = new ArrayList<>(more ? found.subList(0, limit) : found);
        name.ifPresent(n -> page.removeIf(node -> !n.equals(node.name())));
        Map<String, String> projectNames = projectNames();
        Instant now = clock.instant();
        Map<UUID, NodeBookings> bookings = bookings(page.stream().map(Node::uuid).toList(), now);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Node n : page) {
            NodeBookings b = bookings.getOrDefault(n.uuid(), new NodeBookings());
            String leaseUuid = n.properties().path(Lifecycle.LEASE_UUID_PROPERTY).asText(null);
            if (q.string("offer_uuid").map(o -> !o.equals(b.currentOffer)).orElse(false)
                    || q.string("lease_uuid").map(l -> !l.equals(leaseUuid)).orElse(false)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("uuid", n.uuid().toString());
            m.put("name", n.name());
            m.put("owner", n.owner() == null ? null : projectNames.getOrDefault(n.owner(), n.owner()));
            m.put("lessee", n.lessee() == null ? null : projectNames.getOrDefault(n.lessee(), n.lessee()));
            m.put("resource_class", n.resourceClass());
            m.put("provision_state", n.provisionState());
            m.put("target_provision_state", n.targetProvisionState());
            m.put("power_state", n.powerState());
            m.put("target_power_state", n.targetPowerState());
            m.put("maintenance", n.maintenance() ? "True" : "False");
            m.put("properties", LeaseJson.resourceProperties(n.properties()));
            m.put("offer_uuid", b.currentOffer);
            m.put("lease_uuid", leaseUuid);
            m.put("future_offers", b.futureOffers);
            m.put("future_leases", b.futureLeases);
            out.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("nodes", out);
        if (more) {
            body.put("next", NextLink.of(baseUrl.of(call.ctx()), call.ctx(), found.get(limit - 1).uuid().toString(), limit));
        }
        call.ctx().json(body);
    }

    private static final class NodeBookings {
        String currentOffer;
        final List<String> futureOffers = new ArrayList<>();
        final List<String> futureLeases = new ArrayList<>();
    }

    private Map<UUID, NodeBookings> bookings(List<UUID> nodes, Instant now) {
        Map<UUID, NodeBookings> out = new HashMap<>();
        if (nodes.isEmpty()) {
            return out;
        }
        UUID[] ids = nodes.toArray(new UUID[0]);
        leases.store().jdbi().useHandle(h -> {
            h.createQuery("""
                            select resource_uuid, uuid, start_time from offer
                            where resource_uuid = any(:n) and status = 'available' and end_time > :now order by start_time""")
                    .bind("n", ids).bind("now", LeaseStore.utc(now))
                    .map((rs, c) -> {
                        NodeBookings b = out.computeIfAbsent(rs.getObject(1, UUID.class), k -> new NodeBookings());
                        Instant start = LeaseStore.instant(rs, "start_time");
                        if (start.isAfter(now)) {
                            b.futureOffers.add(rs.getString("uuid"));
                        } else if (b.currentOffer == null) {
                            b.currentOffer = rs.getString("uuid");
                        }
                        return null;
                    }).list();
            h.createQuery("""
                            select resource_uuid, uuid from lease
                            where resource_uuid = any(:n) and status = 'created' and start_time > :now order by start_time""")
                    .bind("n", ids).bind("now", LeaseStore.utc(now))
                    .map((rs, c) -> {
                        out.computeIfAbsent(rs.getObject(1, UUID.class), k -> new NodeBookings()).futureLeases.add(rs.getString("uuid"));
                        return null;
                    }).list();
        });
        return out;
    }

    private void schedule(Call call) {
        Query q = call.query(Set.of("start", "end"));
        Node node = leases.nodes().find(call.pathParam("ident"));
        if (!call.allowed("baremetal:node:get", NodeRoutes.target(node))) {
            throw ApiException.notFound("Node " + call.pathParam("ident") + " could not be found.");
        }
        call.authorize(NodeRoutes.target(node));
        Instant now = LeaseTimes.micros(clock.instant());
        Instant start = q.string("start").map(s -> LeaseTimes.parse(s, "start")).orElse(now.minus(Duration.ofDays(1)));
        Instant end = q.string("end").map(s -> LeaseTimes.parse(s, "end")).orElse(now.plus(Duration.ofDays(30)));
        if (!start.isBefore(end)) {
            throw ApiException.badRequest("start must be before end");
        }
        if (Duration.between(start, end).compareTo(Duration.ofDays(366)) > 0) {
            throw ApiException.badRequest("A schedule window may span at most 366 days");
        }
        boolean ownerView = call.allowed("baremetal:node:get:secrets", NodeRoutes.target(node));
        Map<String, Object> args = new HashMap<>();
        args.put("node", node.uuid());
        args.put("ws", LeaseStore.utc(start));
        args.put("we", LeaseStore.utc(end));
        args.put("me", call.caller().projectId());
        String visibleLeases = ownerView ? "" : " and (l.project_id = :me or l.owner_id = :me)";
        String visibleOffers = ownerView ? "" : " and (o.project_id = :me)";
        List<LeaseStore.OfferView> offers = leases.store().offers("o.resource_uuid = :node and o.status in ('available', 'error')"
                + " and o.start_time < :we and o.end_time > :ws" + visibleOffers, args, 10_000);
        List<LeaseStore.LeaseView> leaseViews = leases.store().leases(List.of("l.resource_uuid = :node"), "l.status <> 'deleted'"
                + " and l.start_time < :we and l.end_time > :ws" + visibleLeases, args, 10_000);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", Map.of("uuid", node.uuid().toString(), "name", node.name() == null ? "" : node.name()));
        body.put("start", LeaseTimes.format(start));
        body.put("end", LeaseTimes.format(end));
        body.put("now", LeaseTimes.format(now));
        body.put("offers", offers.stream().map(v -> LeaseJson.offer(v, LeaseRoutes.availabilities(v, now))).toList());
        body.put("leases", leaseViews.stream().map(LeaseJson::lease).toList());
        call.ctx().json(body);
    }

    private String projectId(String idOrName) {
        return leases.findProject(idOrName).map(Project::id).orElse(idOrName);
    }

    private Map<String, String> projectNames() {
        Map<String, String> names = new HashMap<>();
        for (Project p : leases.allProjects()) {
            names.put(p.id(), p.name());
        }
        return names;
    }
}
