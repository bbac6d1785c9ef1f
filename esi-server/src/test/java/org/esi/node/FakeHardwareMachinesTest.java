package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.Map;
import org.esi.spi.PowerState;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * fake-hardware nodes behave as real machines do: each node enrolled without a machine of its own gets one
 * (powering one no longer powers another), and two service instances, each with its own driver, see one
 * machine — neither instance's power sync flips what the other did.
 */
class FakeHardwareMachinesTest {
    private static final Map<String, String> FAST_SYNC = Map.of("ESI_NODE_POWER_SYNC_INTERVAL", "300ms");

    @Test
    void eachNodeIsItsOwnMachineAndEveryInstanceSeesTheSamePower() throws Exception {
        try (TestingEsiServer a = TestingEsiServer.start(FAST_SYNC, Clock.systemUTC());
             TestingEsiServer b = TestingEsiServer.sharingOwnHardware(a, FAST_SYNC, Clock.systemUTC())) {
            TestClient viaA = a.client();
            TestClient viaB = b.client();
            String owner = a.userToken("fh-owner-user", a.createProject("fh-owner", null), "owner");
            JsonNode first = viaA.post("/baremetal/v1/nodes", owner, Map.of("name", "fh-1", "driver", "fake-hardware")).expect(201).json();
            JsonNode second = viaB.post("/baremetal/v1/nodes", owner, Map.of("name", "fh-2", "driver", "fake-hardware")).expect(201).json();
            assertThat(first.path("driver_info").path("fake_id").asText()).isEqualTo(first.path("uuid").asText());
            assertThat(second.path("driver_info").path("fake_id").asText()).isEqualTo(second.path("uuid").asText());
            NodeWaits waitsA = new NodeWaits(viaA, owner);
            waitsA.provision("fh-1", "manage", "manageable");
            waitsA.provision("fh-2", "manage", "manageable");

            viaA.put("/baremetal/v1/nodes/fh-1/states/power", owner, Map.of("target", "power on")).expect(202);
            waitsA.await("fh-1", n -> "power on".equals(n.path("power_state").asText()));
            Thread.sleep(1500); // several power-sync rounds on both instances

            for (TestClient via : new TestClient[] {viaA, viaB}) {
                assertThat(via.get("/baremetal/v1/nodes/fh-1", owner).json().path("power_state").asText()).isEqualTo("power on");
                assertThat(via.get("/baremetal/v1/nodes/fh-2", owner).json().path("power_state").asText()).isEqualTo("power off");
            }
            assertThat(b.fakeHardware().machine(first.path("uuid").asText()).power()).isEqualTo(PowerState.ON);

            // And back through the other instance.
            viaB.put("/baremetal/v1/nodes/fh-1/states/power", owner, Map.of("target", "power off")).expect(202);
            new NodeWaits(viaB, owner).await("fh-1", n -> "power off".equals(n.path("power_state").asText()));
            Thread.sleep(1500);
            assertThat(viaA.get("/baremetal/v1/nodes/fh-1", owner).json().path("power_state").asText()).isEqualTo("power off");
            assertThat(a.fakeHardware().machine(first.path("uuid").asText()).power()).isEqualTo(PowerState.OFF);
        }
    }
}
