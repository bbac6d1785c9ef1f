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

/** {@code /baremetal/v1/drivers} in Ironic's shape: what {@code --driver} takes, for anyone with a token. */
class DriverApiTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String owner;
    static String lessee;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        owner = server.userToken("drv-owner-user", server.createProject("drv-owner", null), "owner");
        lessee = server.userToken("drv-lessee-user", server.createProject("drv-lessee", null), "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyCallerListsTheHardwareTypes() {
        for (String token : List.of(admin, owner, lessee)) {
            JsonNode drivers = http.get("/baremetal/v1/drivers", token).expect(200).json().path("drivers");
            assertThat(drivers.findValuesAsText("name")).containsExactly("fake-hardware", "ipmi", "redfish");
            JsonNode ipmi = drivers.get(1);
            assertThat(ipmi.path("type").asText()).isEqualTo("dynamic");
            assertThat(ipmi.path("hosts").get(0).asText()).isEqualTo("127.0.0.1");
            assertThat(ipmi.path("links").get(0).path("href").asText()).isEqualTo(server.url() + "/baremetal/v1/drivers/ipmi");
            // The short form leaves the interfaces to ?detail=true, as Ironic does.
            assertThat(ipmi.has("default_power_interface")).isFalse();
        }
        http.get("/baremetal/v1/drivers", null).expect(401);
        http.get("/baremetal/v1/drivers/ipmi", null).expect(401);
    }

    @Test
    void detailAndShowNameTheInterfacesEachTypeUses() {
        JsonNode detailed = http.get("/baremetal/v1/drivers?detail=True", owner).expect(200).json().path("drivers");
        JsonNode redfish = detailed.get(2);
        assertThat(redfish.path("name").asText()).isEqualTo("redfish");
        assertThat(redfish.path("default_boot_interface").asText()).isEqualTo("redfish-virtual-media");
        assertThat(redfish.path("enabled_boot_interfaces").toString()).isEqualTo("[\"redfish-virtual-media\",\"ipxe\"]");
        assertThat(redfish.path("default_inspect_interface").asText()).isEqualTo("redfish");

        JsonNode ipmi = http.get("/baremetal/v1/drivers/ipmi", lessee).expect(200).json();
        assertThat(ipmi.path("name").asText()).isEqualTo("ipmi");
        assertThat(ipmi.path("default_power_interface").asText()).isEqualTo("ipmitool");
        assertThat(ipmi.path("default_management_interface").asText()).isEqualTo("ipmitool");
        assertThat(ipmi.path("default_console_interface").asText()).isEqualTo("ipmitool-socat");
        assertThat(ipmi.path("default_inspect_interface").asText()).isEqualTo("no-inspect");
        JsonNode fake = http.get("/baremetal/v1/drivers/fake-hardware", owner).expect(200).json();
        assertThat(fake.path("default_power_interface").asText()).isEqualTo("fake");
        assertThat(fake.path("enabled_network_interfaces").toString()).isEqualTo("[\"neutron\",\"noop\"]");

        JsonNode picked = http.get("/baremetal/v1/drivers/ipmi?fields=name,default_boot_interface", owner).expect(200).json();
        List<String> names = new java.util.ArrayList<>();
        picked.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("name", "default_boot_interface");
        assertThat(http.get("/baremetal/v1/drivers?type=classic", owner).expect(200).json().path("drivers")).isEmpty();
        assertThat(http.get("/baremetal/v1/drivers?type=dynamic", owner).expect(200).json().path("drivers")).hasSize(3);
    }

    @Test
    void unknownDriversAndBadQueriesAreIronicErrors() throws Exception {
        TestClient.Response missing = http.get("/baremetal/v1/drivers/no-such-driver", owner);
        assertThat(missing.status()).isEqualTo(404);
        JsonNode fault = new com.fasterxml.jackson.databind.ObjectMapper().readTree(missing.json().path("error_message").asText());
        assertThat(fault.path("faultstring").asText()).contains("no-such-driver");
        assertThat(fault.path("faultcode").asText()).isEqualTo("Client");
        http.get("/baremetal/v1/drivers?type=modern", owner).expect(400);
        http.get("/baremetal/v1/drivers?detail=maybe", owner).expect(400);
        http.get("/baremetal/v1/drivers?detail=true&fields=name", owner).expect(400);
        http.get("/baremetal/v1/drivers?fields=name,password", owner).expect(400);
        http.get("/baremetal/v1/drivers?sort_key=name", owner).expect(400);
        http.get("/baremetal/v1/drivers/ipmi?detail=true", owner).expect(400);
        http.send("GET", "/baremetal/v1/drivers", owner, null, Map.of("X-OpenStack-Ironic-API-Version", "1.999")).expect(406);
        // Nothing about the list changed for asking badly.
        assertThat(http.get("/baremetal/v1/drivers", owner).expect(200).json().path("drivers")).hasSize(3);
    }
}
