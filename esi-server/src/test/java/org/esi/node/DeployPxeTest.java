package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.esi.drivers.fake.FakeMachine;
import org.esi.spi.BmcException;
import org.esi.spi.BootDevice;
import org.esi.spi.PowerState;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deploys on BMCs without virtual media (as IPMI ones are): the node is set to PXE and its iPXE script
 * is served, without a login, at a per-deploy URL that dies with the deployment.
 */
class DeployPxeTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static NodeWaits waits;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        waits = new NodeWaits(http, admin);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void pxeDeployServesTheScriptUntilUndeploy() throws Exception {
        FakeMachine machine = availableIpmiLikeNode("pxe-1", Map.of("image_source", "http://images.example/os.iso"));
        JsonNode node = waits.provision("pxe-1", "deploy", "active");

        assertThat(machine.boot().device()).isEqualTo(BootDevice.PXE);
        assertThat(machine.power()).isEqualTo(PowerState.ON);
        assertThat(machine.operations()).anyMatch(o -> o.name().equals("insertVirtualMedia")
                && o.failedWith() == BmcException.Kind.UNSUPPORTED);
        String url = scriptUrl(node);
        assertThat(url).startsWith(server.url() + "/boot/" + node.path("uuid").asText() + "/").endsWith("/boot.ipxe");

        // No token header: the firmware fetching this has none.
        TestClient.Response script = http.get(path(url), null).expect(200);
        assertThat(script.header("Content-Type")).startsWith("text/plain");
        assertThat(script.body()).startsWith("#!ipxe\n").contains("sanboot http://images.example/os.iso\n");

        String wrongToken = url.replaceAll("/[0-9a-f]{32}/", "/" + "0".repeat(32) + "/");
        requireNotFound(http.get(path(wrongToken), null));

