package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.BootDevice;
import org.esi.spi.PowerState;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Power, boot device and provisioning through the API on fake hardware, and the lease hand-back. */
class HardwareApiTest {
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
    void enrollManageProvideDeployUndeploy() throws Exception {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", "hw-1", "driver", "fake-hardware",
                "driver_info", Map.of("fake_id", "hw-1"))).expect(201);
        provision("hw-1", "manage", "manageable");
        provision("hw-1", "provide", "available");
        assertThat(server.fakeHardware().machine("hw-1").power()).isEqualTo(PowerState.OFF);

        http.patch("/baremetal/v1/nodes/hw-1", admin, List.of(Map.of("op", "add", "path", "/instance_info/image_source",
                "value", "http://images.example/os.iso"))).expect(200);
        provision("hw-1", "deploy", "active");
        assertThat(server.fakeHardware().machine("hw-1").power()).isEqualTo(PowerState.ON);

        provision("hw-1", "undeploy", "available");
        assertThat(server.fakeHardware().machine("hw-1").power()).isEqualTo(PowerState.OFF);
        assertThat(http.get("/baremetal/v1/nodes/hw-1", admin).json().path("instance_info").has("image_source")).isFalse();
    }

    @Test
    void wrongVerbNamesTheState() {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", "hw-2", "driver", "fake-hardware")).expect(201);
        TestClient.Response r = http.put("/baremetal/v1/nodes/hw-2/states/provision", admin, Map.of("target", "deploy"));
        r.expect(400);
        assertThat(r.body()).contains("enroll");
    }

    @Test
    void powerAndBootDeviceRoundTrip() throws Exception {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", "hw-3", "driver", "fake-hardware",
                "driver_info", Map.of("fake_id", "hw-3"))).expect(201);
        provision("hw-3", "manage", "manageable");
        http.put("/baremetal/v1/nodes/hw-3/states/power", admin, Map.of("target", "power on")).expect(202);
        JsonNode n = await("hw-3", node -> node.path("target_power_state").isNull() && "power on".equals(node.path("power_state").asText()));
        assertThat(n.path("last_error").isNull()).isTrue();
        assertThat(server.fakeHardware().machine("hw-3").power()).isEqualTo(PowerState.ON);

        http.put("/baremetal/v1/nodes/hw-3/management/boot_device", admin, Map.of("boot_device", "pxe", "persistent", true)).expect(204);
        JsonNode boot = http.get("/baremetal/v1/nodes/hw-3/management/boot_device", admin).expect(200).json();
        assertThat(boot.path("boot_device").asText()).isEqualTo("pxe");
        assertThat(boot.path("persistent").asBoolean()).isTrue();
        assertThat(server.fakeHardware().machine("hw-3").boot().device()).isEqualTo(BootDevice.PXE);

        server.fakeHardware().machine("hw-3").failNext(1, BmcException.Kind.UNREACHABLE);
        http.put("/baremetal/v1/nodes/hw-3/states/power", admin, Map.of("target", "power off")).expect(202);
        n = await("hw-3", node -> node.path("target_power_state").isNull() && !node.path("last_error").isNull());
        assertThat(n.path("power_state").asText()).isEqualTo("power on");
        assertThat(n.path("last_error").asText()).contains("power off");
    }

    @Test
    void leaseEndPowersOffAndCleansADeployedNode() throws Exception {
        String ownerProject = server.createProject("hw-owner", null);
        String lesseeProject = server.createProject("hw-lessee", null);
        String owner = server.userToken("hw-owner-user", ownerProject, "owner");
        String lessee = server.userToken("hw-lessee-user", lesseeProject, "lessee");
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "hw-4", "driver", "fake-hardware",
                "driver_info", Map.of("fake_id", "hw-4"))).expect(201);
        provision("hw-4", "manage", "manageable");
        provision("hw-4", "provide", "available");
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "hw-4", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(60).toString())).expect(201).json().path("uuid").asText();
        await("hw-4", node -> lesseeProject.equals(node.path("lessee").asText()));

        // The lessee deploys and powers on: full self-service for the lease.
        http.patch("/baremetal/v1/nodes/hw-4", lessee, List.of(Map.of("op", "add", "path", "/instance_info/image_source",
                "value", "http://images.example/os.iso"))).expect(200);
        http.put("/baremetal/v1/nodes/hw-4/states/provision", lessee, Map.of("target", "active")).expect(202);
        await("hw-4", node -> "active".equals(node.path("provision_state").asText()));
        assertThat(server.fakeHardware().machine("hw-4").power()).isEqualTo(PowerState.ON);
        // ...but may not take it out of the owner's hands.
        http.put("/baremetal/v1/nodes/hw-4/states/provision", lessee, Map.of("target", "manage")).expect(403);

        http.delete("/lease/v1/leases/" + lease, owner).expect(200);
        JsonNode l = awaitLease(owner, lease, "deleted");
        assertThat(l.path("status").asText()).isEqualTo("deleted");
        JsonNode node = http.get("/baremetal/v1/nodes/hw-4", owner).json();
        assertThat(node.path("provision_state").asText()).isEqualTo("available");
        assertThat(node.path("lessee").isNull()).isTrue();
        assertThat(server.fakeHardware().machine("hw-4").power()).isEqualTo(PowerState.OFF);
        http.get("/baremetal/v1/nodes/hw-4", lessee).expect(404);
    }

    private static void provision(String node, String verb, String expected) throws Exception {
        new NodeWaits(http, admin).provision(node, verb, expected);
    }

    private static JsonNode await(String node, java.util.function.Predicate<JsonNode> done) throws InterruptedException {
        return new NodeWaits(http, admin).await(node, done);
    }

    private static JsonNode awaitLease(String token, String lease, String status) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonNode l;
        do {
            l = http.get("/lease/v1/leases/" + lease, token).expect(200).json();
            if (status.equals(l.path("status").asText())) {
                return l;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("lease never " + status + ": " + l);
    }
}
