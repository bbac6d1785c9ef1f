package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esi.drivers.ipmi.FakeBmcPeer;
import org.esi.spi.PowerState;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * The periodic power-state sync notices a power button pressed outside ESI, stores it, and records one event:
 * on fake hardware, and on an IPMI node whose BMC is pyghmi's fakebmc, switched on by ipmitool directly.
 */
class PowerSyncTest {
    @Test
    void anOutOfBandPowerChangeIsStoredAndRecordedOnce() throws Exception {
        try (TestingEsiServer server = TestingEsiServer.start(Map.of("ESI_NODE_POWER_SYNC_INTERVAL", "300ms"), Clock.systemUTC())) {
            TestClient http = server.client();
            String ownerProject = server.createProject("sync-owner", null);
            String owner = server.userToken("sync-owner-user", ownerProject, "owner");
            String other = server.userToken("sync-other-user", server.createProject("sync-other", null), "lessee");
            String uuid = http.post("/baremetal/v1/nodes", owner, Map.of("name", "sync-1", "driver", "fake-hardware",
                    "driver_info", Map.of("fake_id", "sync-1"))).expect(201).json().path("uuid").asText();
            NodeWaits waits = new NodeWaits(http, owner);
            waits.provision("sync-1", "manage", "manageable");
            assertThat(http.get("/baremetal/v1/nodes/sync-1", owner).json().path("power_state").asText()).isEqualTo("power off");
            assertThat(powerEvents(http, owner, uuid)).isEmpty();

            server.fakeHardware().machine("sync-1").power(PowerState.ON); // someone pressed the button
            waits.await("sync-1", n -> "power on".equals(n.path("power_state").asText()));
            Thread.sleep(1200); // several more sync rounds with nothing new to see
            assertThat(powerEvents(http, owner, uuid)).as("one event for one change").hasSize(1);
            assertThat(powerEvents(http, other, uuid)).as("an unrelated project sees none of it").isEmpty();
        }
    }

    @Test
    void anIpmiNodeSwitchedOnAtItsBmcIsSeenOnThroughTheDriver() throws Exception {
        try (FakeBmcPeer bmc = FakeBmcPeer.start();
             TestingEsiServer server = TestingEsiServer.start(Map.of("ESI_NODE_POWER_SYNC_INTERVAL", "300ms"), Clock.systemUTC())) {
            TestClient http = server.client();
            String owner = server.userToken("ipmi-sync-owner-user", server.createProject("ipmi-sync-owner", null), "owner");
            String uuid = http.post("/baremetal/v1/nodes", owner, Map.of("name", "ipmi-sync-1", "driver", "ipmi",
                    "driver_info", Map.of("ipmi_address", "127.0.0.1", "ipmi_port", bmc.port, "ipmi_username", FakeBmcPeer.USER,
                            "ipmi_password", FakeBmcPeer.PASSWORD))).expect(201).json().path("uuid").asText();
            NodeWaits waits = new NodeWaits(http, owner);
            waits.provision("ipmi-sync-1", "manage", "manageable");
            bmc.chassisPower("off");
            waits.await("ipmi-sync-1", n -> "power off".equals(n.path("power_state").asText()));
            int before = powerEvents(http, owner, uuid).size();

            bmc.chassisPower("on");
            waits.await("ipmi-sync-1", n -> "power on".equals(n.path("power_state").asText()));
            assertThat(powerEvents(http, owner, uuid)).hasSize(before + 1);
        }
    }

    private static List<JsonNode> powerEvents(TestClient http, String token, String node) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : http.get("/lease/v1/events", token).expect(200).json().path("events")) {
            if (e.path("event_type").asText().equals("esi.node.power_state.changed") && e.path("resource_uuid").asText().equals(node)) {
                out.add(e);
            }
        }
        return out;
    }
}
