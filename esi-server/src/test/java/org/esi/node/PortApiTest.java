package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /baremetal/v1/ports} as Ironic clients use it: a port is visible exactly when its node is. */
class PortApiTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String ownerProject;
    static String lesseeProject;
    static String owner;
    static String lessee;
    static String other;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        ownerProject = server.createProject("port-owner", null);
        lesseeProject = server.createProject("port-lessee", null);
        String otherProject = server.createProject("port-other", null);
        owner = server.userToken("port-owner-user", ownerProject, "owner");
        lessee = server.userToken("port-lessee-user", lesseeProject, "lessee");
        other = server.userToken("port-other-user", otherProject, "owner");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String node(String name) {
        return http.post("/baremetal/v1/nodes", admin, Map.of("name", name, "driver", "fake-hardware", "owner", ownerProject,
                "lessee", lesseeProject)).expect(201).json().path("uuid").asText();
    }

    @Test
    void createListShowPatchDelete() {
        String nodeUuid = node("port-crud");
        JsonNode created = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-crud", "address", "52:54:00:AA:BB:01",
                "local_link_connection", Map.of("switch_id", "0a:1b:2c:3d:4e:5f", "port_id", "Eth1/1", "switch_info", "leaf-1"),
                "physical_network", "physnet1", "pxe_enabled", false, "extra", Map.of("rack", "r1"))).expect(201).json();
        String uuid = created.path("uuid").asText();
        assertThat(created.path("address").asText()).as("MAC addresses are normalised to lower case").isEqualTo("52:54:00:aa:bb:01");
        assertThat(created.path("node_uuid").asText()).as("node named by name is stored by uuid").isEqualTo(nodeUuid);
        assertThat(created.path("local_link_connection").path("port_id").asText()).isEqualTo("Eth1/1");
        assertThat(created.path("pxe_enabled").asBoolean(true)).isFalse();
        assertThat(created.path("links").isArray()).isTrue();

        JsonNode list = http.get("/baremetal/v1/ports?node=" + nodeUuid, admin).expect(200).json().path("ports");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("uuid").asText()).isEqualTo(uuid);
        assertThat(list.get(0).has("local_link_connection")).as("short list shows uuid, address, links only").isFalse();
        JsonNode detail = http.get("/baremetal/v1/ports/detail?node=port-crud", admin).expect(200).json().path("ports");
        assertThat(detail.get(0).path("physical_network").asText()).isEqualTo("physnet1");
        assertThat(http.get("/baremetal/v1/nodes/port-crud/ports", admin).expect(200).json().path("ports").findValuesAsText("uuid"))
                .containsExactly(uuid);
        assertThat(http.get("/baremetal/v1/ports?address=52:54:00:aa:bb:01", admin).expect(200).json().path("ports")
                .findValuesAsText("uuid")).containsExactly(uuid);

        JsonNode shown = http.get("/baremetal/v1/ports/" + uuid + "?fields=uuid,address", admin).expect(200).json();
        assertThat(shown.path("address").asText()).isEqualTo("52:54:00:aa:bb:01");
        assertThat(shown.has("extra")).isFalse();

        JsonNode patched = http.patch("/baremetal/v1/ports/" + uuid, admin, List.of(
                Map.of("op", "replace", "path", "/address", "value", "52:54:00:aa:bb:02"),
                Map.of("op", "add", "path", "/extra/slot", "value", 3),
                Map.of("op", "replace", "path", "/pxe_enabled", "value", true))).expect(200).json();
        assertThat(patched.path("address").asText()).isEqualTo("52:54:00:aa:bb:02");
        assertThat(patched.path("extra").path("rack").asText()).isEqualTo("r1");
        assertThat(patched.path("extra").path("slot").asInt()).isEqualTo(3);
        assertThat(patched.path("pxe_enabled").asBoolean()).isTrue();
        assertThat(http.get("/baremetal/v1/ports/" + uuid, admin).expect(200).json().path("address").asText()).isEqualTo("52:54:00:aa:bb:02");

        http.patch("/baremetal/v1/ports/" + uuid, admin, List.of(Map.of("op", "replace", "path", "/node_uuid", "value", uuid)))
                .expect(400);
        http.patch("/baremetal/v1/ports/" + uuid, admin, List.of(Map.of("op", "replace", "path", "/uuid", "value", uuid))).expect(400);

        http.delete("/baremetal/v1/ports/" + uuid, admin).expect(204);
        http.get("/baremetal/v1/ports/" + uuid, admin).expect(404);
        http.delete("/baremetal/v1/ports/" + uuid, admin).expect(404);
    }

    @Test
    void duplicateMacIsAConflictWhateverItsSpelling() {
        node("port-dup");
        String first = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-dup", "address", "52:54:00:dd:00:01"))
                .expect(201).json().path("uuid").asText();
        TestClient.Response again = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-dup", "address", "52-54-00-DD-00-01"));
        again.expect(409);
        assertIronicError(again, "52:54:00:dd:00:01");
        String second = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-dup", "address", "52:54:00:dd:00:02"))
                .expect(201).json().path("uuid").asText();
        // Renaming onto a taken MAC is the same conflict, and changes nothing.
        http.patch("/baremetal/v1/ports/" + second, admin, List.of(Map.of("op", "replace", "path", "/address", "value", "52:54:00:dd:00:01")))
                .expect(409);
        assertThat(http.get("/baremetal/v1/ports/" + second, admin).json().path("address").asText()).isEqualTo("52:54:00:dd:00:02");
        // The same UUID twice is a conflict too.
        http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-dup", "address", "52:54:00:dd:00:03", "uuid", first)).expect(409);
    }

    @Test
    void badMacAddressesAre400() {
        node("port-badmac");
        for (String mac : List.of("", "52:54:00:aa:bb", "52:54:00:aa:bb:cc:dd", "zz:54:00:aa:bb:cc", "525400aabbcc", "52:54:00:aa:bb:cc ",
                "52:54:00:aa:bb:c")) {
            TestClient.Response r = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-badmac", "address", mac));
            assertThat(r.status()).as("MAC '%s'", mac).isEqualTo(400);
            assertIronicError(r, null);
        }
        http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-badmac")).expect(400);
        http.post("/baremetal/v1/ports", admin, Map.of("address", "52:54:00:ee:00:01")).expect(400);
        assertThat(http.get("/baremetal/v1/nodes/port-badmac/ports", admin).json().path("ports")).isEmpty();
    }

    @Test
    void localLinkConnectionIsValidated() {
        node("port-llc");
        record Case(Object llc, int status) {}
        List<Case> cases = List.of(
                new Case(Map.of("switch_id", "0a:1b:2c:3d:4e:5f", "port_id", "Eth1/2"), 201),
                new Case(Map.of(), 201),
                new Case("switch-1:Eth1/2", 400),
                new Case(List.of("switch-1"), 400),
                new Case(Map.of("switch_id", 42), 400),
                new Case(Map.of("port_id", Map.of("nested", true)), 400),
                new Case(Map.of("switch_id", "s", "vlan", "100"), 400));
        int i = 10;
        for (Case c : cases) {
            TestClient.Response r = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-llc", "address", "52:54:00:11:00:" + (i++),
                    "local_link_connection", c.llc()));
            assertThat(r.status()).as("local_link_connection %s", c.llc()).isEqualTo(c.status());
        }
        String uuid = http.get("/baremetal/v1/nodes/port-llc/ports", admin).json().path("ports").get(0).path("uuid").asText();
        http.patch("/baremetal/v1/ports/" + uuid, admin, List.of(Map.of("op", "add", "path", "/local_link_connection/bogus", "value", "x")))
                .expect(400);
        http.patch("/baremetal/v1/ports/" + uuid, admin, List.of(Map.of("op", "add", "path", "/local_link_connection/switch_info", "value", 7)))
                .expect(400);
        http.patch("/baremetal/v1/ports/" + uuid, admin, List.of(Map.of("op", "add", "path", "/local_link_connection/switch_info", "value", "leaf-9")))
                .expect(200);
        assertThat(http.get("/baremetal/v1/ports/" + uuid, admin).json().path("local_link_connection").path("switch_info").asText())
                .isEqualTo("leaf-9");
    }

    @Test
    void portsAreVisibleExactlyWhenTheirNodeIs() {
        String nodeUuid = node("port-vis");
        String uuid = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-vis", "address", "52:54:00:77:00:01"))
                .expect(201).json().path("uuid").asText();
        // An unleased node of someone else's, to be sure lists are filtered rather than merely allowed.
        String hidden = http.post("/baremetal/v1/nodes", admin, Map.of("name", "port-hidden", "driver", "fake-hardware")).expect(201)
                .json().path("uuid").asText();
        String hiddenPort = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", hidden, "address", "52:54:00:77:00:02"))
                .expect(201).json().path("uuid").asText();

        for (String token : List.of(owner, lessee)) {
            http.get("/baremetal/v1/ports/" + uuid, token).expect(200);
            assertThat(http.get("/baremetal/v1/ports", token).expect(200).json().path("ports").findValuesAsText("uuid"))
                    .contains(uuid).doesNotContain(hiddenPort);
            assertThat(http.get("/baremetal/v1/nodes/" + nodeUuid + "/ports", token).expect(200).json().path("ports")
                    .findValuesAsText("uuid")).containsExactly(uuid);
            http.get("/baremetal/v1/ports/" + hiddenPort, token).expect(404);
        }
        // The unrelated project sees neither the port nor the node, and cannot tell them from ones that do not exist.
        TestClient.Response notThere = http.get("/baremetal/v1/ports/" + uuid, other);
        notThere.expect(404);
        assertThat(http.get("/baremetal/v1/ports/00000000-0000-4000-8000-000000000000", other).expect(404).json().path("error_message").asText())
                .isEqualTo(notThere.json().path("error_message").asText().replace(uuid, "00000000-0000-4000-8000-000000000000"));
        assertThat(http.get("/baremetal/v1/ports", other).expect(200).json().path("ports").findValuesAsText("uuid"))
                .doesNotContain(uuid, hiddenPort);
        http.get("/baremetal/v1/ports?node=" + nodeUuid, other).expect(404);
        http.get("/baremetal/v1/nodes/" + nodeUuid + "/ports", other).expect(404);
        http.patch("/baremetal/v1/ports/" + uuid, other, List.of(Map.of("op", "add", "path", "/extra/x", "value", 1))).expect(404);
        http.delete("/baremetal/v1/ports/" + uuid, other).expect(404);
        http.post("/baremetal/v1/ports", other, Map.of("node_uuid", nodeUuid, "address", "52:54:00:77:00:03")).expect(404);

        // The lessee may look but not rewire; the owner may.
        http.patch("/baremetal/v1/ports/" + uuid, lessee, List.of(Map.of("op", "add", "path", "/extra/x", "value", 1))).expect(403);
        http.delete("/baremetal/v1/ports/" + uuid, lessee).expect(403);
        http.post("/baremetal/v1/ports", lessee, Map.of("node_uuid", nodeUuid, "address", "52:54:00:77:00:04")).expect(403);
        http.patch("/baremetal/v1/ports/" + uuid, owner, List.of(Map.of("op", "add", "path", "/extra/x", "value", 1))).expect(200);
        http.post("/baremetal/v1/ports", owner, Map.of("node_uuid", nodeUuid, "address", "52:54:00:77:00:05")).expect(201);
        assertThat(http.get("/baremetal/v1/nodes/" + nodeUuid + "/ports", admin).json().path("ports")).hasSize(2);
    }

    @Test
    void deletingANodeTakesItsPortsAlong() {
        String nodeUuid = http.post("/baremetal/v1/nodes", admin, Map.of("name", "port-gone", "driver", "fake-hardware")).expect(201)
                .json().path("uuid").asText();
        String uuid = http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", nodeUuid, "address", "52:54:00:99:00:01"))
                .expect(201).json().path("uuid").asText();
        http.delete("/baremetal/v1/nodes/" + nodeUuid, admin).expect(204);
        http.get("/baremetal/v1/ports/" + uuid, admin).expect(404);
        // The MAC is free again.
        node("port-reborn");
        http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-reborn", "address", "52:54:00:99:00:01")).expect(201);
    }

    @Test
    void listParametersAreChecked() {
        http.get("/baremetal/v1/ports?limit=0", admin).expect(400);
        http.get("/baremetal/v1/ports?marker=not-a-uuid", admin).expect(400);
        http.get("/baremetal/v1/ports?address=not-a-mac", admin).expect(400);
        http.get("/baremetal/v1/ports?node=no-such-node", admin).expect(404);
        http.get("/baremetal/v1/ports?sort_key=address", admin).expect(400);
        http.get("/baremetal/v1/ports?fields=uuid,bogus", admin).expect(400);
        for (int i = 0; i < 3; i++) {
            node("port-page-" + i);
            http.post("/baremetal/v1/ports", admin, Map.of("node_uuid", "port-page-" + i, "address", "52:54:00:88:00:0" + i)).expect(201);
        }
        JsonNode page = http.get("/baremetal/v1/ports?limit=2", admin).expect(200).json();
        assertThat(page.path("ports")).hasSize(2);
        assertThat(page.path("next").asText()).contains("marker=").contains("limit=2");
    }

    /** Ironic's error body: {"error_message": "<JSON with faultcode Client and faultstring>"}, naming {@code mentions} if given. */
    static void assertIronicError(TestClient.Response r, String mentions) {
        try {
            JsonNode inner = new ObjectMapper().readTree(r.json().path("error_message").asText());
            assertThat(inner.path("faultcode").asText()).isEqualTo("Client");
            if (mentions != null) {
                assertThat(inner.path("faultstring").asText()).contains(mentions);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("error_message is not JSON: " + r.body());
        }
    }
}
