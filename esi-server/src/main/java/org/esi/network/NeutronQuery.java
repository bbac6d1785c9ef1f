package org.esi.network;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.http.Jsons;
import org.esi.http.NextLink;

/**
 * Neutron's list conventions over rendered resources: {@code ?attr=value} filters (a repeated key
 * matches any of its values), {@code fields=} to choose attributes, {@code sort_key}/{@code sort_dir},
 * and {@code limit}/{@code marker} pages with a {@code <resources>_links} next link. Filtering runs on
 * the same maps the caller is shown, so a filter can only match what the caller may see.
 */
final class NeutronQuery {
    private static final Set<String> CONTROL = Set.of("fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse");
    static final int MAX_LIMIT = 1000;

    private final Map<String, List<String>> params;

    private NeutronQuery(Map<String, List<String>> params) {
        this.params = params;
    }

    /** Reads the query, refusing filters on attributes the resource does not have (as Neutron's filter validation does). */
    static NeutronQuery of(Context ctx, Collection<String> attributes) {
        Map<String, List<String>> params = ctx.queryParamMap();
        List<String> unknown = new ArrayList<>();
        for (String k : params.keySet()) {
            if (!CONTROL.contains(k) && !attributes.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw NeutronErrors.badRequest(unknown.stream().sorted().map(Jsons::clip).toList() + " is invalid attribute for filtering");
        }
        return new NeutronQuery(params);
    }

    /** The body of a list answer: filtered, sorted, one page, with only the asked-for fields. */
    Map<String, Object> answer(String resources, List<Map<String, Object>> all, Context ctx, String baseUrl) {
        List<Map<String, Object>> matching = new ArrayList<>();
        for (Map<String, Object> r : all) {
            if (matches(r)) {
                matching.add(r);
            }
        }
        matching.sort(order());
        int from = 0;
        List<String> marker = params.get("marker");
        if (marker != null && !marker.isEmpty()) {
            if (marker.size() > 1) {
                throw NeutronErrors.badRequest("marker was given more than once");
            }
            int at = indexOf(matching, marker.get(0));
            if (at < 0) {
                throw NeutronErrors.badRequest("marker " + Jsons.clip(marker.get(0)) + " is not an id in this list");
            }
            from = at + 1;
        }
        Integer limit = limit();
        from = Math.min(from, matching.size());
        int to = limit == null ? matching.size() : Math.min(matching.size(), from + limit);
        List<Map<String, Object>> page = matching.subList(from, to);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(resources, page.stream().map(this::select).toList());
        if (limit != null && to < matching.size() && !page.isEmpty()) {
            String next = NextLink.of(baseUrl, ctx, String.valueOf(page.get(page.size() - 1).get("id")), limit);
            body.put(resources + "_links", List.of(Map.of("rel", "next", "href", next)));
        }
        return body;
    }

    /** One resource with only the asked-for fields ({@code GET /x/{id}?fields=...}). */
    Map<String, Object> select(Map<String, Object> r) {
        List<String> fields = fields();
        if (fields.isEmpty()) {
            return r;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String f : fields) {
            if (r.containsKey(f)) {
                out.put(f, r.get(f));
            }
        }
        return out;
    }

    private List<String> fields() {
        List<String> out = new ArrayList<>();
        for (String v : params.getOrDefault("fields", List.of())) {
            for (String f : v.split(",")) {
                if (!f.isBlank()) {
                    out.add(f.trim());
                }
            }
        }
        return out;
    }

    private Integer limit() {
        List<String> v = params.get("limit");
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw NeutronErrors.badRequest("limit was given more than once");
        }
        try {
            int n = Integer.parseInt(v.get(0));
            if (n < 0) {
                throw NeutronErrors.badRequest("Limit must be an integer 0 or greater and not '" + Jsons.clip(v.get(0)) + "'");
            }
            return n == 0 ? null : Math.min(n, MAX_LIMIT);
        } catch (NumberFormatException e) {
            throw NeutronErrors.badRequest("Limit must be an integer 0 or greater and not '" + Jsons.clip(v.get(0)) + "'");
        }
    }