        waits.provision("pxe-1", "undeploy", "available");
        requireNotFound(http.get(path(url), null));
        JsonNode after = http.get("/baremetal/v1/nodes/pxe-1", admin).expect(200).json();
        assertThat(after.path("driver_internal_info").has(PxeBoot.SCRIPT_URL_KEY)).isFalse();
        assertThat(machine.boot().device()).isEqualTo(BootDevice.DISK);
    }

    @Test
    void oneNodesTokenDoesNotOpenAnothersScript() throws Exception {
        availableIpmiLikeNode("pxe-a", Map.of("image_source", "http://images.example/a.iso"));
        availableIpmiLikeNode("pxe-b", Map.of("image_source", "http://images.example/b.iso"));
        String a = scriptUrl(waits.provision("pxe-a", "deploy", "active"));
        String b = scriptUrl(waits.provision("pxe-b", "deploy", "active"));
        String tokenOfB = b.split("/")[5];
        String aWithTokenOfB = a.replaceAll("/[0-9a-f]{32}/", "/" + tokenOfB + "/");
        requireNotFound(http.get(path(aWithTokenOfB), null));
        assertThat(http.get(path(b), null).expect(200).body()).contains("b.iso").doesNotContain("a.iso");
    }

    @Test
    void rebuildIssuesANewTokenAndRetiresTheOld() throws Exception {
        availableIpmiLikeNode("pxe-r", Map.of("image_source", "http://images.example/r.iso"));
        String first = scriptUrl(waits.provision("pxe-r", "deploy", "active"));
        String second = scriptUrl(waits.provision("pxe-r", "rebuild", "active"));
        assertThat(second).isNotEqualTo(first);
        requireNotFound(http.get(path(first), null));
        http.get(path(second), null).expect(200);
    }

    @Test
    void kernelAndRamdiskBootWithTheirArguments() throws Exception {
        availableIpmiLikeNode("pxe-k", Map.of("image_source", "http://images.example/root.img",
                "kernel", "https://images.example/vmlinuz", "ramdisk", "https://images.example/initrd.img",
                "kernel_append_params", "console=ttyS0,115200 root=/dev/ram0"));
        String body = http.get(path(scriptUrl(waits.provision("pxe-k", "deploy", "active"))), null).expect(200).body();
        assertThat(body).isEqualTo("""
                #!ipxe
                kernel https://images.example/vmlinuz console=ttyS0,115200 root=/dev/ram0
                initrd https://images.example/initrd.img
                boot
                """);
    }

    @Test
    void aLocalFileImageIsNotServedAndTheDeployFailsSayingWhy() throws Exception {
        availableIpmiLikeNode("pxe-f", Map.of("image_source", "file:///etc/shadow"));
        JsonNode n = waits.provision("pxe-f", "deploy", "deploy failed");
        assertThat(n.path("last_error").asText()).contains("http:// or https://");
        assertThat(n.path("driver_internal_info").has(PxeBoot.SCRIPT_URL_KEY)).isFalse();
        assertThat(server.fakeHardware().machine("pxe-f").boot().device()).isEqualTo(BootDevice.DISK);
    }

    @Test
    void aBmcWithVirtualMediaGetsNoScript() throws Exception {
        FakeMachine machine = availableNode("vm-1", Map.of("image_source", "http://images.example/os.iso"), true);
        JsonNode n = waits.provision("vm-1", "deploy", "active");
        assertThat(machine.boot().device()).isEqualTo(BootDevice.CDROM);
        assertThat(n.path("driver_internal_info").has(PxeBoot.SCRIPT_URL_KEY)).isFalse();
    }

    @Test
    void theMacAddressedEntriesAreClosedUnlessBootChainFromAllowsTheCaller() throws Exception {
        availableIpmiLikeNode("pxe-m", Map.of("image_source", "http://images.example/m.iso"));
        JsonNode n = waits.provision("pxe-m", "deploy", "active");
        http.post("/baremetal/v1/ports", admin, Map.of("address", "52:54:00:00:00:0d", "node_uuid", n.path("uuid").asText())).expect(201);
        requireNotFound(http.get("/boot/chain.ipxe", null));
        requireNotFound(http.get("/boot/by-mac/52-54-00-00-00-0d/boot.ipxe", null));
    }

    @Test
    void badPathsAre404WithAJsonBodyNeverA500() {
        String token = "0123456789abcdef0123456789abcdef";
        String unknown = "00000000-0000-4000-8000-000000000000";
        for (String p : List.of("/boot/not-a-uuid/" + token + "/boot.ipxe", "/boot/" + unknown + "/" + token + "/boot.ipxe",
                "/boot/" + unknown + "/short/boot.ipxe", "/boot/" + "x".repeat(300) + "/" + token + "/boot.ipxe",
                "/boot/" + unknown + "/" + "A".repeat(32) + "/boot.ipxe", "/boot/'%20or%201=1--/'%20or%201=1--/boot.ipxe",
                "/boot/" + unknown + "/" + token + "/other.ipxe")) {
            requireNotFound(http.get(p, null));
        }
        // Jetty refuses these before routing (an encoded NUL, an ambiguous encoded separator): a client error in JSON.
        for (String p : List.of("/boot/%00/" + token + "/boot.ipxe", "/boot/..%2F..%2Fetc/" + token + "/boot.ipxe")) {
            TestClient.Response r = http.get(p, null);
            assertThat(r.status()).as(p).isIn(400, 404);
            assertThat(r.json().path("faultstring").asText()).as(p).isNotBlank();
        }
    }

    /** A node whose BMC, like an IPMI one, has no virtual media: enrolled, available, with this instance_info. */
    private static FakeMachine availableIpmiLikeNode(String name, Map<String, String> instanceInfo) throws InterruptedException {
        return availableNode(name, instanceInfo, false);
    }

    private static FakeMachine availableNode(String name, Map<String, String> instanceInfo, boolean virtualMedia)
            throws InterruptedException {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", name, "driver", "fake-hardware",
                "driver_info", Map.of("fake_id", name))).expect(201);
        FakeMachine machine = server.fakeHardware().machine(name).virtualMediaSupported(virtualMedia);
        waits.provision(name, "manage", "manageable");
        waits.provision(name, "provide", "available");
        // After provide: cleaning forgets instance_info.
        http.patch("/baremetal/v1/nodes/" + name, admin, instanceInfo.entrySet().stream()
                .map(e -> Map.of("op", "add", "path", "/instance_info/" + e.getKey(), "value", e.getValue())).toList()).expect(200);
        return machine;
    }

    private static String scriptUrl(JsonNode node) {
        String url = node.path("driver_internal_info").path(PxeBoot.SCRIPT_URL_KEY).asText("");
        assertThat(url).as("driver_internal_info of " + node.path("name")).isNotEmpty();
        return url;
    }

    private static String path(String url) {
        assertThat(url).startsWith(server.url());
        return url.substring(server.url().length());
    }

    private static void requireNotFound(TestClient.Response r) {
        r.expect(404);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().path("faultstring").asText()).isNotBlank();
    }
}
