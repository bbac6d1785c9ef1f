package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One static DHCP boot file for every node ({@code boot.chain-from} set): /boot/chain.ipxe chains by
 * MAC to the script of the node that owns the port, or to {@code exit} when it has nothing to boot.
 */
class BootChainTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static NodeWaits waits;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of("ESI_BOOT_CHAIN_FROM", "192.0.2.0/24, 127.0.0.0/8"), Clock.systemUTC());
        http = server.client();
        admin = server.adminToken();
        waits = new NodeWaits(http, admin);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theChainFileSendsIpxeToItsOwnMac() {
        TestClient.Response r = http.get("/boot/chain.ipxe", null).expect(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.body()).isEqualTo("#!ipxe\nchain --autofree " + server.url() + "/boot/by-mac/${mac:hexhyp}/boot.ipxe\n");
    }

    @Test
    void aNodesMacGetsItsCurrentScriptWhileDeployedAndExitOtherwise() throws Exception {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", "chain-1", "driver", "fake-hardware",
                "driver_info", Map.of("fake_id", "chain-1"))).expect(201);
        server.fakeHardware().machine("chain-1").virtualMediaSupported(false);
        String uuid = http.get("/baremetal/v1/nodes/chain-1", admin).expect(200).json().path("uuid").asText();
        http.post("/baremetal/v1/ports", admin, Map.of("address", "52:54:00:ab:cd:ef", "node_uuid", uuid)).expect(201);
        waits.provision("chain-1", "manage", "manageable");
        waits.provision("chain-1", "provide", "available");
        // Nothing to PXE-boot: exit, so the firmware goes on to the next boot device.
        assertThat(http.get("/boot/by-mac/52-54-00-ab-cd-ef/boot.ipxe", null).expect(200).body()).isEqualTo("#!ipxe\nexit\n");

        http.patch("/baremetal/v1/nodes/chain-1", admin,
                List.of(Map.of("op", "add", "path", "/instance_info/image_source", "value", "http://images.example/c.iso"))).expect(200);
        JsonNode n = waits.provision("chain-1", "deploy", "active");
        String url = n.path("driver_internal_info").path(PxeBoot.SCRIPT_URL_KEY).asText();
        String byToken = http.get(url.substring(server.url().length()), null).expect(200).body();
        assertThat(byToken).contains("sanboot http://images.example/c.iso");
        // Both spellings iPXE may use for a MAC, any case.
        assertThat(http.get("/boot/by-mac/52-54-00-ab-cd-ef/boot.ipxe", null).expect(200).body()).isEqualTo(byToken);
        assertThat(http.get("/boot/by-mac/52:54:00:ab:cd:ef/boot.ipxe", null).expect(200).body()).isEqualTo(byToken);
        assertThat(http.get("/boot/by-mac/52-54-00-AB-CD-EF/boot.ipxe", null).expect(200).body()).isEqualTo(byToken);

        waits.provision("chain-1", "undeploy", "available");
        assertThat(http.get("/boot/by-mac/52-54-00-ab-cd-ef/boot.ipxe", null).expect(200).body()).isEqualTo("#!ipxe\nexit\n");
    }

    @Test
    void anUnknownOrMalformedMacIs404() {
        for (String mac : List.of("52-54-00-ff-ff-ff", "not-a-mac", "52-54-00-12-34", "zz-54-00-12-34-56")) {
            TestClient.Response r = http.get("/boot/by-mac/" + mac + "/boot.ipxe", null);
            r.expect(404);
            assertThat(r.json().path("faultstring").asText()).isNotBlank();
        }
    }

    @Test
    void aBadBootChainFromStopsStartUpNamingTheSetting() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> org.esi.server.ConfigLoader.load(java.util.Optional.empty(),
                        Map.of("ESI_BOOT_CHAIN_FROM", "provisioning-net")))
                .hasMessageContaining("boot.chain-from").hasMessageContaining("provisioning-net");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> org.esi.server.ConfigLoader.load(java.util.Optional.empty(),
                        Map.of("ESI_BOOT_CHAIN_FROM", "10.0.0.0/33")))
                .hasMessageContaining("boot.chain-from");
    }
}
