package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may do what to a node (spec: baremetal-api.md), as a table: every node and port route against
 * the admin, the node's owner, its lessee, an unrelated project, no token, an expired token and a
 * revoked token. A caller who may not see the node gets 404, never 403. Each cell acts on a node of
 * its own so cells cannot disturb each other.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class NodeAuthorizationMatrixTest {
    enum Who { ADMIN, OWNER, LESSEE, OTHER, NONE, EXPIRED, REVOKED }

    /** One route: how to call it on a given node (name) with a given port (uuid), and the expected status per caller. */
    record Row(String name, String method, Function<Cell, String> path, Function<Cell, Object> body, int admin, int owner, int lessee, int other) {
        int expected(Who who) {
            return switch (who) {
                case ADMIN -> admin;
                case OWNER -> owner;
                case LESSEE -> lessee;
                case OTHER -> other;
                case NONE, EXPIRED, REVOKED -> 401;
            };
        }
    }

    record Cell(String node, String port) {}

    static final List<Row> TABLE = List.of(
            //      name                     method   path                                                  body                                                               admin owner lessee other
            new Row("list nodes",            "GET",   c -> "/baremetal/v1/nodes",                            c -> null,                                                          200, 200, 200, 200),
            new Row("show node",             "GET",   c -> "/baremetal/v1/nodes/" + c.node(),                c -> null,                                                          200, 200, 200, 404),
            new Row("node states",           "GET",   c -> "/baremetal/v1/nodes/" + c.node() + "/states",    c -> null,                                                          200, 200, 200, 404),
            new Row("create node",           "POST",  c -> "/baremetal/v1/nodes",                            c -> Map.of("driver", "fake-hardware", "name", c.node() + "-new"),  201, 201, 403, 201),
            new Row("patch properties",      "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/properties/cpus", 8),                                  200, 200, 403, 404),
            new Row("patch driver_info",     "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/driver_info/fake_id", "x"),                            200, 200, 403, 404),
            new Row("patch extra",           "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/extra/note", "hi"),                                    200, 200, 200, 404),
            new Row("patch instance_info",   "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/instance_info/image_source", "http://x/i.iso"),        200, 200, 200, 404),
            new Row("patch owner",           "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/owner", "admin"),                                      200, 403, 403, 404),
            new Row("delete leased node",    "DELETE", c -> "/baremetal/v1/nodes/" + c.node(),               c -> null,                                                          204, 409, 403, 404),
            new Row("power on",              "PUT",   c -> "/baremetal/v1/nodes/" + c.node() + "/states/power", c -> Map.of("target", "power on"),                              202, 202, 202, 404),
            new Row("provision manage",      "PUT",   c -> "/baremetal/v1/nodes/" + c.node() + "/states/provision", c -> Map.of("target", "manage"),                            202, 202, 403, 404),
            new Row("maintenance on",        "PUT",   c -> "/baremetal/v1/nodes/" + c.node() + "/maintenance", c -> Map.of("reason", "test"),                                   202, 202, 403, 404),
            new Row("get boot device",       "GET",   c -> "/baremetal/v1/nodes/" + c.node() + "/management/boot_device", c -> null,                                            200, 200, 200, 404),
            new Row("set boot device",       "PUT",   c -> "/baremetal/v1/nodes/" + c.node() + "/management/boot_device", c -> Map.of("boot_device", "pxe"),                    204, 204, 204, 404),
            new Row("list vifs",             "GET",   c -> "/baremetal/v1/nodes/" + c.node() + "/vifs",      c -> null,                                                          200, 200, 200, 404),
            // No network port is named "vif-...": who may act on the node gets past the node to Ironic's 400; others never see it.
            // Attaching real network ports (switch work, policy on ports and networks) is NeutronVifTest's.
            new Row("attach vif",            "POST",  c -> "/baremetal/v1/nodes/" + c.node() + "/vifs",      c -> Map.of("id", "vif-" + c.node()),                               400, 400, 400, 404),
            new Row("list node ports",       "GET",   c -> "/baremetal/v1/nodes/" + c.node() + "/ports",     c -> null,                                                          200, 200, 200, 404),
            new Row("create port",           "POST",  c -> "/baremetal/v1/ports",                            c -> Map.of("node_uuid", c.node(), "address", mac(c.node())),       201, 201, 403, 404),
            new Row("show port",             "GET",   c -> "/baremetal/v1/ports/" + c.port(),                c -> null,                                                          200, 200, 200, 404),
            new Row("patch port",            "PATCH", c -> "/baremetal/v1/ports/" + c.port(),                c -> patch("/extra/x", 1),                                          200, 200, 403, 404),
            new Row("delete port",           "DELETE", c -> "/baremetal/v1/ports/" + c.port(),               c -> null,                                                          204, 204, 403, 404),
            new Row("list nodes detail",     "GET",   c -> "/baremetal/v1/nodes/detail",                     c -> null,                                                          200, 200, 200, 200),
            new Row("patch name",            "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/name", c.node() + "-renamed"),                         200, 200, 403, 404),
            new Row("patch resource_class",  "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/resource_class", "gpu"),                               200, 200, 403, 404),
            new Row("patch lessee",          "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> List.of(Map.of("op", "remove", "path", "/lessee")),            200, 200, 403, 404),
            new Row("patch traits",          "PATCH", c -> "/baremetal/v1/nodes/" + c.node(),                c -> patch("/traits", List.of("CUSTOM_X")),                         200, 200, 403, 404),
            new Row("maintenance off",       "DELETE", c -> "/baremetal/v1/nodes/" + c.node() + "/maintenance", c -> null,                                                       202, 202, 403, 404),
            new Row("supported boot devices", "GET",  c -> "/baremetal/v1/nodes/" + c.node() + "/management/boot_device/supported", c -> null,                                  200, 200, 200, 404),
            new Row("console state",         "GET",   c -> "/baremetal/v1/nodes/" + c.node() + "/states/console", c -> null,                                                     200, 200, 200, 404),
            new Row("list node ports detail", "GET",  c -> "/baremetal/v1/nodes/" + c.node() + "/ports/detail", c -> null,                                                      200, 200, 200, 404),
            new Row("list ports",            "GET",   c -> "/baremetal/v1/ports",                            c -> null,                                                          200, 200, 200, 200),
            new Row("list ports detail",     "GET",   c -> "/baremetal/v1/ports/detail",                     c -> null,                                                          200, 200, 200, 200),
            new Row("list drivers",          "GET",   c -> "/baremetal/v1/drivers",                          c -> null,                                                          200, 200, 200, 200));

    /**
     * Bare-metal routes deliberately not in the table, with the reason. Any other route missing from the
     * table fails {@link #everyBareMetalRouteIsInTheTable}, so a new route must be given its row.
     */
    static final Map<String, String> NOT_IN_TABLE = Map.of(
            "PUT /baremetal/v1/nodes/{ident}/states/console", "answers depend on the console driver; ConsoleRoutes tests cover who may",
            "DELETE /baremetal/v1/nodes/{ident}/vifs/{vif}", "needs an attached VIF per cell; NeutronVifTest covers detaching",
            "GET /baremetal/v1/drivers/{name}", "names a driver, not a node; the list's rule, which the table covers; DriverApiTest asks each caller");

    static MutableClock clock = new MutableClock();
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String ownerProject;
    static String lesseeProject;
    static final Map<Who, String> tokens = new LinkedHashMap<>();
    static int cells;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of(), clock);
        http = server.client();
        admin = server.adminToken();
        ownerProject = server.createProject("matrix-owner", null);
        lesseeProject = server.createProject("matrix-lessee", null);
        String otherProject = server.createProject("matrix-other", null);
        tokens.put(Who.ADMIN, admin);
        tokens.put(Who.OWNER, server.userToken("matrix-owner-user", ownerProject, "owner"));
        tokens.put(Who.LESSEE, server.userToken("matrix-lessee-user", lesseeProject, "lessee"));
        tokens.put(Who.OTHER, server.userToken("matrix-other-user", otherProject, "owner"));
        tokens.put(Who.NONE, null);
        String revoked = server.userToken("matrix-revoked-user", ownerProject, "owner");
        http.send("DELETE", "/identity/v3/auth/tokens", admin, null, Map.of("X-Subject-Token", revoked)).expect(204);
        tokens.put(Who.REVOKED, revoked);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // last: it moves the clock past every token's lifetime
    void everyRouteAnswersEachCallerAsTheSpecSays() {
        List<String> wrong = new ArrayList<>();
        for (Who who : List.of(Who.ADMIN, Who.OWNER, Who.LESSEE, Who.OTHER, Who.NONE, Who.REVOKED)) {
            for (Row row : TABLE) {
                run(row, who, tokens.get(who), wrong);
            }
        }
        // Expired: the same routes once the clock has passed the tokens' lifetime (12 h by default).
        String soonExpired = server.userToken("matrix-expiring-user", ownerProject, "owner");
        clock.advance(Duration.ofHours(13));
        tokens.put(Who.ADMIN, server.adminToken()); // the admin's own token expired too; set-up needs a live one
        for (Row row : TABLE) {
            run(row, Who.EXPIRED, soonExpired, wrong);
        }
        assertThat(wrong).as("cells that differ from the spec").isEmpty();
    }

    @Test
    void everyBareMetalRouteIsInTheTable() {
        java.util.Set<String> covered = new java.util.HashSet<>();
        for (Row row : TABLE) {
            covered.add(row.method() + " " + row.path().apply(new Cell("{ident}", "{uuid}")));
        }
        List<String> missing = new ArrayList<>();
        for (org.esi.http.HttpApi.RouteSpec r : server.server().routes()) {
            String key = r.method().name() + " " + r.path();
            if (r.path().startsWith("/baremetal/v1/") && !(r.access() instanceof org.esi.http.Access.Anonymous)
                    && !covered.contains(key) && !NOT_IN_TABLE.containsKey(key)) {
                missing.add(key);
            }
        }
        assertThat(missing).as("bare-metal routes with no row in NodeAuthorizationMatrixTest.TABLE").isEmpty();
    }

    /** Lists answer everyone, but only with what each may see: the unrelated project's list lacks the node. */
    @Test
    void listsShowEachCallerOnlyWhatItMaySee() {
        Cell cell = freshNode();
        for (Who who : List.of(Who.ADMIN, Who.OWNER, Who.LESSEE, Who.OTHER)) {
            boolean sees = who != Who.OTHER;
            String token = tokens.get(who);
            for (String list : List.of("/baremetal/v1/nodes", "/baremetal/v1/nodes/detail")) {
                assertThat(http.get(list, token).expect(200).json().path("nodes").findValuesAsText("name"))
                        .as("%s listing %s", who, list).matches(names -> names.contains(cell.node()) == sees);
            }
            assertThat(http.get("/baremetal/v1/ports", token).expect(200).json().path("ports").findValuesAsText("uuid"))
                    .as("%s listing ports", who).matches(uuids -> uuids.contains(cell.port()) == sees);
        }
        // The lessee sees the node but not its BMC credentials; the owner sees them, password masked.
        com.fasterxml.jackson.databind.JsonNode asLessee = http.get("/baremetal/v1/nodes/" + cell.node(), tokens.get(Who.LESSEE)).expect(200).json();
        assertThat(asLessee.path("driver_info").toString()).as("driver_info hidden from the lessee")
                .doesNotContain("fake_id").doesNotContain(cell.node());
        com.fasterxml.jackson.databind.JsonNode asOwner = http.get("/baremetal/v1/nodes/" + cell.node(), tokens.get(Who.OWNER)).expect(200).json();
        assertThat(asOwner.path("driver_info").path("fake_id").asText()).isEqualTo(cell.node());
    }

    /**
     * A lessee reads why its node failed, but not where the BMC is or how to log in to it: last_error with every
     * driver_info value, URL and address hidden. The owner and admin read it whole; others do not see the node.
     */
    @Test
    void theLesseeReadsItsNodesLastErrorWithoutTheBmcsDetails() throws Exception {
        String name = "m-err" + (cells++);
        String otherName = "m-err-other" + (cells++);
        String admin = tokens.get(Who.ADMIN);
        Map<String, Object> bmc = Map.of("ipmi_address", "127.0.0.77", "ipmi_port", 6230, "ipmi_username", "bmc-operator",
                "ipmi_password", "pw-not-for-lessees");
        http.post("/baremetal/v1/nodes", admin, Map.of("name", name, "driver", "fake-hardware", "driver_info", bmc,
                "owner", ownerProject, "lessee", lesseeProject)).expect(201);
        // The same failure on a node the lessee does not lease.
        http.post("/baremetal/v1/nodes", admin, Map.of("name", otherName, "driver", "fake-hardware",
                "driver_info", Map.of("fake_id", "other-bmc.example"), "owner", ownerProject)).expect(201);
        server.fakeHardware().machine("127.0.0.77:6230").failNext(1, org.esi.spi.BmcException.Kind.UNREACHABLE);
        server.fakeHardware().machine("other-bmc.example").failNext(1, org.esi.spi.BmcException.Kind.UNREACHABLE);
        for (String node : List.of(name, otherName)) {
            http.put("/baremetal/v1/nodes/" + node + "/states/power", admin, Map.of("target", "power on")).expect(202);
        }
        NodeWaits waits = new NodeWaits(http, admin);
        for (String node : List.of(name, otherName)) {
            waits.await(node, n -> n.path("target_power_state").isNull() && !n.path("last_error").isNull());
        }

        String whole = http.get("/baremetal/v1/nodes/" + name, tokens.get(Who.OWNER)).expect(200).json().path("last_error").asText();
        assertThat(whole).contains("power on").contains("127.0.0.77");
        assertThat(http.get("/baremetal/v1/nodes/" + name, admin).json().path("last_error").asText()).isEqualTo(whole);

        String lessee = tokens.get(Who.LESSEE);
        List<String> seen = new ArrayList<>();
        seen.add(http.get("/baremetal/v1/nodes/" + name, lessee).expect(200).json().path("last_error").asText());
        seen.add(http.get("/baremetal/v1/nodes/" + name + "/states", lessee).expect(200).json().path("last_error").asText());
        seen.add(http.get("/baremetal/v1/nodes/" + name + "?fields=name,last_error", lessee).expect(200).json().path("last_error").asText());
        for (String list : List.of("/baremetal/v1/nodes/detail", "/baremetal/v1/nodes?fields=name,last_error")) {
            com.fasterxml.jackson.databind.JsonNode nodes = http.get(list, lessee).expect(200).json().path("nodes");
            assertThat(nodes.findValuesAsText("name")).as(list).contains(name).doesNotContain(otherName);
            nodes.forEach(n -> {
                if (n.path("name").asText().equals(name)) {
                    seen.add(n.path("last_error").asText());
                }
            });
        }
        assertThat(seen).hasSize(5).allSatisfy(text -> assertThat(text)
                .isEqualTo("Failed to change power state to 'power on': injected failure of setPower on fake machine *** (0 more to come)"));
        for (String text : seen) {
            assertThat(text).doesNotContain("127.0.0.77").doesNotContain("6230").doesNotContain("bmc-operator").doesNotContain("pw-not");
        }

        // Not the lessee's node: not found, its error nowhere.
        http.get("/baremetal/v1/nodes/" + otherName, lessee).expect(404);
        http.get("/baremetal/v1/nodes/" + otherName + "/states", lessee).expect(404);
        http.get("/baremetal/v1/nodes/" + name, tokens.get(Who.OTHER)).expect(404);
        assertThat(http.get("/baremetal/v1/nodes/detail", tokens.get(Who.OTHER)).expect(200).body()).doesNotContain("injected failure");
    }

    @Test
    void ownerCreatesNodesOnlyForItselfAndDeletesUnleasedOnes() {
        String mine = http.post("/baremetal/v1/nodes", tokens.get(Who.OWNER), Map.of("driver", "fake-hardware", "name", "owned-by-me"))
                .expect(201).json().path("owner").asText();
        assertThat(mine).isEqualTo(ownerProject);
        http.post("/baremetal/v1/nodes", tokens.get(Who.OWNER), Map.of("driver", "fake-hardware", "name", "owned-by-them", "owner", lesseeProject))
                .expect(403);
        http.delete("/baremetal/v1/nodes/owned-by-me", tokens.get(Who.OWNER)).expect(204);
        http.get("/baremetal/v1/nodes/owned-by-them", admin).expect(404);
    }

    private void run(Row row, Who who, String token, List<String> wrong) {
        Cell cell = freshNode();
        TestClient.Response r = http.send(row.method(), row.path().apply(cell), token, row.body().apply(cell), Map.of());
        int expected = row.expected(who);
        if (r.status() != expected) {
            wrong.add(String.format("%-22s %-8s expected %d got %d: %s", row.name(), who, expected, r.status(),
                    r.body().length() > 160 ? r.body().substring(0, 160) : r.body()));
        }
    }

    /** A node owned by the owner project and leased to the lessee project, with one port. */
    private Cell freshNode() {
        String name = "m" + (cells++);
        String admin = tokens.get(Who.ADMIN);
        http.post("/baremetal/v1/nodes", admin, Map.of("name", name, "driver", "fake-hardware", "driver_info", Map.of("fake_id", name),
                "owner", ownerProject, "lessee", lesseeProject)).expect(201);
        String port = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", name, "address", mac(name + "p")))
                .expect(201).json().path("uuid").asText();
        return new Cell(name, port);
    }

    static List<Map<String, Object>> patch(String path, Object value) {
        return List.of(Map.of("op", "add", "path", path, "value", value));
    }

    static final java.util.concurrent.atomic.AtomicInteger MACS = new java.util.concurrent.atomic.AtomicInteger();

    /** A MAC never handed out before in this run (the seed only documents what it is for). */
    static String mac(String seed) {
        int h = MACS.incrementAndGet();
        return String.format("52:54:%02x:%02x:%02x:%02x", (h >> 24) & 0xff, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
    }
}