    private Comparator<Map<String, Object>> order() {
        List<String> keys = params.getOrDefault("sort_key", List.of());
        List<String> dirs = params.getOrDefault("sort_dir", List.of());
        if (!dirs.isEmpty() && dirs.size() != keys.size()) {
            throw NeutronErrors.badRequest("The number of sort_keys and sort_dirs must be same");
        }
        Comparator<Map<String, Object>> c = (a, b) -> 0;
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            boolean desc = false;
            if (!dirs.isEmpty()) {
                String d = dirs.get(i);
                if (!d.equals("asc") && !d.equals("desc")) {
                    throw NeutronErrors.badRequest("Sort direction '" + Jsons.clip(d) + "' is not supported; use asc or desc");
                }
                desc = d.equals("desc");
            }
            Comparator<Map<String, Object>> byKey = Comparator.comparing(m -> text(m.get(k)), Comparator.nullsFirst(Comparator.naturalOrder()));
            c = c.thenComparing(desc ? byKey.reversed() : byKey);
        }
        // Without a sort key: oldest first, then by id, so pages are stable.
        return c.thenComparing(m -> text(m.get("created_at")), Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(m -> text(m.get("id")), Comparator.nullsFirst(Comparator.naturalOrder()));
    }

    private boolean matches(Map<String, Object> r) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (CONTROL.contains(e.getKey())) {
                continue;
            }
            Object actual = r.get(e.getKey());
            boolean any = false;
            for (String wanted : e.getValue()) {
                any |= e.getKey().equals("fixed_ips") ? matchesFixedIp(actual, wanted) : matchesValue(actual, wanted);
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /** {@code fixed_ips=ip_address=10.0.0.5} or {@code fixed_ips=subnet_id=...}: any of the port's fixed IPs. */
    private static boolean matchesFixedIp(Object actual, String wanted) {
        int eq = wanted.indexOf('=');
        if (eq < 0) {
            throw NeutronErrors.badRequest("fixed_ips filters look like fixed_ips=ip_address=ADDRESS or fixed_ips=subnet_id=ID");
        }
        String key = wanted.substring(0, eq);
        String value = wanted.substring(eq + 1);
        if (!Set.of("ip_address", "subnet_id", "ip_address_substr").contains(key)) {
            throw NeutronErrors.badRequest("fixed_ips filters by ip_address, ip_address_substr or subnet_id, not '" + Jsons.clip(key) + "'");
        }
        if (!(actual instanceof List<?> ips)) {
            return false;
        }
        for (Object ip : ips) {
            if (ip instanceof Map<?, ?> m) {
                if (key.equals("ip_address_substr") ? String.valueOf(m.get("ip_address")).contains(value) : value.equals(String.valueOf(m.get(key)))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matchesValue(Object actual, String wanted) {
        if (actual instanceof Boolean b) {
            return switch (wanted.toLowerCase()) {
                case "true", "1", "yes" -> b;
                case "false", "0", "no" -> !b;
                default -> throw NeutronErrors.badRequest("'" + Jsons.clip(wanted) + "' is not a boolean filter value");
            };
        }
        if (actual instanceof Collection<?> list) {
            return list.stream().anyMatch(x -> wanted.equals(String.valueOf(x)));
        }
        if (actual == null) {
            return wanted.isEmpty();
        }
        return wanted.equals(String.valueOf(actual));
    }

    private static int indexOf(List<Map<String, Object>> list, String id) {
        for (int i = 0; i < list.size(); i++) {
            if (id.equals(String.valueOf(list.get(i).get("id")))) {
                return i;
            }
        }
        return -1;
    }

    private static String text(Object o) {
        return o == null ? null : String.valueOf(o);
    }
}
