package org.esi.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route with a body gets malformed JSON, the wrong JSON type, an unknown field, an oversized
 * body and the wrong content type; every route with a path id gets an id that does not exist. Each
 * must answer a 4xx in its API's error shape, leak no Java internals, and change nothing in the
 * database. The route list comes from the server itself, so a new route is covered or this test
 * fails until it is given sample values.
 */
class RouteBadInputTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static final Map<String, String> ids = new LinkedHashMap<>();

    /** Routes whose handler takes no body at all. */
    static final Set<String> NO_BODY = Set.of("PUT /identity/v3/projects/{p}/users/{u}/roles/{r}");

    /** A valid body per body route, to which the test adds an unknown field. */
    static final Map<String, Object> VALID = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        String project = server.createProject("bad-input-project", null);
        JsonNode node = http.post("/baremetal/v1/nodes", admin, Map.of("name", "victim", "driver", "fake-hardware", "owner", project))
                .expect(201).json();
        JsonNode port = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "victim", "address", "52:54:00:bb:00:01"))
                .expect(201).json();
        JsonNode user = http.get("/identity/v3/users?name=admin", admin).json().path("users").get(0);
        JsonNode offer = http.post("/lease/v1/offers", admin, Map.of("resource_uuid", "victim",
                "start_time", Instant.now().plus(10, ChronoUnit.DAYS).toString())).expect(201).json();
        Instant s = Instant.now().plus(20, ChronoUnit.DAYS);
        http.post("/baremetal/v1/nodes", admin, Map.of("name", "victim2", "driver", "fake-hardware")).expect(201);
        JsonNode lease = http.post("/lease/v1/leases", admin, Map.of("resource_uuid", "victim2", "project_id", project,
                "start_time", s.toString(), "end_time", s.plus(1, ChronoUnit.DAYS).toString())).expect(201).json();
        JsonNode network = http.post("/network/v1/networks", admin, Map.of("name", "bad-input-net")).expect(201).json();
        JsonNode trunk = http.post("/network/v1/trunks", admin, Map.of("name", "bad-input-trunk")).expect(201).json();
        ids.put("node", node.path("uuid").asText());
        ids.put("port", port.path("uuid").asText());
        ids.put("project", project);
        ids.put("user", user.path("id").asText());
        ids.put("offer", offer.path("uuid").asText());
        ids.put("lease", lease.path("uuid").asText());
        ids.put("network", network.path("id").asText());
        ids.put("trunk", trunk.path("id").asText());

        VALID.put("POST /identity/v3/auth/tokens", Map.of("auth", Map.of("identity", Map.of("methods", List.of("password"),
                "password", Map.of("user", Map.of("name", "admin", "password", "x"))))));
        VALID.put("POST /identity/v3/projects", Map.of("project", Map.of("name", "never-created")));
        VALID.put("PATCH /identity/v3/projects/{id}", Map.of("project", Map.of("description", "never")));
        VALID.put("POST /identity/v3/users", Map.of("user", Map.of("name", "never-created", "password", "password-123")));
        VALID.put("PATCH /identity/v3/users/{id}", Map.of("user", Map.of("email", "never@example.invalid")));
        VALID.put("POST /identity/v3/users/{id}/password", Map.of("user", Map.of("password", "password-456",
                "original_password", TestingEsiServer.ADMIN_PASSWORD)));
        VALID.put("POST /baremetal/v1/nodes", Map.of("name", "never-created", "driver", "fake-hardware"));
        VALID.put("PATCH /baremetal/v1/nodes/{ident}", List.of(Map.of("op", "add", "path", "/extra/x", "value", 1)));
        VALID.put("PUT /baremetal/v1/nodes/{ident}/maintenance", Map.of("reason", "never"));
        VALID.put("PUT /baremetal/v1/nodes/{ident}/states/power", Map.of("target", "power on"));
        VALID.put("PUT /baremetal/v1/nodes/{ident}/states/provision", Map.of("target", "manage"));
        VALID.put("PUT /baremetal/v1/nodes/{ident}/management/boot_device", Map.of("boot_device", "pxe"));
        VALID.put("PUT /baremetal/v1/nodes/{ident}/states/console", Map.of("enabled", true));
        VALID.put("POST /baremetal/v1/nodes/{ident}/vifs", Map.of("id", "vif-1"));
        VALID.put("POST /baremetal/v1/ports", Map.of("node_uuid", "victim", "address", "52:54:00:bb:00:99"));
        VALID.put("PATCH /baremetal/v1/ports/{uuid}", List.of(Map.of("op", "add", "path", "/extra/x", "value", 1)));
        VALID.put("POST /lease/v1/offers", Map.of("resource_uuid", "victim2"));
        VALID.put("POST /lease/v1/offers/{id}/claim", Map.of("start_time", Instant.now().plus(11, ChronoUnit.DAYS).toString()));
        VALID.put("POST /lease/v1/leases", Map.of("resource_uuid", "victim", "project_id", "admin"));
        VALID.put("PATCH /lease/v1/leases/{id}", Map.of("end_time", s.plus(2, ChronoUnit.DAYS).toString()));
        VALID.put("POST /lease/v1/webhooks", Map.of("url", "http://127.0.0.1:9/never", "secret", "never-secret-1"));
        VALID.put("POST /network/v1/networks", Map.of("name", "never-created"));
        VALID.put("PATCH /network/v1/networks/{id}", Map.of("name", "never-renamed"));
        VALID.put("POST /network/v1/networks/{id}/grants", Map.of("project", "admin"));
        VALID.put("POST /network/v1/switches", Map.of("name", "never", "driver", "fake", "address", "x"));
        VALID.put("POST /network/v1/nodes/{node}/attachments", Map.of("network", "bad-input-net"));
        VALID.put("POST /network/v1/trunks", Map.of("name", "never-created"));
        VALID.put("POST /network/v1/trunks/{id}/networks", Map.of("network", "bad-input-net"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyBodyRouteRefusesBadBodiesAndChangesNothing() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        for (HttpApi.RouteSpec r : server.server().routes()) {
            String method = r.method().name();
            if (!Set.of("POST", "PUT", "PATCH").contains(method) || r.path().startsWith("/ui")) {
                continue;
            }
            String key = method + " " + r.path();
            if (NO_BODY.contains(key)) {
                continue;
            }
            if (!VALID.containsKey(key)) {
                problems.add(key + ": no sample body in RouteBadInputTest.VALID (add one so the route is covered)");
                continue;
            }
            String path = concrete(r.path(), problems);
            String token = r.access() instanceof Access.Anonymous ? null : admin;
            boolean patchList = VALID.get(key) instanceof List;
            check(problems, key, http.send(method, path, token, "{\"bad", Map.of()), 400);
            check(problems, key + " wrong type", http.send(method, path, token, patchList ? "{}" : "[1,2]", Map.of()), 400);
            check(problems, key + " oversized", http.send(method, path, token, "{\"x\":\"" + "a".repeat(1_100_000) + "\"}", Map.of()), 413);
            check(problems, key + " content type", http.send(method, path, token, "{}", Map.of("Content-Type", "text/plain")), 415);
            Object withUnknown = withUnknownField(VALID.get(key));
            check(problems, key + " unknown field", http.send(method, path, token, withUnknown, Map.of()), 400);
        }
        assertThat(problems).isEmpty();
        assertThat(snapshot()).as("bad requests changed the database").isEqualTo(before);
    }

    @Test
    void everyPathIdThatDoesNotExistIs404() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        for (HttpApi.RouteSpec r : server.server().routes()) {
            if (!r.path().contains("{") || r.access() instanceof Access.Anonymous || r.path().startsWith("/ui")) {
                continue;
            }
            String path = r.path().replaceAll("\\{[^}]+}", "no-such-thing-7f3a");
            String method = r.method().name();
            Object body = VALID.getOrDefault(method + " " + r.path(), Set.of("POST", "PUT", "PATCH").contains(method) ? Map.of() : null);
            TestClient.Response resp = http.send(method, path, admin, body, Map.of());
            if (resp.status() != 404 && resp.status() != 400) {
                problems.add(method + " " + path + " answered " + resp.status() + ": " + clip(resp.body()));
            }
            if (!method.equals("HEAD")) { // HEAD answers carry no body by definition
                requireShape(problems, method + " " + path, resp);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void unknownQueryParametersOnListsAre400() {
        List<String> problems = new ArrayList<>();
        for (HttpApi.RouteSpec r : server.server().routes()) {
            if (!r.method().name().equals("GET") || r.path().contains("{") || r.access() instanceof Access.Anonymous
                    || r.path().startsWith("/ui") || r.path().equals("/lease/v1") || r.path().equals("/identity/v3/auth/tokens")
                    || r.path().equals("/identity/v3/auth/projects")) {
                continue;
            }
            TestClient.Response resp = http.send("GET", r.path() + "?bogus_parameter=1", admin, null, Map.of());
            check(problems, "GET " + r.path() + "?bogus_parameter", resp, 400);
        }
        assertThat(problems).isEmpty();
    }

    private static void check(List<String> problems, String what, TestClient.Response resp, int wanted) {
        if (resp.status() != wanted) {
            problems.add(what + ": wanted " + wanted + " but got " + resp.status() + " " + clip(resp.body()));
        }
        requireShape(problems, what, resp);
    }

    private static void requireShape(List<String> problems, String what, TestClient.Response resp) {
        String body = resp.body();
        if (body.contains("Exception") || body.contains("at org.") || body.contains("at java.")) {
            problems.add(what + ": leaks Java internals: " + clip(body));
        }
        if (resp.status() < 400) {
            return;
        }
        JsonNode j;
        try {
            j = resp.json();
        } catch (AssertionError e) {
            problems.add(what + ": error body is not JSON: " + clip(body));
            return;
        }
        boolean shaped = j.path("error").has("message") || j.has("error_message") || (j.has("faultcode") && j.has("faultstring"));
        if (!shaped) {
            problems.add(what + ": error body has no API error shape: " + clip(body));
        }
    }

    private static String concrete(String template, List<String> problems) {
        Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String param = m.group(1);
            String value = switch (param) {
                case "ident", "node" -> ids.get("node");
                case "uuid" -> ids.get("port");
                case "p", "project" -> ids.get("project");
                case "u" -> ids.get("user");
                case "r" -> "member";
                case "vif" -> "vif-1";
                case "network" -> ids.get("network");
                case "id" -> idFor(template);
                default -> null;
            };
            if (value == null) {
                problems.add(template + ": no sample value for {" + param + "} in RouteBadInputTest");
                value = "x";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String idFor(String template) {
        if (template.contains("/projects/")) {
            return ids.get("project");
        }
        if (template.contains("/users/")) {
            return ids.get("user");
        }
        if (template.contains("/roles/")) {
            return "member";
        }
        if (template.contains("/offers/")) {
            return ids.get("offer");
        }
        if (template.contains("/leases/")) {
            return ids.get("lease");
        }
        if (template.contains("/networks/")) {
            return ids.get("network");
        }
        if (template.contains("/trunks/")) {
            return ids.get("trunk");
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Object withUnknownField(Object valid) {
        if (valid instanceof List<?>) {
            return List.of(Map.of("op", "add", "path", "/bogus_field", "value", 1));
        }
        Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) valid);
        // Keystone-style bodies wrap the object: put the unknown field inside it.
        if (m.size() == 1 && m.values().iterator().next() instanceof Map<?, ?> inner && !m.containsKey("auth")) {
            Map<String, Object> in = new LinkedHashMap<>((Map<String, Object>) inner);
            in.put("bogus_field", 1);
            return Map.of(m.keySet().iterator().next(), in);
        }
        m.put("bogus_field", 1);
        return m;
    }

    /** A digest of every table a client can change (tokens included: bad logins must not issue any). */
    private static String snapshot() throws Exception {
        var cfg = server.server().config();
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow())) {
            for (String table : List.of("project", "esi_user", "role_assignment", "token", "node", "port", "booking", "offer", "lease",
                    "event", "network", "network_rbac", "switch", "trunk", "trunk_network", "attachment", "webhook", "webhook_delivery")) {
                try (ResultSet rs = c.createStatement().executeQuery(
                        "select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from " + table + " t")) {
                    rs.next();
                    sb.append(table).append('=').append(rs.getLong(1)).append(':').append(rs.getString(2)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
