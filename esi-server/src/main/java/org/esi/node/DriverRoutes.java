package org.esi.node;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BaseUrl;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.http.Query;

/**
 * {@code /baremetal/v1/drivers}: the hardware types nodes may name, in Ironic's shape, so owners can see what
 * {@code --driver} takes ({@code openstack baremetal driver list|show}). All are "dynamic" (hardware types);
 * every instance serves every type, so {@code hosts} names the host the caller reached.
 */
public final class DriverRoutes {
    private static final List<String> SHORT_FIELDS = List.of("name", "type", "hosts", "links");
    private static final List<String> ALL_FIELDS;

    static {
        List<String> all = new ArrayList<>(SHORT_FIELDS);
        DriverInterfaces.KINDS.forEach(k -> all.add("default_" + k + "_interface"));
        DriverInterfaces.KINDS.forEach(k -> all.add("enabled_" + k + "_interfaces"));
        ALL_FIELDS = List.copyOf(all);
    }

    private final DriverCatalog drivers;
    private final BaseUrl baseUrl;

    public DriverRoutes(DriverCatalog drivers, BaseUrl baseUrl) {
        this.drivers = drivers;
        this.baseUrl = baseUrl;
    }

    public void register(HttpApi api) {
        api.get("/baremetal/v1/drivers", Access.rule("baremetal:driver:get"), this::list);
        api.get("/baremetal/v1/drivers/{name}", Access.rule("baremetal:driver:get"), this::show);
    }

    private void list(Call call) {
        IronicVersion.negotiate(call.ctx());
        Query q = call.query(Set.of("type", "detail", "fields"));
        call.authorize(Map.of());
        String type = q.string("type").orElse("dynamic");
        if (!type.equals("dynamic") && !type.equals("classic")) {
            throw ApiException.badRequest("Invalid driver type '" + Jsons.clip(type) + "'; use classic or dynamic");
        }
        boolean detail = q.bool("detail").orElse(false);
        if (detail && q.has("fields")) {
            throw ApiException.badRequest("Can not specify ?detail=True and fields in the same request.");
        }
        List<String> fields = NodeJson.fields(q.string("fields").orElse(null), ALL_FIELDS, detail ? ALL_FIELDS : SHORT_FIELDS);
        String base = baseUrl.of(call.ctx());
        // Classic drivers are long gone from Ironic; every type here is a hardware type.
        List<Map<String, Object>> out = type.equals("classic") ? List.of()
                : drivers.names().stream().sorted().map(d -> driverJson(d, base, fields)).toList();
        call.ctx().json(Map.of("drivers", out));
    }

    private void show(Call call) {
        IronicVersion.negotiate(call.ctx());
        Query q = call.query(Set.of("fields"));
        call.authorize(Map.of());
        String name = call.pathParam("name");
        if (!drivers.names().contains(name)) {
            throw ApiException.notFound("Could not find the following driver(s) or hardware type(s): " + Jsons.clip(name) + ".");
        }
        List<String> fields = NodeJson.fields(q.string("fields").orElse(null), ALL_FIELDS, ALL_FIELDS);
        call.ctx().json(driverJson(name, baseUrl.of(call.ctx()), fields));
    }

    private static Map<String, Object> driverJson(String name, String base, List<String> fields) {
        DriverInterfaces interfaces = DriverInterfaces.of(name);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("name", name);
        all.put("type", "dynamic");
        all.put("hosts", List.of(host(base)));
        all.put("links", List.of(Map.of("href", base + "/baremetal/v1/drivers/" + name, "rel", "self"),
                Map.of("href", base + "/baremetal/drivers/" + name, "rel", "bookmark")));
        for (String kind : DriverInterfaces.KINDS) {
            all.put("default_" + kind + "_interface", interfaces.defaults().get(kind));
        }
        for (String kind : DriverInterfaces.KINDS) {
            all.put("enabled_" + kind + "_interfaces", interfaces.enabled().get(kind));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        fields.forEach(f -> out.put(f, all.get(f)));
        return out;
    }

    private static String host(String base) {
        String host = URI.create(base).getHost();
        return host == null ? "localhost" : host;
    }
}
