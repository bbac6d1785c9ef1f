package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node inventory through HTTP against a real server and database. */
class NodeApiTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void enrollShowPatchDelete() {
        JsonNode created = http.post("/baremetal/v1/nodes", admin, Map.of("name", "enroll-1", "driver", "ipmi",
                "driver_info", Map.of("ipmi_address", "10.1.1.1", "ipmi_port", 623, "ipmi_password", "hunter22"),
                "properties", Map.of("cpus", 8))).expect(201).json();
        assertThat(created.path("provision_state").asText()).isEqualTo("enroll");
        assertThat(created.path("driver_info").path("ipmi_password").asText()).isEqualTo("******");
        String uuid = created.path("uuid").asText();

        JsonNode shown = http.get("/baremetal/v1/nodes/enroll-1", admin).expect(200).json();
        assertThat(shown.path("uuid").asText()).isEqualTo(uuid);
        assertThat(shown.toString()).doesNotContain("hunter22");

        JsonNode patched = http.patch("/baremetal/v1/nodes/" + uuid, admin, List.of(
                Map.of("op", "add", "path", "/properties/memory_mb", "value", 4096),
                Map.of("op", "replace", "path", "/name", "value", "enroll-2"))).expect(200).json();
        assertThat(patched.path("properties").path("memory_mb").asInt()).isEqualTo(4096);
        assertThat(patched.path("properties").path("cpus").asInt()).isEqualTo(8);
        assertThat(patched.path("name").asText()).isEqualTo("enroll-2");
        assertThat(patched.path("driver_info").path("ipmi_password").asText()).isEqualTo("******");

        http.delete("/baremetal/v1/nodes/enroll-2", admin).expect(204);
        http.get("/baremetal/v1/nodes/" + uuid, admin).expect(404);
    }

    @Test
    void secretsAreEncryptedAtRest() throws Exception {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", "secret-1", "driver", "redfish",
                "driver_info", Map.of("redfish_address", "https://bmc.example", "redfish_username", "root",
                        "redfish_password", "very-secret-pw"))).expect(201);
        try (var c = java.sql.DriverManager.getConnection(
                server.server().config().databaseUrl().orElseThrow(),
                server.server().config().databaseUser().orElseThrow(),
                server.server().config().databasePassword().orElseThrow());
             var rs = c.createStatement().executeQuery("select driver_info::text from node where name = 'secret-1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).doesNotContain("very-secret-pw").contains("enc:v1:");
        }
    }

    @Test
    void paginationFollowsNextLinks() {
        for (int i = 0; i < 7; i++) {
            http.post("/baremetal/v1/nodes", admin, Map.of("name", "page-" + i, "driver", "fake-hardware", "resource_class", "paging"))
                    .expect(201);
        }
        String next = "/baremetal/v1/nodes?resource_class=paging&limit=3";
        int pages = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (next != null) {
            JsonNode page = http.get(next, admin).expect(200).json();
            page.path("nodes").forEach(n -> seen.add(n.path("name").asText()));
            pages++;
            next = page.has("next") ? page.path("next").asText().substring(http.base().length()) : null;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(7);
    }
}
