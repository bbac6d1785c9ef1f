package org.esi.market;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.http.Query;
import org.esi.identity.IdentityService;
import org.esi.identity.Project;
import org.esi.lease.LeaseTimes;

/** {@code /market/v1/usage} (JSON or CSV) and {@code /market/v1/prices}, the price index (market-api.md). */
public final class ReportRoutes {
    /** The longest window one report covers: a year and a day, enough for any annual statement. */
    static final Duration MAX_WINDOW = Duration.ofDays(367);
    private final MarketReports reports;
    private final MarketService market;
    private final IdentityService identity;
    private final Clock clock;

    public ReportRoutes(MarketReports reports, MarketService market, IdentityService identity, Clock clock) {
        this.reports = reports;
        this.market = market;
        this.identity = identity;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.get("/market/v1/usage", Access.rule("esi:market:usage:get"), this::usage);
        api.get("/market/v1/prices", Access.rule("esi:market:price:list"), this::prices);
    }

    private void usage(Call call) {
        Query q = call.query(Set.of("start", "end", "project"));
        call.authorize(Map.of());
        Instant now = LeaseTimes.micros(clock.instant());
        // Default: this calendar month (UTC) so far.
        Instant start = q.string("start").map(s -> LeaseTimes.parse(s, "start"))
                .orElse(YearMonth.from(now.atOffset(ZoneOffset.UTC)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
        Instant end = q.string("end").map(s -> LeaseTimes.parse(s, "end")).orElse(now);
        requireWindow(start, end);
        Optional<String> project = q.string("project").map(p -> identity.findProject(p)
                .orElseThrow(() -> ApiException.notFound("Project " + Jsons.clip(p) + " could not be found.")).id());
        if (!call.caller().isAdmin()) {
            if (project.isPresent() && !project.get().equals(call.caller().projectId())) {
                throw ApiException.forbidden("Only an admin may see another project's usage");
            }
            project = Optional.of(call.caller().projectId());
        }
        List<MarketReports.UsageRow> rows = reports.usage(start, end, now, project);
        String accept = Optional.ofNullable(call.ctx().header("Accept")).orElse("");
        if (accept.contains("text/csv")) {
            call.ctx().contentType("text/csv; charset=utf-8").result(csv(rows, project));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("start", LeaseTimes.format(start));
        body.put("end", LeaseTimes.format(end));
        body.put("projects", projects(rows, project));
        call.ctx().json(body);
    }

    private void prices(Call call) {
        Query q = call.query(Set.of("resource_class", "start", "end"));
        call.authorize(Map.of());
        Instant now = LeaseTimes.micros(clock.instant());
        Instant start = q.string("start").map(s -> LeaseTimes.parse(s, "start")).orElse(now);
        Instant end = q.string("end").map(s -> LeaseTimes.parse(s, "end")).orElse(start.plus(Duration.ofDays(1)));
        requireWindow(start, end);
        List<Map<String, Object>> out = new ArrayList<>();
        for (MarketReports.PriceRow r : reports.prices(start, end, q.string("resource_class"))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("resource_class", r.resourceClass());
            m.put("offers", r.pricedOffers());
            m.put("free_offers", r.freeOffers());
            m.put("min", credits(r.min()));
            m.put("median", credits(r.median()));
            m.put("max", credits(r.max()));
            out.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("start", LeaseTimes.format(start));
        body.put("end", LeaseTimes.format(end));
        body.put("prices", out);
        call.ctx().json(body);
    }

    private static void requireWindow(Instant start, Instant end) {
        if (!start.isBefore(end)) {
            throw ApiException.badRequest("start must be before end");
        }
        if (Duration.between(start, end).compareTo(MAX_WINDOW) > 0) {
            throw ApiException.badRequest("A report covers at most " + MAX_WINDOW.toDays() + " days; ask for a shorter window");
        }
    }

    private static String credits(Long units) {
        return units == null ? null : Money.format(units);
    }

    /** One project's side of the rows: what it used as a lessee, what it lent as an owner. */
    private static final class Side {
        final String id;
        final String name;
        long used;
        long spent;
        long lent;
        long earned;
        final Map<String, long[]> byOwner = new LinkedHashMap<>();
        final Map<String, long[]> byLessee = new LinkedHashMap<>();
        final Map<String, long[]> byNode = new LinkedHashMap<>();
        final Map<String, String> names = new LinkedHashMap<>();

        Side(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private List<Map<String, Object>> projects(List<MarketReports.UsageRow> rows, Optional<String> only) {
        Map<String, Side> sides = new LinkedHashMap<>();
        for (MarketReports.UsageRow r : rows) {
            long net = r.credits() - market.fee(r.credits());
            if (only.isEmpty() || only.get().equals(r.lesseeId())) {
                Side s = sides.computeIfAbsent(r.lesseeId(), id -> new Side(id, r.lesseeName()));
                s.used += r.nodeHours();
                s.spent += r.credits();
                add(s.byOwner, r.ownerId(), r.nodeHours(), r.credits());
                s.names.put(r.ownerId(), r.ownerName());
            }
            if (only.isEmpty() || only.get().equals(r.ownerId())) {
                Side s = sides.computeIfAbsent(r.ownerId(), id -> new Side(id, r.ownerName()));
                s.lent += r.nodeHours();
                s.earned += net;
                add(s.byLessee, r.lesseeId(), r.nodeHours(), net);
                s.names.put(r.lesseeId(), r.lesseeName());
                add(s.byNode, r.node().toString(), r.nodeHours(), net);
                s.names.put(r.node().toString(), r.nodeName());
            }
        }
        if (only.isPresent() && !sides.containsKey(only.get())) {
            identity.findProject(only.get()).ifPresent(p -> sides.put(p.id(), new Side(p.id(), p.name())));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Side s : sides.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("project_id", s.id);
            m.put("project", s.name);
            m.put("node_hours_used", Money.format(s.used));
            m.put("credits_spent", Money.format(s.spent));
            m.put("node_hours_lent", Money.format(s.lent));
            m.put("credits_earned", Money.format(s.earned));
            m.put("by_owner", parties(s.byOwner, s.names));
            m.put("by_lessee", parties(s.byLessee, s.names));
            List<Map<String, Object>> nodes = new ArrayList<>();
            s.byNode.forEach((node, v) -> {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("node_uuid", node);
                n.put("node", s.names.get(node));
                n.put("node_hours_lent", Money.format(v[0]));
                n.put("credits_earned", Money.format(v[1]));
                nodes.add(n);
            });
            m.put("by_node", nodes);
            out.add(m);
        }
        return out;
    }

    private static void add(Map<String, long[]> sums, String key, long hours, long credits) {
        long[] v = sums.computeIfAbsent(key, k -> new long[2]);
        v[0] += hours;
        v[1] += credits;
    }

    private static List<Map<String, Object>> parties(Map<String, long[]> sums, Map<String, String> names) {
        List<Map<String, Object>> out = new ArrayList<>();
        sums.forEach((id, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("project_id", id);
            m.put("project", names.get(id));
            m.put("node_hours", Money.format(v[0]));
            m.put("credits", Money.format(v[1]));
            out.add(m);
        });
        return out;
    }

    /**
     * One row per project, role and counterparty and node: {@code role} is lessee (hours used, credits spent) or
     * owner (hours lent, credits earned after the operator's fee).
     */
    private String csv(List<MarketReports.UsageRow> rows, Optional<String> only) {
        StringBuilder out = new StringBuilder("project_id,project,role,counterparty_id,counterparty,node_uuid,node,node_hours,credits\r\n");
        for (MarketReports.UsageRow r : rows) {
            if (only.isEmpty() || only.get().equals(r.lesseeId())) {
                line(out, r.lesseeId(), r.lesseeName(), "lessee", r.ownerId(), r.ownerName(), r, r.credits());
            }
            if (only.isEmpty() || only.get().equals(r.ownerId())) {
                line(out, r.ownerId(), r.ownerName(), "owner", r.lesseeId(), r.lesseeName(), r, r.credits() - market.fee(r.credits()));
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String id, String name, String role, String otherId, String otherName,
                             MarketReports.UsageRow r, long credits) {
        out.append(String.join(",", List.of(cell(id), cell(name), role, cell(otherId), cell(otherName), r.node().toString(),
                cell(r.nodeName()), Money.format(r.nodeHours()), Money.format(credits)))).append("\r\n");
    }

    /** RFC 4180 quoting; a leading formula character is neutralised so a spreadsheet shows names as text. */
    static String cell(String v) {
        if (v == null) {
            return "";
        }
        String s = !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
        return s.matches("[^\",\r\n]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
