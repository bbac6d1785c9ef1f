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

    /** Routes whose body may be left out altogether (Ironic's maintenance reason is optional). */
    static final Set<String> OPTIONAL_BODY = Set.of("PUT /baremetal/v1/nodes/{ident}/maintenance", "POST /lease/v1/offers/{id}/claim");

    /**
     * Routes that take an open document from an agent ramdisk: IPA's inspection adds top-level and inventory
     * fields per collector and hardware manager, so unknown fields are ignored there (as Ironic does) while
     * the shape the service reads is checked.
     */
    static final Set<String> OPEN_BODY = Set.of("POST /baremetal/v1/continue_inspection");

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
        JsonNode subnet = http.post("/network/v2.0/subnets", admin, Map.of("subnet", Map.of("network_id", ids.get("network"), "ip_version", 4,
                "cidr", "10.77.0.0/24"))).expect(201).json();
        JsonNode nport = http.post("/network/v2.0/ports", admin, Map.of("port", Map.of("network_id", ids.get("network"), "name", "bad-input-port")))
                .expect(201).json();
        ids.put("subnet", subnet.path("subnet").path("id").asText());
        ids.put("nport", nport.path("port").path("id").asText());
        JsonNode pool = http.post("/cluster/v1/pools", admin, Map.of("name", "bad-input-pool", "resource_class", "baremetal", "max_size", 2,
                "deploy", Map.of("image_url", "http://192.0.2.1/never.img"))).expect(201).json();
        ids.put("pool", pool.path("uuid").asText());
        // A bid no node can meet (no node has its resource class), so the matcher never changes it during the tests.
        JsonNode bid = http.post("/market/v1/bids", admin, Map.of("quantity", 1, "resource_class", "bad-input-none",
                "start_time", Instant.now().plus(30, ChronoUnit.DAYS).toString(), "end_time", Instant.now().plus(31, ChronoUnit.DAYS).toString()))
                .expect(201).json();
        ids.put("bid", bid.path("uuid").asText());

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
        // The agent's routes: anonymous, and refused without a token or a node waiting for inspection.
        VALID.put("POST /baremetal/v1/heartbeat/{node}", Map.of("callback_url", "http://127.0.0.1:9", "agent_token", "x".repeat(43),
                "agent_version", "12.0.1"));
        VALID.put("POST /baremetal/v1/continue_inspection", Map.of("inventory", Map.of("interfaces",
                List.of(Map.of("mac_address", "52:54:00:bb:00:01")))));
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
        VALID.put("POST /lease/v1/console_auth_tokens", Map.of("node_uuid_or_name", "victim", "token_ttl", 60));
        VALID.put("POST /network/v2.0/networks", Map.of("network", Map.of("name", "never-created")));
        VALID.put("PUT /network/v2.0/networks/{id}", Map.of("network", Map.of("name", "never-renamed")));
        VALID.put("POST /network/v2.0/subnets", Map.of("subnet", Map.of("network_id", ids.get("network"), "ip_version", 4, "cidr", "10.78.0.0/24",
                "allocation_pools", List.of(Map.of("start", "10.78.0.10", "end", "10.78.0.20")))));
        VALID.put("PUT /network/v2.0/subnets/{id}", Map.of("subnet", Map.of("name", "never-renamed")));
        VALID.put("POST /network/v2.0/ports", Map.of("port", Map.of("network_id", ids.get("network"), "name", "never-created",
                "fixed_ips", List.of(Map.of("subnet_id", ids.get("subnet"))), "binding:vnic_type", "baremetal")));
        VALID.put("PUT /network/v2.0/ports/{id}", Map.of("port", Map.of("name", "never-renamed", "device_owner", "never")));
        VALID.put("POST /network/v2.0/trunks", Map.of("trunk", Map.of("port_id", ids.get("nport"), "name", "never-created")));
        VALID.put("PUT /network/v2.0/trunks/{id}", Map.of("trunk", Map.of("name", "never-renamed")));
        VALID.put("PUT /network/v2.0/trunks/{id}/add_subports", Map.of("sub_ports", List.of(Map.of("port_id", ids.get("nport"),
                "segmentation_type", "vlan", "segmentation_id", 100))));
        // Both deploy and openshift, so that every field (the openshift block's too) is fuzzed and yet no variant can make a
        // pool (a pool has one or the other): nothing ever calls the Assisted Installer, which would be at 127.0.0.1:9 anyway.
        VALID.put("POST /cluster/v1/pools", Map.of("name", "never-created", "resource_class", "baremetal", "max_size", 2,
                "properties", List.of("cpus>=1"), "lease_duration", "P1D", "renew_before", "PT1H",
                "deploy", Map.of("image_url", "http://192.0.2.1/never.img", "user_data", "#cloud-config"),
                "networks", List.of(Map.of("network", "bad-input-net")), "labels", Map.of("k", "v"),
                "openshift", Map.of("api_url", "http://127.0.0.1:9/api/assisted-install", "token_url", "http://127.0.0.1:9/token",
                        "offline_token", "never-used-offline-token", "pull_secret", "{\"auths\":{}}", "name", "never-created",
                        "openshift_version", "4.16", "base_dns_domain", "example.com")));
        // The sample pool has no openshift option, so the secrets' change is refused too: fuzzed, never applied.
        VALID.put("PATCH /cluster/v1/pools/{id}", Map.of("max_size", 3, "renew_before", "PT2H", "labels", Map.of("k", "w"),
                "openshift", Map.of("offline_token", "never-used-offline-token", "pull_secret", "{\"auths\":{}}")));
        // Amounts as JSON numbers: the fuzzer's mistyped string is a number, which the market accepts as an amount.
        VALID.put("POST /market/v1/accounts/{project}/grants", Map.of("amount", 1, "memo", "never-granted"));
        VALID.put("POST /market/v1/transfers", Map.of("to", "bad-input-project", "amount", 1, "memo", "never-sent"));
        VALID.put("PUT /market/v1/quotas/{project}", Map.of("max_leased_nodes", 3, "max_node_hours", 10, "period", "day"));
        // max_price as a number for the same reason; every time far ahead, so a created bid could never be met or expire.
        VALID.put("POST /market/v1/bids", Map.of("quantity", 2, "resource_class", "bad-input-none", "properties", List.of("cpus>=32"),
                "start_time", Instant.now().plus(40, ChronoUnit.DAYS).toString(), "end_time", Instant.now().plus(41, ChronoUnit.DAYS).toString(),
                "max_price", 3, "all_or_nothing", true, "expires_at", Instant.now().plus(39, ChronoUnit.DAYS).toString()));
        // A valid key and URL, so that each fuzzed field alone is what is refused.
        VALID.put("POST /federation/v1/peers", Map.of("name", "never-peer", "url", "http://192.0.2.1:7777",
                "public_key", org.esi.federation.SiteKey.generate().publicKeyText()));
        VALID.put("POST /federation/v1/tokens", Map.of("assertion", "not.a.jws"));
        VALID.put("PUT /network/v2.0/trunks/{id}/remove_subports", Map.of("sub_ports", List.of(Map.of("port_id", ids.get("nport")))));
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
            if (!OPEN_BODY.contains(key)) {
                check(problems, key + " unknown field", http.send(method, path, token, withUnknown, Map.of()), 400);
            }
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

    /**
     * Every top-level field of every sample body (and every field inside Keystone's wrapper object)
     * given a value of another JSON type: 400, never a 500 or a silently coerced write.
     */
    @Test
    void everyFieldWithTheWrongJsonTypeIs400() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        for (HttpApi.RouteSpec r : bodyRoutes()) {
            String key = r.method().name() + " " + r.path();
            String path = concrete(r.path(), problems);
            String token = r.access() instanceof Access.Anonymous ? null : admin;
            for (Map.Entry<String, Object> variant : wrongTypeVariants(VALID.get(key)).entrySet()) {
                TestClient.Response resp = http.send(r.method().name(), path, token, variant.getValue(), Map.of());
                if (resp.status() != 400 && resp.status() != 401) { // a login with a mistyped credential may simply fail
                    problems.add(key + " " + variant.getKey() + ": wanted 400 but got " + resp.status() + " " + clip(resp.body()));
                }
                requireShape(problems, key + " " + variant.getKey(), resp);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(snapshot()).as("mistyped bodies changed the database").isEqualTo(before);
    }

    /**
     * Text PostgreSQL cannot store (a NUL character) and absurdly long text in every string field of
     * every sample body: a 4xx in the API's shape, never a 500 from the database.
     */
    @Test
    void unstorableAndOverlongTextIsRefused() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        for (String bad : List.of("nul\u0000char", "x".repeat(100_000))) {
            if (bad.length() > 20) {
                // NUL text cannot be stored at all, so refusing it must have left everything as it was.
                assertThat(snapshot()).as("NUL text changed the database").isEqualTo(before);
            }
            for (HttpApi.RouteSpec r : bodyRoutes()) {
                String key = r.method().name() + " " + r.path();
                String path = concrete(r.path(), problems);
                String token = r.access() instanceof Access.Anonymous ? null : admin;
                for (Map.Entry<String, Object> variant : stringVariants(VALID.get(key), bad).entrySet()) {
                    TestClient.Response resp = http.send(r.method().name(), path, token, variant.getValue(), Map.of());
                    String what = key + " " + variant.getKey() + (bad.length() > 20 ? " (100k chars)" : " (NUL)");
                    if (resp.status() >= 500) {
                        problems.add(what + ": got " + resp.status() + " " + clip(resp.body()));
                    }
                    requireShape(problems, what, resp);
                }
            }
        }
        assertThat(problems).isEmpty();
        // Long text may be stored (descriptions, extra); what matters is that every object is still readable.
        for (String p : List.of("/baremetal/v1/nodes/" + ids.get("node"), "/baremetal/v1/ports/" + ids.get("port"),
                "/identity/v3/projects/" + ids.get("project"), "/identity/v3/users/" + ids.get("user"), "/baremetal/v1/nodes?limit=1000")) {
            http.get(p, admin).expect(200);
        }
    }

    /**
     * Names, purposes and descriptions one character past their limit (255; descriptions 1024, a node's 4096), in every
     * sample body that has one and in the fields the samples leave out: 400 saying the limit, nothing changed.
     */
    @Test
    @SuppressWarnings("unchecked")
    void namesAndDescriptionsPastTheirLimitAre400() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        String name = "n".repeat(256);
        String description = "d".repeat(1025);
        Map<String, Object> cases = new LinkedHashMap<>();
        for (HttpApi.RouteSpec r : bodyRoutes()) {
            String key = r.method().name() + " " + r.path();
            if (VALID.get(key) instanceof Map<?, ?> valid && !key.equals("POST /identity/v3/auth/tokens")) {
                walk((Map<String, Object>) valid, "", (field, value, replace) -> {
                    String last = field.substring(field.lastIndexOf('.') + 1);
                    if (Set.of("name", "purpose", "description").contains(last)) {
                        cases.put(key + " " + field, replace.apply(last.equals("description") ? description : name));
                    }
                });
            }
        }
        cases.put("PATCH /baremetal/v1/nodes/{ident} /name", List.of(Map.of("op", "replace", "path", "/name", "value", name)));
        // Node descriptions were allowed 4096 characters before the limits, and keep them.
        cases.put("PATCH /baremetal/v1/nodes/{ident} /description",
                List.of(Map.of("op", "add", "path", "/description", "value", "d".repeat(4097))));
        cases.put("POST /baremetal/v1/nodes description", Map.of("driver", "fake-hardware", "description", "d".repeat(4097)));
        cases.put("POST /identity/v3/projects description", Map.of("project", Map.of("name", "never-x", "description", description)));
        cases.put("POST /lease/v1/offers name", Map.of("resource_uuid", "victim2", "name", name));
        cases.put("POST /lease/v1/offers/{id}/claim name", Map.of("start_time", Instant.now().plus(12, ChronoUnit.DAYS).toString(), "name", name));
        cases.put("POST /lease/v1/leases purpose", Map.of("resource_uuid", "victim", "project_id", "admin", "purpose", name));
        cases.put("POST /network/v1/trunks name", Map.of("name", name));
        for (Map.Entry<String, Object> c : cases.entrySet()) {
            String[] parts = c.getKey().split(" ", 3);
            TestClient.Response resp = http.send(parts[0], concrete(parts[1], problems), admin, c.getValue(), Map.of());
            String field = c.getKey().substring(c.getKey().lastIndexOf(' ') + 1).replaceAll(".*[./]", "");
            if (resp.status() != 400 || !resp.body().contains(field)) {
                problems.add(c.getKey() + ": wanted 400 naming the limit but got " + resp.status() + " " + clip(resp.body()));
            }
            requireShape(problems, c.getKey(), resp);
        }
        assertThat(cases).hasSizeGreaterThan(12);
        assertThat(problems).isEmpty();
        assertThat(snapshot()).as("overlong names changed the database").isEqualTo(before);
    }

    /** Times outside years 1..9999 (Java parses them, PostgreSQL and our output cannot hold them) in bodies and filters. */
    @Test
    @SuppressWarnings("unchecked")
    void timesOutsideYearsOneTo9999Are400() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        for (String t : List.of("+292278994-08-17T07:12:55", "+10000-01-01T00:00:00", "-0001-01-01T00:00:00")) {
            for (HttpApi.RouteSpec r : bodyRoutes()) {
                String key = r.method().name() + " " + r.path();
                if (!(VALID.get(key) instanceof Map<?, ?> valid)) {
                    continue;
                }
                Map<String, Object> cases = new LinkedHashMap<>();
                walk((Map<String, Object>) valid, "", (field, value, replace) -> {
                    if (field.endsWith("_time")) {
                        cases.put(field, replace.apply(t));
                    }
                });
                if (key.startsWith("POST /lease/v1/")) {
                    Map<String, Object> withEnd = new LinkedHashMap<>((Map<String, Object>) valid);
                    withEnd.put("end_time", t);
                    cases.put("end_time", withEnd);
                }
                for (Map.Entry<String, Object> c : cases.entrySet()) {
                    check(problems, key + " " + c.getKey() + "=" + t,
                            http.send(r.method().name(), concrete(r.path(), problems), admin, c.getValue(), Map.of()), 400);
                }
            }
            for (String list : List.of("/lease/v1/leases?start_time=", "/lease/v1/leases?end_time=", "/lease/v1/offers?start_time=",
                    "/lease/v1/offers?available_end_time=", "/lease/v1/events?last_event_time=")) {
                check(problems, "GET " + list + t, http.send("GET", list + java.net.URLEncoder.encode(t, java.nio.charset.StandardCharsets.UTF_8),
                        admin, null, Map.of()), 400);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Bodies that stress the parser rather than the handler. */
    @Test
    void parserAbuseIsAClientError() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        for (HttpApi.RouteSpec r : bodyRoutes()) {
            String key = r.method().name() + " " + r.path();
            String path = concrete(r.path(), problems);
            String token = r.access() instanceof Access.Anonymous ? null : admin;
            String m = r.method().name();
            check(problems, key + " deeply nested", http.send(m, path, token, "[".repeat(50_000) + "]".repeat(50_000), Map.of()), 400);
            check(problems, key + " duplicate keys", http.send(m, path, token, "{\"a\":1,\"a\":2}", Map.of()), 400);
            check(problems, key + " trailing garbage", http.send(m, path, token, "{} {}", Map.of()), 400);
            check(problems, key + " JSON null", http.send(m, path, token, "null", Map.of()), 400);
            check(problems, key + " bare string", http.send(m, path, token, "\"text\"", Map.of()), 400);
            if (!OPTIONAL_BODY.contains(key)) {
                check(problems, key + " empty body", http.send(m, path, token, "", Map.of()), 400);
            }
            check(problems, key + " invalid UTF-8", sendBytes(m, path, token, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}), 400);
            check(problems, key + " oversized, chunked", sendChunked(m, path, token, 1_200_000), 413);
        }
        assertThat(problems).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Ids of every shape in every path parameter: well-formed but unknown, hostile, overlong. Never a 500. */
    @Test
    void everyPathIdOfAnyShapeIs404Or400() throws Exception {
        String before = snapshot();
        List<String> problems = new ArrayList<>();
        List<String> shapes = List.of("00000000-0000-4000-8000-000000000000", "0123456789abcdef0123456789abcdef", "%00", "%FF%FE",
                "x".repeat(300), "..%2F..%2Fetc", "'%20or%201=1--", "1e9999", "-1");
        for (HttpApi.RouteSpec r : server.server().routes()) {
            if (!r.path().contains("{") || r.access() instanceof Access.Anonymous || r.path().startsWith("/ui")) {
                continue;
            }
            String method = r.method().name();
            for (String id : shapes) {
                // One parameter at a time is bad; the others name things that exist, so the bad one is what gets judged.
                Matcher params = Pattern.compile("\\{([^}]+)}").matcher(r.path());
                while (params.find()) {
                    String one = r.path().substring(0, params.start()) + id + r.path().substring(params.end());
                    String path = concrete(one, problems);
                    Object body = VALID.getOrDefault(method + " " + r.path(), Set.of("POST", "PUT", "PATCH").contains(method) ? Map.of() : null);
                    TestClient.Response resp = http.send(method, path, admin, body, Map.of());
                    if (resp.status() != 404 && resp.status() != 400) {
                        problems.add(method + " " + path.substring(0, Math.min(path.length(), 120)) + " answered " + resp.status() + ": " + clip(resp.body()));
                    }
                    if (!method.equals("HEAD")) {
                        requireShape(problems, method + " " + r.path() + " with {" + params.group(1) + "}=" + clip(id), resp);
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Bad values for the usual list parameters: a 4xx (or an empty 200 for filters), never a 500. */
    @Test
    void badQueryValuesOnListsAreNeverServerErrors() {
        List<String> problems = new ArrayList<>();
        List<String> queries = List.of("limit=abc", "limit=-1", "limit=0", "limit=99999999999999999999", "marker=not-a-uuid",
                "marker=00000000-0000-4000-8000-000000000000", "sort_dir=sideways", "sort_key=bogus", "fields=bogus,uuid",
                "maintenance=maybe", "detail=maybe", "name=nul%00char", "owner=nul%00char", "project=%00", "node=%00",
                "address=%00", "user.id=%00", "scope.project.id=%00", "parent_id=%00", "resource_class=" + "x".repeat(5000),
                "limit=1&limit=2", "enabled=maybe");
        for (HttpApi.RouteSpec r : server.server().routes()) {
            if (!r.method().name().equals("GET") || r.path().contains("{") || r.access() instanceof Access.Anonymous
                    || r.path().startsWith("/ui")) {
                continue;
            }
            for (String q : queries) {
                TestClient.Response resp = http.send("GET", r.path() + "?" + q, admin, null, Map.of());
                if (resp.status() >= 500) {
                    problems.add("GET " + r.path() + "?" + clip(q) + " answered " + resp.status() + ": " + clip(resp.body()));
                }
                requireShape(problems, "GET " + r.path() + "?" + clip(q), resp);
            }
        }
        assertThat(problems).isEmpty();
    }

    /** The error body is exactly the style of the API the path belongs to, so each API's stock clients can print it. */
    @Test
    void errorBodiesHaveTheirApisExactShape() {
        List<String> problems = new ArrayList<>();
        for (String path : List.of("/identity/v3/projects/nope", "/baremetal/v1/nodes/nope", "/lease/v1/leases/nope",
                "/network/v1/networks/nope", "/network/v2.0/networks/nope", "/network/v2.0/ports/nope", "/network/v2.0/no-such-resource")) {
            TestClient.Response resp = http.get(path, admin);
            assertThat(resp.status()).as(path).isEqualTo(404);
            assertThat(resp.header("Content-Type")).as(path).startsWith("application/json");
            requireShape(problems, path, resp);
        }
        TestClient.Response noToken = http.get("/identity/v3/projects", null);
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(noToken.json().path("error").path("code").asInt()).isEqualTo(401);
        assertThat(noToken.json().path("error").path("title").asText()).isEqualTo("Unauthorized");
        JsonNode ironic = http.get("/baremetal/v1/nodes", null).expect(401).json();
        assertThat(ironic.path("error_message").isTextual()).isTrue();
        assertThat(problems).isEmpty();
    }

    private static List<HttpApi.RouteSpec> bodyRoutes() {
        List<HttpApi.RouteSpec> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (HttpApi.RouteSpec r : server.server().routes()) {
            String key = r.method().name() + " " + r.path();
            if (!Set.of("POST", "PUT", "PATCH").contains(r.method().name()) || r.path().startsWith("/ui") || NO_BODY.contains(key)) {
                continue;
            }
            if (!VALID.containsKey(key)) {
                missing.add(key);
                continue;
            }
            out.add(r);
        }
        assertThat(missing).as("body routes without a sample body in RouteBadInputTest.VALID").isEmpty();
        return out;
    }

    /** For each field path in the sample, the sample with that field's value replaced by one of another JSON type. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> wrongTypeVariants(Object valid) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (valid instanceof List<?> ops) {
            // JSON Patch: each member of the first operation mistyped.
            Map<String, Object> op = (Map<String, Object>) ops.get(0);
            for (String k : List.of("op", "path")) {
                Map<String, Object> bad = new LinkedHashMap<>(op);
                bad.put(k, 42);
                out.put("patch." + k + "=42", List.of(bad));
            }
            out.put("patch op is a string", List.of("add"));
            return out;
        }
        walk((Map<String, Object>) valid, "", (field, value, replace) -> out.put(field + "=" + describeType(mistyped(value)), replace.apply(mistyped(value))));
        return out;
    }

    /** For each string field in the sample, the sample with that string replaced by {@code text}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> stringVariants(Object valid, String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (valid instanceof List<?> ops) {
            Map<String, Object> op = new LinkedHashMap<>((Map<String, Object>) ops.get(0));
            op.put("value", text);
            out.put("patch value", List.of(op));
            Map<String, Object> p = new LinkedHashMap<>((Map<String, Object>) ops.get(0));
            p.put("path", "/extra/" + text);
            out.put("patch path", List.of(p));
            return out;
        }
        walk((Map<String, Object>) valid, "", (field, value, replace) -> {
            if (value instanceof String) {
                out.put(field, replace.apply(text));
            }
        });
        return out;
    }

    interface FieldVisitor {
        void visit(String field, Object value, java.util.function.Function<Object, Object> replace);
    }

    /** Visits every field, depth first, with a function that rebuilds the whole body with that one field replaced. */
    @SuppressWarnings("unchecked")
    private static void walk(Map<String, Object> body, String prefix, FieldVisitor visitor) {
        for (Map.Entry<String, Object> e : body.entrySet()) {
            String field = prefix + e.getKey();
            visitor.visit(field, e.getValue(), v -> {
                Map<String, Object> copy = new LinkedHashMap<>(body);
                copy.put(e.getKey(), v);
                return copy;
            });
            if (e.getValue() instanceof Map<?, ?> inner) {
                walk((Map<String, Object>) inner, field + ".", (f, value, replace) -> visitor.visit(f, value, v -> {
                    Map<String, Object> copy = new LinkedHashMap<>(body);
                    copy.put(e.getKey(), replace.apply(v));
                    return copy;
                }));
            }
        }
    }

    private static Object mistyped(Object value) {
        if (value instanceof String) {
            return 12345;
        }
        if (value instanceof Map<?, ?>) {
            return "not-an-object";
        }
        if (value instanceof List<?>) {
            return Map.of("not", "a list");
        }
        if (value instanceof Boolean) {
            return "yes";
        }
        return List.of("not", "a number");
    }

    private static String describeType(Object value) {
        return value instanceof Integer ? "number" : value instanceof String ? "string" : value instanceof Map ? "object" : "list";
    }

    private static TestClient.Response sendBytes(String method, String path, String token, byte[] body) {
        return sendRaw(method, path, token, java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /** A body without Content-Length (chunked), so the size limit must hold while reading, not just on the header. */
    private static TestClient.Response sendChunked(String method, String path, String token, int size) {
        byte[] body = ("{\"x\":\"" + "a".repeat(size) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return sendRaw(method, path, token, java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)));
    }

    private static TestClient.Response sendRaw(String method, String path, String token, java.net.http.HttpRequest.BodyPublisher body) {
        try {
            var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base() + path))
                    .timeout(java.time.Duration.ofSeconds(30)).header("Content-Type", "application/json").method(method, body);
            if (token != null) {
                b.header("X-Auth-Token", token);
            }
            var resp = RAW.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return new TestClient.Response(resp.statusCode(), resp.body(), resp.headers());
        } catch (java.io.IOException e) {
            // The server may close the connection once it has refused an oversized upload; that is a refusal too.
            return new TestClient.Response(413, "{\"error\":{\"message\":\"connection closed: " + e.getClass().getSimpleName() + "\"}}",
                    java.net.http.HttpHeaders.of(Map.of(), (a, b2) -> true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final java.net.http.HttpClient RAW = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    private static void check(List<String> problems, String what, TestClient.Response resp, int wanted) {
        if (resp.status() != wanted) {
            problems.add(what + ": wanted " + wanted + " but got " + resp.status() + " " + clip(resp.body()));
        }
        requireShape(problems, what, resp);
    }

    private static void requireShape(List<String> problems, String what, TestClient.Response resp) {
        String body = resp.body();
        if (body.matches("(?s).*(Exception|Error:|at org\\.|at java\\.|org\\.esi\\.|java\\.lang|com\\.fasterxml|org\\.jdbi|org\\.postgresql|PSQL|SQLState|\\bSQL\\b|jetty|javalin).*")) {
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
        String path = what.replaceFirst("^[A-Z]+ ", "");
        String shapeProblem = shapeProblem(path, resp.status(), j);
        if (shapeProblem != null) {
            problems.add(what + ": " + shapeProblem + ": " + clip(body));
        }
    }

    /**
     * Keystone {@code {"error":{"code","message","title"}}} under /identity, Neutron
     * {@code {"NeutronError":{"type","message","detail"}}} under /network/v2.0, Ironic
     * {@code {"error_message":"<JSON of faultcode/faultstring/debuginfo>"}} under /baremetal, the bare fault
     * elsewhere; null when the body is right.
     */
    static String shapeProblem(String path, int status, JsonNode j) {
        if (status == 400 && j.path("faultstring").asText().startsWith("The request could not be read") && j.has("debuginfo")) {
            return null; // refused by the HTTP layer before routing (e.g. %00 in the URL): no API known yet, the plain fault
        }
        if (path.startsWith("/identity")) {
            JsonNode e = j.path("error");
            if (e.path("code").asInt() != status || !e.path("message").isTextual() || !e.path("title").isTextual() || j.size() != 1) {
                return "not a Keystone error body";
            }
            return null;
        }
        if (path.startsWith("/network/v2.0") || path.equals("/network")) {
            JsonNode e = j.path("NeutronError");
            if (!e.path("type").isTextual() || e.path("type").asText().isBlank() || !e.path("message").isTextual() || !e.has("detail")
                    || j.size() != 1) {
                return "not a Neutron error body";
            }
            return null;
        }
        if (path.startsWith("/baremetal")) {
            if (!j.path("error_message").isTextual() || j.size() != 1) {
                return "not an Ironic error body";
            }
            try {
                JsonNode inner = new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.path("error_message").asText());
                if (!inner.path("faultstring").isTextual() || !inner.path("faultcode").asText().equals(status < 500 ? "Client" : "Server")) {
                    return "Ironic error_message lacks faultcode/faultstring";
                }
            } catch (java.io.IOException ex) {
                return "Ironic error_message is not a JSON string";
            }
            return null;
        }
        if (!j.path("faultstring").isTextual() || !j.path("faultcode").asText().equals(status < 500 ? "Client" : "Server")
                || !j.has("debuginfo")) {
            return "not a faultcode/faultstring/debuginfo body";
        }
        return null;
    }

    private static String concrete(String template, List<String> problems) {
        Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String param = m.group(1);
            String value = switch (param) {
                case "ident", "node" -> ids.get("node");
                case "uuid" -> template.contains("/bids/") ? ids.get("bid") : ids.get("port");
                case "p", "project" -> ids.get("project");
                case "u" -> ids.get("user");
                case "r" -> "member";
                case "vif" -> "vif-1";
                case "network" -> ids.get("network");
                case "name" -> "never-peer";
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
        if (template.contains("/attachments/")) {
            return "00000000-0000-4000-8000-00000000a77a"; // none exists: the route's own 404 is what is judged
        }
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
        if (template.contains("/subnets/")) {
            return ids.get("subnet");
        }
        if (template.contains("/v2.0/ports/")) {
            return ids.get("nport");
        }
        if (template.contains("/networks/")) {
            return ids.get("network");
        }
        if (template.contains("/trunks/")) {
            return ids.get("trunk");
        }
        if (template.contains("/pools/")) {
            return ids.get("pool");
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
        return snapshotOf(List.of("project", "esi_user", "role_assignment", "token", "node", "port", "booking", "offer", "lease",
                "event", "network", "network_rbac", "switch", "trunk", "trunk_network", "attachment", "webhook", "webhook_delivery",
                "console_token", "subnet", "subnet_pool_range", "network_port", "port_ip",
                "pool", "pool_member", "pool_scale", "pool_openshift",
                "market_account", "market_transaction", "market_entry", "market_hold", "market_bid", "idempotency_key", "lease_quota",
                "federation_peer", "federation_jti", "federation_shadow_project", "federation_shadow_user"));
    }

    private static String snapshotOf(List<String> tables) throws Exception {
        var cfg = server.server().config();
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow())) {
            for (String table : tables) {
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
