package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.spi.net.PortConfig;
import org.esi.testing.RecordingSwitchDriver;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The network API over HTTP with a recording switch: allocation, attach/detach, trunks, policy, lease end. */
class NetworkApiTest {
    static RecordingSwitchDriver sw = new RecordingSwitchDriver();
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String owner;
    static String lessee;
    static String other;
    static String lesseeProject;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of("ESI_NETWORK_VLAN_RANGES", "physnet1:100:199,physnet2:300:301"), Clock.systemUTC(),
                new FakeHardwareDriver(), List.of(sw));
        http = server.client();
        admin = server.adminToken();
        String ownerProject = server.createProject("net-owner", null);
        lesseeProject = server.createProject("net-lessee", null);
        String otherProject = server.createProject("net-other", null);
        owner = server.userToken("net-owner-user", ownerProject, "owner");
        lessee = server.userToken("net-lessee-user", lesseeProject, "lessee");
        other = server.userToken("net-other-user", otherProject, "lessee");
        http.post("/network/v1/switches", admin, Map.of("name", "tor1", "driver", "recording", "address", "10.0.0.254",
                "username", "admin", "password", "sw-secret")).expect(201);
        for (int i = 1; i <= 2; i++) {
            http.post("/baremetal/v1/nodes", owner, Map.of("name", "net-n" + i, "driver", "fake-hardware")).expect(201);
            for (int nic = 0; nic < 2; nic++) {
                http.post("/baremetal/v1/ports", owner, Map.of("node_uuid", "net-n" + i, "address", "52:54:00:00:0" + i + ":0" + nic,
                        "local_link_connection", Map.of("switch_info", "tor1", "port_id", "Ethernet1/" + i + nic))).expect(201);
            }
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void switchSecretIsNeverShown() {
        JsonNode sws = http.get("/network/v1/switches", admin).expect(200).json();
        assertThat(sws.toString()).doesNotContain("sw-secret").contains("******");
        http.post("/network/v1/switches", lessee, Map.of("name", "x", "driver", "recording", "address", "a")).expect(403);
        http.post("/network/v1/switches", admin, Map.of("name", "y", "driver", "nope", "address", "a")).expect(400);
    }

    @Test
    void vlansAreAllocatedUniquelyUntilTheRangeIsFull() {
        JsonNode a = http.post("/network/v1/networks", admin, Map.of("name", "alloc-a", "physical_network", "physnet2")).expect(201).json();
        JsonNode b = http.post("/network/v1/networks", admin, Map.of("name", "alloc-b", "physical_network", "physnet2")).expect(201).json();
        assertThat(a.path("vlan_id").asInt()).isNotEqualTo(b.path("vlan_id").asInt()).isBetween(300, 301);
        TestClient.Response full = http.post("/network/v1/networks", admin, Map.of("name", "alloc-c", "physical_network", "physnet2"));
        full.expect(409);
        assertThat(full.json().path("faultstring").asText()).contains("No free VLAN");
        http.post("/network/v1/networks", lessee, Map.of("name", "alloc-d", "vlan_id", 5)).expect(403);
        http.post("/network/v1/networks", admin, Map.of("name", "ext", "vlan_id", 300, "physical_network", "physnet2")).expect(409);
        http.delete("/network/v1/networks/" + a.path("id").asText(), admin).expect(204);
        http.delete("/network/v1/networks/" + b.path("id").asText(), admin).expect(204);
    }

    @Test
    void lesseeAttachesLeasedNodeAndLeaseEndReturnsPortsToIdle() throws Exception {
        http.get("/network/v1/nodes/net-n1/attachments", lessee).expect(404);
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "net-n1", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(600).toString())).expect(201).json().path("uuid").asText();
        awaitLessee("net-n1", lesseeProject);

        JsonNode net = http.post("/network/v1/networks", lessee, Map.of("name", "private-1")).expect(201).json();
        int vlan = net.path("vlan_id").asInt();
        JsonNode att = http.post("/network/v1/nodes/net-n1/attachments", lessee, Map.of("network", "private-1")).expect(201).json();
        assertThat(att.path("status").asText()).isEqualTo("active");
        assertThat(att.path("network").path("vlan_id").asInt()).isEqualTo(vlan);
        String switchPort = att.path("switch_port").asText();
        assertThat(sw.port("tor1", switchPort)).isEqualTo(new PortConfig.Access(vlan));

        // The other project's network is invisible; a node it does not lease is invisible too.
        JsonNode foreign = http.post("/network/v1/networks", other, Map.of("name", "foreign")).expect(201).json();
        http.post("/network/v1/nodes/net-n1/attachments", lessee, Map.of("network", foreign.path("id").asText())).expect(404);
        http.post("/network/v1/nodes/net-n2/attachments", lessee, Map.of("network", "private-1")).expect(404);

        // Second NIC, then no free ports.
        http.post("/network/v1/nodes/net-n1/attachments", lessee, Map.of("network", "private-1")).expect(201);
        TestClient.Response full = http.post("/network/v1/nodes/net-n1/attachments", lessee, Map.of("network", "private-1"));
        full.expect(409);
        assertThat(full.json().path("faultstring").asText()).contains("no free ports");
        http.delete("/network/v1/networks/private-1", lessee).expect(409);

        http.delete("/lease/v1/leases/" + lease, owner).expect(200);
        awaitLessee("net-n1", null);
        assertThat(http.get("/network/v1/nodes/net-n1/attachments", owner).expect(200).json().path("attachments")).isEmpty();
        assertThat(sw.port("tor1", switchPort)).isEqualTo(PortConfig.idle());
        http.delete("/network/v1/networks/private-1", lessee).expect(204);
    }

    @Test
    void switchFailureLeavesAttachmentInErrorWithReason() {
        JsonNode net = http.post("/network/v1/networks", owner, Map.of("name", "owner-net")).expect(201).json();
        sw.failNext.set(3);
        TestClient.Response r = http.post("/network/v1/nodes/net-n2/attachments", owner, Map.of("network", "owner-net"));
        r.expect(502);
        assertThat(r.json().path("attachment").path("status").asText()).isEqualTo("error");
        assertThat(r.json().path("attachment").path("last_error").asText()).contains("Invalid input");
        String id = r.json().path("attachment").path("id").asText();
        // Retrying the detach once the switch behaves cleans up.
        http.delete("/network/v1/nodes/net-n2/attachments/" + id, owner).expect(204);
        assertThat(http.get("/network/v1/nodes/net-n2/attachments", owner).json().path("attachments")).isEmpty();
        http.delete("/network/v1/networks/" + net.path("id").asText(), owner).expect(204);
    }

    @Test
    void trunkCarriesNativeAndTaggedVlans() {
        JsonNode a = http.post("/network/v1/networks", owner, Map.of("name", "trunk-native")).expect(201).json();
        JsonNode b = http.post("/network/v1/networks", owner, Map.of("name", "trunk-tagged")).expect(201).json();
        http.post("/network/v1/trunks", owner, Map.of("name", "t1", "native_network", "trunk-native",
                "tagged_networks", List.of("trunk-tagged"))).expect(201);
        JsonNode att = http.post("/network/v1/nodes/net-n2/attachments", owner, Map.of("trunk", "t1",
                "mac_address", "52:54:00:00:02:01")).expect(201).json();
        PortConfig port = sw.port("tor1", att.path("switch_port").asText());
        assertThat(port).isEqualTo(PortConfig.Trunk.of(a.path("vlan_id").asInt(), java.util.Set.of(b.path("vlan_id").asInt())));
        http.delete("/network/v1/trunks/t1/networks/trunk-tagged", owner).expect(200);
        assertThat(sw.port("tor1", att.path("switch_port").asText())).isEqualTo(PortConfig.Trunk.of(a.path("vlan_id").asInt(), java.util.Set.of()));
        http.delete("/network/v1/trunks/t1", owner).expect(409);
        http.delete("/network/v1/nodes/net-n2/attachments/" + att.path("id").asText(), owner).expect(204);
        http.delete("/network/v1/trunks/t1", owner).expect(204);
    }

    private static void awaitLessee(String node, String project) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            JsonNode n = http.get("/baremetal/v1/nodes/" + node, admin).json();
            if (project == null ? n.path("lessee").isNull() : project.equals(n.path("lessee").asText())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node " + node + " never got lessee " + project);
    }
}
