package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ESI's agent image (bin/agent-image) in a QEMU virtual machine booted over iPXE: it looks itself up
 * and heartbeats as IPA does, answers the IPA command API on :9999, erases its disks (none of the
 * pattern the test wrote is left in the disk files, read from the host), writes a whole-disk image
 * with a config drive holding an SSH key, quotes its swtpm TPM, and powers off. One VM for the class,
 * booted by the first test; the methods run in order, each one step of a machine's life.
 * The service side is {@link RamdiskEndpoint} (the §9 contract) until ESI's own routes drive it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AgentImageVirtualMachineTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] PATTERN = "ESI-DISK-PATTERN".getBytes(StandardCharsets.US_ASCII);
    static final long ROOT_SIZE = 4L << 30; // IPA's smallest root disk
    static final long SMALL_SIZE = 64L << 20;
    static final String SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEsiAgentImageTestKey lessee@example";

    @TempDir
    static Path dir;
    RamdiskEndpoint endpoint;
    AgentVirtualMachine vm;
    Path rootDisk;
    Path smallDisk;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Boots the VM once, on the first test that needs it; later tests reuse it. */
    void booted() throws Exception {
        AgentVirtualMachine.requireTools(true);
        if (vm != null) {
            return;
        }
        Path image = AgentImage.directory();
        rootDisk = dir.resolve("root.raw");
        smallDisk = dir.resolve("small.raw");
        writePattern(rootDisk, ROOT_SIZE, List.of(0L, 1L << 30, 3L << 30, ROOT_SIZE - (8 << 20)), 8 << 20);
        writePattern(smallDisk, SMALL_SIZE, List.of(0L), SMALL_SIZE);
        endpoint = new RamdiskEndpoint(image, "");
        // The root disk discards (the erase may use blkdiscard); the small one does not (overwrite).
        vm = AgentVirtualMachine.boot(dir, endpoint.bootUrl(),
                List.of(new AgentVirtualMachine.Disk(rootDisk, true), new AgentVirtualMachine.Disk(smallDisk, false)), true);
        try {
            AgentVirtualMachine.waitFor(() -> !endpoint.requests("POST", "/baremetal/v1/heartbeat/").isEmpty() || !vm.running(),
                    Duration.ofSeconds(240), "the agent's first heartbeat");
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + vm.diagnostics(), e);
        }
        assertThat(vm.running()).as("VM running\n%s", vm.diagnostics()).isTrue();
    }

    @AfterAll
    void stop() {
        if (vm != null) {
            vm.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Test
    @Order(1)
    void bootsOverIpxeLooksItselfUpAndHeartbeatsWithItsToken() throws Exception {
        booted();
        // The agent files came from /boot/agent/, as the service serves them.
        assertThat(endpoint.requests("GET", "/boot/agent/esi-agent.").stream().map(RamdiskEndpoint.Request::path))
                .contains("/boot/agent/esi-agent.kernel", "/boot/agent/esi-agent.initramfs");
        assertThat(endpoint.requests("GET", "/baremetal/")).isNotEmpty();
        RamdiskEndpoint.Request lookup = endpoint.requests("GET", "/baremetal/v1/lookup").get(0);
        assertThat(lookup.query()).contains("addresses=" + AgentVirtualMachine.MAC).contains("node_uuid=" + RamdiskEndpoint.NODE_UUID);
        assertThat(lookup.header("X-OpenStack-Ironic-API-Version")).isEqualTo("1.62");
        RamdiskEndpoint.Request beat = endpoint.requests("POST", "/baremetal/v1/heartbeat/").get(0);
        assertThat(beat.header("X-OpenStack-Ironic-API-Version")).isEqualTo("1.68");
        JsonNode b = beat.json();
        assertThat(b.path("agent_token").asText()).isEqualTo(endpoint.token());
        assertThat(b.path("callback_url").asText()).isEqualTo("http://10.0.2.15:9999");
        assertThat(b.path("agent_version").asText()).isNotEmpty();
    }

    @Test
    @Order(2)
    void inspectionReportsTheDisksAndTheNicTheVmHas() throws Exception {
        booted();
        JsonNode body = endpoint.requests("POST", "/baremetal/v1/continue_inspection").get(0).json();
        JsonNode inv = body.path("inventory");
        assertThat(inv.path("interfaces").findValuesAsText("mac_address")).contains(AgentVirtualMachine.MAC);
        assertThat(inv.path("boot").path("pxe_interface").asText()).isEqualTo(AgentVirtualMachine.MAC);
        assertThat(disk(inv, "/dev/vda").path("size").asLong()).isEqualTo(ROOT_SIZE);
        assertThat(disk(inv, "/dev/vda").path("serial").asText()).isEqualTo("esi-disk-0");
        assertThat(disk(inv, "/dev/vdb").path("size").asLong()).isEqualTo(SMALL_SIZE);
        assertThat(body.path("root_disk").path("name").asText()).isEqualTo("/dev/vda");
        assertThat(inv.path("memory").path("total").asLong()).isGreaterThan(500L << 20);
        assertThat(inv.path("cpu").path("count").asInt()).isEqualTo(2);
        assertThat(body.path("attestation").path("ak_public_pem").asText()).startsWith("-----BEGIN PUBLIC KEY-----");
    }

    @Test
    @Order(3)
    void theCommandApiAnswersAsIpaDoes() throws Exception {
        booted();
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(vm.agentUrl() + "/v1/commands/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(noToken.body()).path("faultstring").asText()).isEqualTo("401 Unauthorized: Token invalid.");
        assertThat(post("{\"name\":\"nosuch.thing\",\"params\":{}}", true).statusCode()).isEqualTo(404);
        assertThat(post("{\"name\":\"clean.get_clean_steps\",\"params\":[]}", true).statusCode()).isEqualTo(400);
        assertThat(post("{\"name\":\"standby.prepare_image\",\"params\":{\"image_info\":{\"id\":\"x\",\"urls\":[]}}}", true).statusCode())
                .isEqualTo(400);
        JsonNode steps = command("clean.get_clean_steps", JSON.createObjectNode(), true);
        assertThat(steps.path("command_name").asText()).isEqualTo("get_clean_steps");
        assertThat(steps.path("command_status").asText()).isEqualTo("SUCCEEDED");
        JsonNode generic = steps.path("command_result").path("clean_steps").path("GenericHardwareManager");
        assertThat(generic.findValuesAsText("step")).contains("erase_devices", "erase_devices_metadata");
        assertThat(steps.path("command_result").path("hardware_manager_version").path("generic_hardware_manager").asText()).isEqualTo("1.2");
    }

    @Test
    @Order(4)
    void eraseDevicesLeavesNoneOfThePatternOnEitherDisk() throws Exception {
        booted();
        assertThat(countPattern(rootDisk)).isPositive();
        assertThat(countPattern(smallDisk)).isPositive();
        JsonNode meta = runStep("clean.execute_clean_step", cleanStep("erase_devices_metadata", 99));
        assertThat(meta.path("command_status").asText()).as(meta.toString()).isEqualTo("SUCCEEDED");
        JsonNode erase = runStep("clean.execute_clean_step", cleanStep("erase_devices", 10));
        assertThat(erase.path("command_status").asText()).as(erase.toString()).isEqualTo("SUCCEEDED");
        assertThat(erase.path("command_result").path("clean_result").has("/dev/vda")).isTrue();
        assertThat(erase.path("command_result").path("clean_result").has("/dev/vdb")).isTrue();
        assertThat(erase.path("command_result").path("clean_step").path("step").asText()).isEqualTo("erase_devices");
        assertThat(countPattern(rootDisk)).isZero();
        assertThat(countPattern(smallDisk)).isZero();
    }

    @Test
    @Order(5)
    void aWrongChecksumFailsTheDeployAndLeavesNothingBootable() throws Exception {
        booted();
        byte[] image = wholeDiskImage();
        endpoint.serveImage("bad.raw", image);
        JsonNode res = runStep("deploy.execute_deploy_step", writeImageStep("bad.raw", "0".repeat(64), null));
        assertThat(res.path("command_status").asText()).isEqualTo("FAILED");
        assertThat(res.path("command_error").path("type").asText()).isEqualTo("ImageChecksumError");
        assertThat(res.path("command_error").path("message").asText()).contains("checksum");
        byte[] mbr = read(rootDisk, 0, 512);
        assertThat(mbr[510] == 0x55 && (mbr[511] & 0xff) == 0xaa).as("boot signature left on the disk").isFalse();
    }

    @Test
    @Order(6)
    void writeImagePutsTheImageAndAConfigDriveWithTheSshKeyOnTheDisk() throws Exception {
        booted();
        byte[] image = wholeDiskImage();
        endpoint.serveImage("good.raw", image);
        byte[] iso = configDriveIso();
        JsonNode res = runStep("deploy.execute_deploy_step", writeImageStep("good.raw", sha256(image), gzipBase64(iso)));
        assertThat(res.path("command_status").asText()).as(res.toString() + "\n" + vm.diagnostics()).isEqualTo("SUCCEEDED");
        assertThat(res.path("command_result").path("deploy_result").path("result").asText())
                .startsWith("prepare_image: image (good.raw) written to device /dev/vda root_uuid=a1b2c3d4");
        // The image, outside the partition table the agent extended, is on the disk byte for byte.
        byte[] onDisk = read(rootDisk, 0, image.length);
        assertThat(Arrays.copyOfRange(onDisk, 512, image.length)).isEqualTo(Arrays.copyOfRange(image, 512, image.length));
        assertThat(Arrays.copyOfRange(onDisk, 0, 462)).isEqualTo(Arrays.copyOfRange(image, 0, 462));
        // A second MBR entry: the config drive, in the last 64 MiB, holding the ISO with the key.
        ByteBuffer entry = ByteBuffer.wrap(onDisk, 446 + 16, 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int type = onDisk[446 + 16 + 4] & 0xff;
        long start = Integer.toUnsignedLong(entry.getInt(446 + 16 + 8));
        assertThat(type).isEqualTo(0x0c);
        assertThat(start * 512).isBetween(ROOT_SIZE - (64L << 20), ROOT_SIZE - iso.length);
        byte[] part = read(rootDisk, start * 512, iso.length);
        assertThat(part).isEqualTo(iso);
        assertThat(new String(part, 32768 + 40, 8, StandardCharsets.US_ASCII)).isEqualTo("config-2");
        assertThat(new String(part, StandardCharsets.ISO_8859_1)).contains(SSH_KEY);
        JsonNode uuids = command("standby.get_partition_uuids", JSON.createObjectNode(), true);
        assertThat(uuids.path("command_result").path("root uuid").asText()).isEqualTo("a1b2c3d4");
    }

    @Test
    @Order(7)
    void aTpmQuoteOverTheRequestedPcrsVerifiesWithTheKeyFromInspection() throws Exception {
        booted();
        String nonce = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(dir.toString().getBytes()));
        ObjectNode params = JSON.createObjectNode().put("nonce", nonce);
        params.putArray("pcrs").add(0).add(1).add(2).add(3).add(7);
        JsonNode res = command("attest.get_quote", params, true);
        assertThat(res.path("command_status").asText()).as(res.toString()).isEqualTo("SUCCEEDED");
        JsonNode q = res.path("command_result").path("quote");
        String inspected = endpoint.requests("POST", "/baremetal/v1/continue_inspection").get(0).json()
                .path("attestation").path("ak_public_pem").asText();
        assertThat(q.path("ak_public_pem").asText().strip()).isEqualTo(inspected.strip());
        byte[] message = Base64.getDecoder().decode(q.path("message").asText());
        byte[] signature = Base64.getDecoder().decode(q.path("signature").asText());
        assertThat(verify(inspected, message, signature)).isTrue();
        Quote parsed = Quote.parse(message);
        assertThat(HexFormat.of().formatHex(parsed.extraData())).isEqualTo(nonce);
        // The PCR digest in the signed message is the hash of the reported values, in PCR order.
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (String pcr : List.of("0", "1", "2", "3", "7")) {
            d.update(HexFormat.of().parseHex(q.path("pcrs").path("sha256").path(pcr).asText()));
        }
        assertThat(parsed.pcrDigest()).isEqualTo(d.digest());
        // A changed message (another nonce) no longer verifies: a replayed quote is detectable.
        byte[] tampered = message.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThat(verify(inspected, tampered, signature)).isFalse();
    }

    @Test
    @Order(8)
    void powerOffStopsTheMachine() throws Exception {
        booted();
        JsonNode res = command("standby.power_off", JSON.createObjectNode(), false);
        assertThat(res.path("command_name").asText()).isEqualTo("power_off");
        assertThat(vm.waitForExit(Duration.ofSeconds(60))).as(vm.diagnostics()).isTrue();
    }

    // --- the agent's command API, as the service's client calls it (agent-protocol.md §5) ---------------

    HttpResponse<String> post(String body, boolean wait) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(vm.agentUrl() + "/v1/commands/?wait=" + wait + "&agent_token=" + endpoint.token()))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode command(String name, JsonNode params, boolean wait) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        body.set("params", params);
        HttpResponse<String> r = post(body.toString(), wait);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** An async step as Ironic runs it: POST with wait=false, then GET the command list until it ends. */
    JsonNode runStep(String name, JsonNode params) throws Exception {
        JsonNode started = command(name, params, false);
        assertThat(started.path("command_status").asText()).isEqualTo("RUNNING");
        String id = started.path("id").asText();
        JsonNode[] last = new JsonNode[1];
        AgentVirtualMachine.waitFor(() -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(vm.agentUrl() + "/v1/commands/?agent_token=" + endpoint.token()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode c : JSON.readTree(r.body()).path("commands")) {
                if (c.path("id").asText().equals(id) && !c.path("command_status").asText().equals("RUNNING")) {
                    last[0] = c;
                    return true;
                }
            }
            return false;
        }, Duration.ofSeconds(200), name);
        return last[0];
    }

    ObjectNode node() {
        ObjectNode node = JSON.createObjectNode().put("uuid", RamdiskEndpoint.NODE_UUID);
        node.putObject("properties");
        node.putObject("instance_info");
        node.putObject("driver_internal_info").put("agent_erase_devices_iterations", 1).put("agent_erase_devices_zeroize", true)
                .put("agent_continue_if_secure_erase_failed", false).put("disk_erasure_concurrency", 4);
        return node;
    }

    ObjectNode cleanStep(String step, int priority) {
        ObjectNode p = JSON.createObjectNode();
        p.putObject("step").put("interface", "deploy").put("step", step).put("priority", priority)
                .put("reboot_requested", false).put("abortable", true).put("requires_ramdisk", true).putObject("args");
        p.set("node", node());
        p.putArray("ports");
        p.putObject("clean_version").put("generic_hardware_manager", "1.2");
        return p;
    }

    ObjectNode writeImageStep(String name, String sha256, String configdrive) {
        ObjectNode p = JSON.createObjectNode();
        ObjectNode step = p.putObject("step").put("interface", "deploy").put("step", "write_image").put("priority", 80);
        ObjectNode args = step.putObject("args");
        ObjectNode info = args.putObject("image_info").put("id", name).put("disk_format", "raw").put("container_format", "bare")
                .put("stream_raw_images", true).put("os_hash_algo", "sha256").put("os_hash_value", sha256)
                .put("node_uuid", RamdiskEndpoint.NODE_UUID);
        info.putArray("urls").add(endpoint.guestBase() + "/images/" + name);
        if (configdrive == null) {
            args.putNull("configdrive");
        } else {
            args.put("configdrive", configdrive);
        }
        p.set("node", node());
        p.putArray("ports");
        p.putObject("deploy_version").put("generic_hardware_manager", "1.2");
        return p;
    }

    // --- what the test builds and reads --------------------------------------------------------------------

    static JsonNode disk(JsonNode inventory, String name) {
        for (JsonNode d : inventory.path("disks")) {
            if (d.path("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("no disk " + name + " in " + inventory.path("disks"));
    }

    /** A sparse disk file with the pattern in the given regions. */
    static void writePattern(Path file, long size, List<Long> offsets, long length) throws IOException {
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = PATTERN[i % PATTERN.length];
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            for (long off : offsets) {
                f.seek(off);
                for (long done = 0; done < length; done += chunk.length) {
                    f.write(chunk, 0, (int) Math.min(chunk.length, length - done));
                }
            }
        }
    }

    /** How many pattern-aligned 16-byte blocks of the file still hold the pattern. */
    static long countPattern(Path file) throws IOException {
        long n = 0;
        byte[] buf = new byte[4 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int r;
            while ((r = in.readNBytes(buf, 0, buf.length)) > 0) {
                for (int i = 0; i + PATTERN.length <= r; i += PATTERN.length) {
                    if (buf[i] == 'E' && Arrays.equals(buf, i, i + PATTERN.length, PATTERN, 0, PATTERN.length)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    static byte[] read(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /** 8 MiB: an MBR (disk id a1b2c3d4) with one Linux partition from sector 2048, recognisable content. */
    static byte[] wholeDiskImage() {
        byte[] img = new byte[8 << 20];
        byte[] text = "WHOLE-DISK-IMAGE".getBytes(StandardCharsets.US_ASCII);
        for (int i = 512; i < img.length; i++) {
            img[i] = text[i % text.length];
        }
        ByteBuffer b = ByteBuffer.wrap(img).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Arrays.fill(img, 0, 512, (byte) 0);
        b.putInt(440, 0xa1b2c3d4);
        img[446] = (byte) 0x80;
        img[446 + 4] = (byte) 0x83;
        b.putInt(446 + 8, 2048);
        b.putInt(446 + 12, (img.length / 512) - 2048);
        img[510] = 0x55;
        img[511] = (byte) 0xaa;
        return img;
    }

    /** The config drive as Ironic builds it (genisoimage, label config-2, openstack/latest/). */
    byte[] configDriveIso() throws Exception {
        Path src = dir.resolve("configdrive");
        for (String v : List.of("2012-08-10", "latest")) {
            Path d = Files.createDirectories(src.resolve("openstack").resolve(v));
            ObjectNode meta = JSON.createObjectNode().put("uuid", RamdiskEndpoint.NODE_UUID).put("name", "vm");
            meta.putObject("public_keys").put("lessee", SSH_KEY);
            Files.writeString(d.resolve("meta_data.json"), meta.toString());
            Files.writeString(d.resolve("network_data.json"), "{\"links\":[],\"networks\":[],\"services\":[]}");
        }
        Path iso = dir.resolve("configdrive.iso");
        Process p = new ProcessBuilder("genisoimage", "-o", iso.toString(), "-ldots", "-allow-lowercase", "-allow-multidot", "-l",
                "-publisher", "metalsmith", "-quiet", "-J", "-r", "-V", "config-2", src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return Files.readAllBytes(iso);
    }

    static String gzipBase64(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    // --- the attestation contract (docs/agent-image.md): what the service checks -----------------------------

    /** ECDSA P-256 over SHA-256 of the TPMS_ATTEST bytes; the signature is DER. */
    static boolean verify(String pem, byte[] message, byte[] der) throws Exception {
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initVerify(key);
        s.update(message);
        try {
            return s.verify(der);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    /** The parts of a TPMS_ATTEST (TPM 2.0 part 2, 10.12.12) with TPMS_QUOTE_INFO the service needs. */
    record Quote(byte[] extraData, byte[] pcrDigest) {
        static Quote parse(byte[] m) {
            ByteBuffer b = ByteBuffer.wrap(m);
            assertThat(b.getInt()).isEqualTo(0xff544347); // TPM_GENERATED_VALUE
            assertThat(b.getShort() & 0xffff).isEqualTo(0x8018); // TPM_ST_ATTEST_QUOTE
            int signer = b.getShort() & 0xffff;
            b.position(b.position() + signer); // qualifiedSigner
            byte[] extra = new byte[b.getShort() & 0xffff];
            b.get(extra);
            b.position(b.position() + 17 + 8); // clockInfo, firmwareVersion
            int count = b.getInt();
            for (int i = 0; i < count; i++) {
                b.getShort();
                int select = b.get() & 0xff;
                b.position(b.position() + select);
            }
            byte[] digest = new byte[b.getShort() & 0xffff];
            b.get(digest);
            return new Quote(extra, digest);
        }
    }
}
