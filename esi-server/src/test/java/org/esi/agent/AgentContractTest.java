package org.esi.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.esi.spi.BootDevice;
import org.esi.spi.PowerState;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service side of the agent protocol against {@link FakeIpa}, a peer that behaves as
 * agent-protocol.md says IPA does. This is a contract test: the real agent in a VM is tested
 * elsewhere; here every request the service makes and every answer it gives is the protocol's. The
 * BMC is the fake-hardware driver, whose machine "boots" the peer when the test says so.
 */
class AgentContractTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static HttpServer images;
    static byte[] image = "ESI-WHOLE-DISK-IMAGE".repeat(1000).getBytes();

    @BeforeAll
    static void start() throws Exception {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.createContext("/disk.raw", ex -> {
            ex.sendResponseHeaders(200, image.length);
            try (var o = ex.getResponseBody()) {
                o.write(image);
            }
        });
        images.start();
    }

    @AfterAll
    static void stop() {
        images.stop(0);
        server.close();
    }

    @Test
    void theVersionsRootOffersTokensAndTls() {
        JsonNode root = http.get("/baremetal/", null).expect(200).json();
        String v = root.path("default_version").path("version").asText();
        assertThat(Integer.parseInt(v.substring(2))).isGreaterThanOrEqualTo(68);
    }

    @Test
    void lookupAndHeartbeatFollowTheTokenRulesAndCleaningErasesTheDisks() throws Exception {
        String mac = "52:54:00:00:10:01";
        String uuid = agentNode("ag-clean", mac);
        byte[] sda = pattern(64 * 1024);
        byte[] sdb = pattern(64 * 1024);
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac, "52:54:00:00:10:99")).disk("/dev/sda", sda).disk("/dev/sdb", sdb)) {
            http.put("/baremetal/v1/nodes/ag-clean/states/provision", admin, Map.of("target", "provide")).expect(202);
            JsonNode n = await("ag-clean", x -> x.path("provision_state").asText().equals("clean wait"));
            assertThat(server.fakeHardware().machine("ag-clean").boot().device()).isEqualTo(BootDevice.PXE);
            assertThat(server.fakeHardware().machine("ag-clean").power()).isEqualTo(PowerState.ON);

            // The iPXE script boots the agent with ipa-api-url; no token on the command line.
            String script = http.get(n.path("driver_internal_info").path("ipxe_script_url").asText().replace(server.url(), ""), null)
                    .expect(200).body();
            assertThat(script).contains("kernel http://192.0.2.10/ipa.kernel ").contains(" ipa-api-url=" + server.url() + "/baremetal ")
                    .contains("BOOTIF=${mac}").contains("initrd --name ramdisk http://192.0.2.10/ipa.initramfs").doesNotContain("token");

            // Lookup: no version header is 1.1 (404); no usable address is 400; an unknown MAC is 404.
            http.get("/baremetal/v1/lookup?addresses=" + mac, null).expect(404);
            http.send("GET", "/baremetal/v1/lookup?addresses=zz", null, null, Map.of("X-OpenStack-Ironic-API-Version", "1.62")).expect(400);
            http.send("GET", "/baremetal/v1/lookup?addresses=52:54:00:ff:ff:ff", null, null,
                    Map.of("X-OpenStack-Ironic-API-Version", "1.62")).expect(404);

            ipa.listen();
            assertThat(ipa.lookup().statusCode()).isEqualTo(200);
            assertThat(ipa.token).hasSize(43);
            String token = ipa.token;
            // A second lookup of the same boot gets the mask; the agent keeps the token it has.
            assertThat(ipa.lookup().statusCode()).isEqualTo(200);
            assertThat(ipa.token).isEqualTo(token);
            assertThat(ipa.lockedDown).isFalse();

            // Missing and wrong tokens: 400, and nothing recorded.
            ObjectNode noToken = FakeIpa.JSON.createObjectNode().put("callback_url", ipa.callbackUrl()).put("agent_version", "12.0.1");
            assertThat(ipa.heartbeat(noToken)).isEqualTo(400);
            assertThat(ipa.heartbeat("x".repeat(43))).isEqualTo(400);
            JsonNode after = http.get("/baremetal/v1/nodes/ag-clean", admin).expect(200).json();
            assertThat(after.path("driver_internal_info").has("agent_url")).isFalse();
            assertThat(after.path("provision_state").asText()).isEqualTo("clean wait");
            assertThat(ipa.commandNames()).isEmpty();

            assertThat(ipa.heartbeat(token)).isEqualTo(202);
            JsonNode done = await("ag-clean", x -> !x.path("provision_state").asText().equals("clean wait"));
            assertThat(done.path("provision_state").asText()).as(done.path("last_error").asText()).isEqualTo("available");
            assertThat(ipa.commandNames()).containsExactly("get_clean_steps", "execute_clean_step", "execute_clean_step");
            assertThat(sda).containsOnly(0);
            assertThat(sdb).containsOnly(0);
            assertThat(done.path("driver_internal_info").has("ipxe_script_url")).isFalse();
            assertThat(server.fakeHardware().machine("ag-clean").power()).isEqualTo(PowerState.OFF);
            assertThat(server.fakeHardware().machine("ag-clean").boot().device()).isEqualTo(BootDevice.DISK);
            // The boot is over: its token opens nothing, and the node no longer answers lookups.
            assertThat(ipa.heartbeat(token)).isEqualTo(400);
            assertThat(ipa.lookup().statusCode()).isEqualTo(404);
            // The token was never stored in clear.
            String stored = server.server().database().jdbi().withHandle(h -> h.createQuery(
                    "select coalesce(string_agg(driver_internal_info::text, ''), '') from node").mapTo(String.class).one());
            assertThat(stored).doesNotContain(token);
            // The audit trail has the heartbeats that changed the node or were refused, never the agent's token.
            JsonNode beats = http.get("/audit/v1/records?route=/baremetal/v1/heartbeat/%7Bnode%7D", admin).expect(200).json();
            assertThat(beats.path("records").findValuesAsText("outcome")).contains("success", "failed");
            assertThat(beats.toString()).doesNotContain(token);
        }
        assertThat(uuid).isNotBlank();
    }

    @Test
    void aDiskThatCannotBeErasedFailsCleaningAndTheNodeIsNotAvailable() throws Exception {
        String mac = "52:54:00:00:20:01";
        agentNode("ag-fail", mac);
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", pattern(4096)).disk("/dev/sdb", pattern(4096))) {
            ipa.eraseFailures.put("/dev/sdb", "the device is read-only");
            http.put("/baremetal/v1/nodes/ag-fail/states/provision", admin, Map.of("target", "provide")).expect(202);
            await("ag-fail", x -> x.path("provision_state").asText().equals("clean wait"));
            ipa.boot();
            JsonNode n = await("ag-fail", x -> !x.path("provision_state").asText().equals("clean wait"));
            assertThat(n.path("provision_state").asText()).isEqualTo("clean failed");
            assertThat(n.path("last_error").asText()).contains("deploy.erase_devices").contains("/dev/sdb").contains("read-only");
            assertThat(server.fakeHardware().machine("ag-fail").power()).isEqualTo(PowerState.OFF);
        }
    }

    @Test
    void aLeaseEndErasesTheNodeBeforeItIsAvailable() throws Exception {
        String ownerProject = server.createProject("ag-owner", null);
        String lesseeProject = server.createProject("ag-lessee", null);
        String owner = server.userToken("ag-owner-user", ownerProject, "owner");
        String mac = "52:54:00:00:30:01";
        byte[] disk = pattern(32 * 1024);
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "ag-lease", "driver", "fake-hardware", "driver_info", agentDriverInfo("ag-lease",
                Map.of("erase", "metadata")))).expect(201);
        http.post("/baremetal/v1/ports", admin, Map.of("address", mac, "node_uuid", uuidOf("ag-lease"))).expect(201);
        http.put("/baremetal/v1/nodes/ag-lease/states/provision", admin, Map.of("target", "manage")).expect(202);
        await("ag-lease", x -> x.path("provision_state").asText().equals("manageable"));
        try (FakeIpa first = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", pattern(32 * 1024))) {
            http.put("/baremetal/v1/nodes/ag-lease/states/provision", admin, Map.of("target", "provide")).expect(202);
            await("ag-lease", x -> x.path("provision_state").asText().equals("clean wait"));
            first.boot();
            await("ag-lease", x -> x.path("provision_state").asText().equals("available"));
        }
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "ag-lease", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(600).toString())).expect(201).json().path("uuid").asText();
        await("ag-lease", x -> lesseeProject.equals(x.path("lessee").asText()));

        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", disk)) {
            CompletableFuture<TestClient.Response> ending = CompletableFuture.supplyAsync(() -> http.delete("/lease/v1/leases/" + lease, owner));
            await("ag-lease", x -> x.path("provision_state").asText().equals("clean wait"));
            assertThat(http.get("/lease/v1/leases/" + lease, owner).expect(200).json().path("status").asText()).isNotEqualTo("deleted");
            ipa.boot();
            ending.get();
            JsonNode l = awaitLease(owner, lease, "deleted");
            assertThat(l.path("status").asText()).isEqualTo("deleted");
            JsonNode n = http.get("/baremetal/v1/nodes/ag-lease", admin).expect(200).json();
            assertThat(n.path("provision_state").asText()).isEqualTo("available");
            assertThat(n.path("driver_internal_info").has("lease_end_erase")).isFalse();
            // The owner's policy was metadata: that step only, and the disk's ends are zero.
            assertThat(ipa.commandNames()).containsExactly("get_clean_steps", "execute_clean_step");
            assertThat(java.util.Arrays.copyOfRange(disk, 0, 33 * 512)).containsOnly(0);
            assertThat(java.util.Arrays.copyOfRange(disk, disk.length - 33 * 512, disk.length)).containsOnly(0);
        }
    }

    @Test
    void aManualCleanRunsTheGivenStepsAndBadStepListsChangeNothing() throws Exception {
        String mac = "52:54:00:00:40:01";
        agentNode("ag-manual", mac);
        for (Object bad : List.of("erase", List.of(), List.of(Map.of("interface", "nope", "step", "erase_devices")),
                List.of(Map.of("interface", "deploy", "step", "Erase Devices!")), List.of(Map.of("interface", "deploy", "step", "x", "args", 3)))) {
            http.put("/baremetal/v1/nodes/ag-manual/states/provision", admin, Map.of("target", "clean", "clean_steps", bad)).expect(400);
        }
        http.put("/baremetal/v1/nodes/ag-manual/states/provision", admin, Map.of("target", "clean")).expect(400);
        http.put("/baremetal/v1/nodes/ag-manual/states/provision", admin, Map.of("target", "provide",
                "clean_steps", List.of(Map.of("interface", "deploy", "step", "erase_devices")))).expect(400);
        JsonNode unchanged = http.get("/baremetal/v1/nodes/ag-manual", admin).expect(200).json();
        assertThat(unchanged.path("provision_state").asText()).isEqualTo("manageable");
        assertThat(unchanged.path("driver_internal_info").has("clean_steps")).isFalse();

        byte[] sda = pattern(8192);
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", sda)) {
            http.put("/baremetal/v1/nodes/ag-manual/states/provision", admin, Map.of("target", "clean",
                    "clean_steps", List.of(Map.of("interface", "deploy", "step", "erase_devices")))).expect(202);
            await("ag-manual", x -> x.path("provision_state").asText().equals("clean wait"));
            ipa.boot();
            JsonNode n = await("ag-manual", x -> !x.path("provision_state").asText().equals("clean wait"));
            assertThat(n.path("provision_state").asText()).as(n.path("last_error").asText()).isEqualTo("manageable");
            assertThat(ipa.commandNames()).containsExactly("get_clean_steps", "execute_clean_step");
            assertThat(sda).containsOnly(0);
        }
        // A step the agent does not offer fails the clean, naming it.
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", pattern(8192))) {
            http.put("/baremetal/v1/nodes/ag-manual/states/provision", admin, Map.of("target", "clean",
                    "clean_steps", List.of(Map.of("interface", "raid", "step", "create_configuration")))).expect(202);
            await("ag-manual", x -> x.path("provision_state").asText().equals("clean wait"));
            ipa.boot();
            JsonNode n = await("ag-manual", x -> !x.path("provision_state").asText().equals("clean wait"));
            assertThat(n.path("provision_state").asText()).isEqualTo("clean failed");
            assertThat(n.path("last_error").asText()).contains("raid.create_configuration");
        }
    }

    @Test
    void inspectionRecordsPropertiesAndPortsFromTheAgentsInventory() throws Exception {
        String mac = "52:54:00:00:50:01";
        String uuid = agentNode("ag-inspect", mac);
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac))) {
            http.put("/baremetal/v1/nodes/ag-inspect/states/provision", admin, Map.of("target", "inspect")).expect(202);
            JsonNode n = await("ag-inspect", x -> x.path("provision_state").asText().equals("inspect wait"));
            String script = http.get(n.path("driver_internal_info").path("ipxe_script_url").asText().replace(server.url(), ""), null)
                    .expect(200).body();
            assertThat(script).contains("ipa-inspection-callback-url=" + server.url() + "/baremetal/v1/continue_inspection");

            ObjectNode bad = FakeIpa.JSON.createObjectNode();
            bad.putArray("interfaces");
            assertThat(ipa.inspect(bad).statusCode()).isEqualTo(400);
            ObjectNode stranger = inventory("52:54:00:ee:ee:ee", "52:54:00:ee:ee:ef");
            assertThat(ipa.inspect(stranger).statusCode()).isEqualTo(404);

            var r = ipa.inspect(inventory(mac, "52:54:00:00:50:02"));
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(FakeIpa.JSON.readTree(r.body()).path("uuid").asText()).isEqualTo(uuid);
            JsonNode done = await("ag-inspect", x -> x.path("provision_state").asText().equals("manageable"));
            assertThat(done.path("properties").path("cpus").asInt()).isEqualTo(4);
            assertThat(done.path("properties").path("memory_mb").asInt()).isEqualTo(8192);
            assertThat(done.path("properties").path("local_gb").asInt()).isEqualTo(19);
            assertThat(done.path("properties").path("cpu_arch").asText()).isEqualTo("x86_64");
            JsonNode ports = http.get("/baremetal/v1/ports?node=" + uuid, admin).expect(200).json().path("ports");
            assertThat(ports.findValuesAsText("address")).containsExactlyInAnyOrder(mac, "52:54:00:00:50:02");
            // Once manageable, inventory for it is refused: inspection is over.
            assertThat(ipa.inspect(inventory(mac)).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void deployWritesTheImageWithAConfigDriveHoldingTheLesseesKey() throws Exception {
        String mac = "52:54:00:00:60:01";
        agentNode("ag-deploy", mac);
        byte[] disk = new byte[1024 * 1024];
        String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey0fTheLessee lessee@example";
        try (FakeIpa cleaner = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", new byte[4096])) {
            http.put("/baremetal/v1/nodes/ag-deploy/states/provision", admin, Map.of("target", "provide")).expect(202);
            await("ag-deploy", x -> x.path("provision_state").asText().equals("clean wait"));
            cleaner.boot();
            await("ag-deploy", x -> x.path("provision_state").asText().equals("available"));
        }
        String url = "http://127.0.0.1:" + images.getAddress().getPort() + "/disk.raw";
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        Map<String, Object> configdrive = Map.of("meta_data", Map.of("public_keys", Map.of("default", key)),
                "user_data", "#cloud-config\nhostname: lessee-box\n");

        // Bad input: 400 and nothing changed.
        setInstanceInfo("ag-deploy", Map.of("image_source", url));
        deploy(configdrive).expect(400);
        setInstanceInfo("ag-deploy", Map.of("image_source", url, "image_checksum", "md5:" + "0".repeat(32)));
        deploy(configdrive).expect(400);
        setInstanceInfo("ag-deploy", Map.of("image_source", "file:///etc/shadow", "image_checksum", "sha256:" + sha));
        deploy(configdrive).expect(400);
        setInstanceInfo("ag-deploy", Map.of("image_source", url, "image_checksum", "sha256:" + sha));
        deploy(Map.of("meta_data", Map.of("public_keys", Map.of("default", "not a key")))).expect(400);
        assertThat(http.get("/baremetal/v1/nodes/ag-deploy", admin).json().path("provision_state").asText()).isEqualTo("available");

        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", disk)) {
            deploy(configdrive).expect(202);
            await("ag-deploy", x -> x.path("provision_state").asText().equals("wait call-back"));
            ipa.boot();
            JsonNode n = await("ag-deploy", x -> !x.path("provision_state").asText().equals("wait call-back"));
            assertThat(n.path("provision_state").asText()).as(n.path("last_error").asText()).isEqualTo("active");
            assertThat(ipa.lastImageInfo.path("os_hash_algo").asText()).isEqualTo("sha256");
            assertThat(ipa.lastImageInfo.path("os_hash_value").asText()).isEqualTo(sha);
            assertThat(ipa.lastImageInfo.path("urls").get(0).asText()).isEqualTo(url);
            assertThat(java.util.Arrays.copyOf(disk, image.length)).isEqualTo(image);
            assertThat(ipa.commandNames()).containsExactly("get_deploy_steps", "execute_deploy_step", "get_partition_uuids", "power_off");
            assertThat(server.fakeHardware().machine("ag-deploy").boot().device()).isEqualTo(BootDevice.DISK);
            assertThat(server.fakeHardware().machine("ag-deploy").power()).isEqualTo(PowerState.ON);

            Path iso = Files.createTempFile("configdrive-", ".iso");
            Files.write(iso, ipa.configDriveIso);
            assertThat(isoinfo("-d", "-i", iso.toString())).contains("Volume id: config-2");
            JsonNode meta = FakeIpa.JSON.readTree(isoinfo("-i", iso.toString(), "-J", "-x", "/openstack/latest/meta_data.json"));
            assertThat(meta.path("public_keys").path("default").asText()).isEqualTo(key);
            assertThat(meta.path("uuid").asText()).isEqualTo(uuidOf("ag-deploy"));
            assertThat(meta.path("hostname").asText()).isEqualTo("ag-deploy");
            assertThat(isoinfo("-i", iso.toString(), "-J", "-x", "/openstack/latest/user_data")).contains("hostname: lessee-box");
            JsonNode net = FakeIpa.JSON.readTree(isoinfo("-i", iso.toString(), "-J", "-x", "/openstack/latest/network_data.json"));
            assertThat(net.path("links").get(0).path("ethernet_mac_address").asText()).isEqualTo(mac);
            Files.delete(iso);
        }
    }

    @Test
    void aWrongChecksumFailsTheDeployWithTheAgentsReason() throws Exception {
        String mac = "52:54:00:00:70:01";
        agentNode("ag-sum", mac);
        try (FakeIpa cleaner = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", new byte[4096])) {
            http.put("/baremetal/v1/nodes/ag-sum/states/provision", admin, Map.of("target", "provide")).expect(202);
            await("ag-sum", x -> x.path("provision_state").asText().equals("clean wait"));
            cleaner.boot();
            await("ag-sum", x -> x.path("provision_state").asText().equals("available"));
        }
        String url = "http://127.0.0.1:" + images.getAddress().getPort() + "/disk.raw";
        setInstanceInfo("ag-sum", Map.of("image_source", url, "image_checksum", "sha256:" + "ab".repeat(32)));
        byte[] disk = new byte[512 * 1024];
        try (FakeIpa ipa = new FakeIpa(server.url(), List.of(mac)).disk("/dev/sda", disk)) {
            http.put("/baremetal/v1/nodes/ag-sum/states/provision", admin, Map.of("target", "active")).expect(202);
            await("ag-sum", x -> x.path("provision_state").asText().equals("wait call-back"));
            ipa.boot();
            JsonNode n = await("ag-sum", x -> !x.path("provision_state").asText().equals("wait call-back"));
            assertThat(n.path("provision_state").asText()).isEqualTo("deploy failed");
            assertThat(n.path("last_error").asText()).contains("write_image").contains("checksum");
            assertThat(disk).containsOnly(0);
        }
    }

    // --- helpers

    static Map<String, Object> agentDriverInfo(String name, Map<String, Object> more) {
        Map<String, Object> di = new java.util.LinkedHashMap<>(Map.of("fake_id", name, "deploy_kernel", "http://192.0.2.10/ipa.kernel",
                "deploy_ramdisk", "http://192.0.2.10/ipa.initramfs"));
        di.putAll(more);
        return di;
    }

    /** A manageable fake-hardware node with an agent ramdisk configured and one port. */
    static String agentNode(String name, String mac) throws InterruptedException {
        return agentNode(name, mac, Map.of());
    }

    static String agentNode(String name, String mac, Map<String, Object> driverInfo) throws InterruptedException {
        String uuid = http.post("/baremetal/v1/nodes", admin, Map.of("name", name, "driver", "fake-hardware",
                "driver_info", agentDriverInfo(name, driverInfo))).expect(201).json().path("uuid").asText();
        http.post("/baremetal/v1/ports", admin, Map.of("address", mac, "node_uuid", uuid)).expect(201);
        http.put("/baremetal/v1/nodes/" + name + "/states/provision", admin, Map.of("target", "manage")).expect(202);
        await(name, x -> x.path("provision_state").asText().equals("manageable"));
        return uuid;
    }

    static ObjectNode inventory(String... macs) {
        ObjectNode inv = FakeIpa.JSON.createObjectNode();
        var ifaces = inv.putArray("interfaces");
        int i = 0;
        for (String m : macs) {
            ifaces.addObject().put("name", "eth" + i++).put("mac_address", m).put("has_carrier", true);
        }
        inv.putObject("cpu").put("count", 4).put("architecture", "x86_64").put("model_name", "QEMU").put("frequency", "2000");
        inv.putObject("memory").put("total", 8L << 30).put("physical_mb", 8192);
        var disks = inv.putArray("disks");
        disks.addObject().put("name", "/dev/sda").put("size", 20L << 30).put("rotational", false);
        disks.addObject().put("name", "/dev/sdb").put("size", 100L << 30).put("rotational", true);
        inv.putNull("bmc_address");
        inv.putObject("boot").put("current_boot_mode", "bios").put("pxe_interface", macs[0]);
        return inv;
    }

    private static TestClient.Response deploy(Object configdrive) {
        return http.put("/baremetal/v1/nodes/ag-deploy/states/provision", admin, Map.of("target", "active", "configdrive", configdrive));
    }

    static void setInstanceInfo(String node, Map<String, Object> info) {
        http.patch("/baremetal/v1/nodes/" + node, admin, List.of(Map.of("op", "add", "path", "/instance_info", "value", info))).expect(200);
    }

    static String uuidOf(String name) {
        return http.get("/baremetal/v1/nodes/" + name, admin).expect(200).json().path("uuid").asText();
    }

    static String isoinfo(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("isoinfo"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (0xA5 ^ (i % 251) | 1);
        }
        return b;
    }

    static JsonNode await(String node, Predicate<JsonNode> done) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonNode n;
        do {
            n = http.get("/baremetal/v1/nodes/" + node, admin).expect(200).json();
            if (done.test(n)) {
                return n;
            }
            Thread.sleep(50);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("node " + node + " never got there: " + n);
    }

    static JsonNode awaitLease(String token, String lease, String status) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
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
