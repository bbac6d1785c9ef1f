package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine's life through ESI's public API only, on a QEMU virtual machine behind an IPMI BMC: the
 * owner enrolls and inspects it (ESI's agent image, PXE/iPXE from the service), sets an attestation
 * policy (a wrong golden value keeps it out of anyone's hands; the right one lets it through), the
 * lessee deploys an image with its SSH key (a wrong checksum first), the lease ends, and the machine
 * comes back wiped. The disks are files the test reads from the host; the TPM is swtpm. One machine
 * for the class, the methods in order, each one step; the clock of leases is the test's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 480, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AgentLifecycleVirtualMachineTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] PATTERN = "ESI-DISK-PATTERN".getBytes(StandardCharsets.US_ASCII);
    static final byte[] IMAGE_TEXT = "WHOLE-DISK-IMAGE".getBytes(StandardCharsets.US_ASCII);
    static final long ROOT_SIZE = 4L << 30;
    static final long SMALL_SIZE = 64L << 20;
    static final String SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEsiLifecycleTestKey lessee@example";
    static final String USER_DATA = "#cloud-config\nhostname: leased-vm\n";
    static final Duration FLOW = Duration.ofSeconds(420);

    @TempDir
    static Path dir;
    final MutableClock clock = new MutableClock();
    /** Closed after the last test: the machine, its BMC, the image server and the service. */
    @AutoClose
    AgentVmTestbed bed;
    TestingEsiServer server;
    AgentVirtualMachine vm;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Path rootDisk;
    Path smallDisk;
    String owner;
    String lessee;
    String node;
    String lease;
    /** The PCR values the machine really has, as the failed attestation reported them. */
    Map<String, String> measured;

    @BeforeAll
    void start() throws Exception {
        AgentVirtualMachine.requireTools(true);
        bed = new AgentVmTestbed(dir, clock, FLOW);
        server = bed.server;
        owner = bed.owner;
        lessee = bed.lessee;
        rootDisk = dir.resolve("root.raw");
        smallDisk = dir.resolve("small.raw");
        writePattern(rootDisk, ROOT_SIZE, List.of(0L, 1L << 30, 3L << 30, ROOT_SIZE - (8 << 20)), 8 << 20);
        writePattern(smallDisk, SMALL_SIZE, List.of(0L), SMALL_SIZE);
        vm = bed.define(List.of(new AgentVirtualMachine.Disk(rootDisk, true), new AgentVirtualMachine.Disk(smallDisk, false)), true);
    }

    @Test
    @Order(1)
    void inspectionFindsTheMachinesDiskCpusMemoryAndItsTpmKey() throws Exception {
        TestClient c = server.client();
        node = bed.enroll("agent-vm", Map.of());

        bed.ok(owner, "node", "inspect", node, "--timeout", FLOW.toSeconds() + "s");
        JsonNode n = c.get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
        assertThat(n.path("provision_state").asText()).isEqualTo("manageable");
        JsonNode props = n.path("properties");
        assertThat(props.path("cpus").asInt()).isEqualTo(2);
        assertThat(props.path("memory_mb").asLong()).isBetween(600L, 768L);
        assertThat(props.path("local_gb").asLong()).as("Ironic's rule: the 4 GiB root disk less one").isEqualTo(3);
        assertThat(props.path("cpu_arch").asText()).isEqualTo("x86_64");
        assertThat(n.path("driver_internal_info").path("attestation_key").asText()).startsWith("-----BEGIN PUBLIC KEY-----");
        JsonNode ports = c.get("/baremetal/v1/ports?node=" + node, owner).expect(200).json().path("ports");
        assertThat(ports.findValuesAsText("address")).containsExactly(AgentVirtualMachine.MAC);
        assertThat(vm.running()).as("inspection ends with the machine off\n" + vm.diagnostics()).isFalse();
    }

    @Test
    @Order(2)
    void aWrongGoldenPcrKeepsTheErasedMachineInMaintenanceAndOutOfReach() throws Exception {
        TestClient c = server.client();
        assertThat(countPattern(rootDisk)).isPositive();
        assertThat(countPattern(smallDisk)).isPositive();
        setAttestation(Map.of("0", "00".repeat(32), "7", "00".repeat(32)));
        CliRun provide = bed.esi(owner, List.of("node", "provide", node, "--timeout", FLOW.toSeconds() + "s"));
        assertThat(provide.code()).as(provide.out() + provide.err()).isNotZero();
        JsonNode n = c.get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
        assertThat(n.path("provision_state").asText()).as(n.toString() + "\n" + vm.diagnostics()).isEqualTo("clean failed");
        assertThat(n.path("maintenance").asBoolean()).isTrue();
        assertThat(n.path("maintenance_reason").asText()).startsWith("Attestation failed: PCR 0 is ");
        // The erase ran before the quote: neither disk holds any of the pattern the test wrote.
        assertThat(countPattern(rootDisk)).isZero();
        assertThat(countPattern(smallDisk)).isZero();
        // Nobody may claim it: it is not available and not offered.
        assertThat(c.post("/lease/v1/offers", owner, Map.of("resource_uuid", node)).status()).isBetween(400, 499);
        measured = measuredPcrs(n.path("maintenance_reason").asText());
        assertThat(measured).containsOnlyKeys("0", "7");
    }

    @Test
    @Order(3)
    void theMeasuredGoldenValuesLetItThroughAndAForgedHeartbeatChangesNothing() throws Exception {
        TestClient c = server.client();
        setAttestation(measured);
        c.delete("/baremetal/v1/nodes/" + node + "/maintenance", owner).expect(202);
        bed.ok(owner, "node", "manage", node, "--timeout", "60s");
        c.put("/baremetal/v1/nodes/" + node + "/states/provision", owner, Map.of("target", "provide")).expect(202);

        // While the agent cleans: it has looked itself up and heartbeated; nobody else gets its token or its place.
        JsonNode during = bed.awaitNode(n -> n.path("driver_internal_info").path("agent_url").isTextual(), "the agent's first heartbeat");
        String agentUrl = during.path("driver_internal_info").path("agent_url").asText();
        assertThat(agentUrl).isEqualTo(vm.agentUrl());
        Map<String, String> v = Map.of("X-OpenStack-Ironic-API-Version", "1.68");
        TestClient.Response lookup = c.send("GET", "/baremetal/v1/lookup?addresses=" + AgentVirtualMachine.MAC, null, null, v);
        assertThat(lookup.status()).isEqualTo(200);
        assertThat(lookup.json().path("config").path("agent_token").asText()).isEqualTo("******");
        // Ironic's order: a different callback is refused first, then a missing or wrong token.
        TestClient.Response moved = c.send("POST", "/baremetal/v1/heartbeat/" + node, null,
                Map.of("callback_url", "http://127.0.0.1:9", "agent_version", "forged"), v);
        assertThat(moved.status()).isEqualTo(400);
        assertThat(moved.body()).contains("Detected change in ramdisk provided callback_url");
        Map<String, Object> forged = Map.of("callback_url", agentUrl, "agent_version", "forged");
        TestClient.Response missing = c.send("POST", "/baremetal/v1/heartbeat/" + node, null, forged, v);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body()).contains("Agent token is required for heartbeat processing.");
        Map<String, Object> wrong = new HashMap<>(forged);
        wrong.put("agent_token", "x".repeat(43));
        TestClient.Response bad = c.send("POST", "/baremetal/v1/heartbeat/" + node, null, wrong, v);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("Invalid or missing agent token received.");
        JsonNode afterForgery = c.get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
        assertThat(afterForgery.path("driver_internal_info").path("agent_url").asText()).isEqualTo(agentUrl);
        assertThat(afterForgery.path("driver_internal_info").path("agent_version").asText()).isNotEqualTo("forged");
        // The agent's own command API wants the token too (IPA's answer).
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(vm.agentUrl() + "/v1/commands/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);

        JsonNode done = bed.awaitNode(n -> !java.util.Set.of("cleaning", "clean wait").contains(n.path("provision_state").asText()), "the end of cleaning");
        assertThat(done.path("provision_state").asText()).as(done.path("last_error").asText() + "\n" + vm.diagnostics())
                .isEqualTo("available");
        assertThat(done.path("maintenance").asBoolean()).isFalse();
        assertThat(done.path("driver_internal_info").path("attestation_passed_at").asText()).isNotEmpty();
        assertThat(vm.running()).isFalse();
    }

    @Test
    @Order(4)
    void aLeasedMachineRefusesAnImageWithTheWrongChecksumAndWritesNothingBootable() throws Exception {
        TestClient c = server.client();
        String offer = c.post("/lease/v1/offers", owner, Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText();
        Instant start = clock.instant().plusSeconds(1);
        lease = c.post("/lease/v1/offers/" + offer + "/claim", lessee,
                Map.of("start_time", start.toString(), "end_time", start.plus(Duration.ofHours(1)).toString())).expect(201)
                .json().path("uuid").asText();
        bed.awaitLease(lease, "active", Duration.ofSeconds(30));

        bed.served.put("/images/bad.raw", wholeDiskImage());
        Path key = Files.writeString(dir.resolve("id.pub"), SSH_KEY + "\n");
        CliRun r = bed.esi(lessee, List.of("node", "deploy", node, "--image", bed.imageUrl("bad.raw"), "--checksum", "sha256:" + "0".repeat(64),
                "--ssh-key", key.toString(), "--timeout", FLOW.toSeconds() + "s"));
        assertThat(r.code()).as(r.out() + r.err()).isNotZero();
        JsonNode n = c.get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
        assertThat(n.path("provision_state").asText()).as(n.toString()).isEqualTo("deploy failed");
        assertThat(n.path("last_error").asText()).containsIgnoringCase("checksum");
        byte[] mbr = read(rootDisk, 0, 512);
        assertThat(mbr[510] == 0x55 && (mbr[511] & 0xff) == 0xaa).as("a boot signature on the disk").isFalse();
    }

    @Test
    @Order(5)
    void theLesseeDeploysAnImageWithItsSshKeyAndUserData() throws Exception {
        TestClient c = server.client();
        byte[] image = wholeDiskImage();
        bed.served.put("/images/good.raw", image);
        Path key = Files.writeString(dir.resolve("id.pub"), SSH_KEY + "\n");
        Path userData = Files.writeString(dir.resolve("user-data"), USER_DATA);
        bed.ok(lessee, "node", "deploy", node, "--image", bed.imageUrl("good.raw"), "--checksum", "sha256:" + sha256(image),
                "--ssh-key", key.toString(), "--user-data", userData.toString(), "--timeout", FLOW.toSeconds() + "s");
        assertThat(c.get("/baremetal/v1/nodes/" + node, lessee).expect(200).json().path("provision_state").asText()).isEqualTo("active");
        // The image, outside the partition table the agent extended, is on the disk byte for byte.
        byte[] onDisk = read(rootDisk, 0, image.length);
        assertThat(Arrays.copyOfRange(onDisk, 512, image.length)).isEqualTo(Arrays.copyOfRange(image, 512, image.length));
        assertThat(Arrays.copyOfRange(onDisk, 0, 446)).isEqualTo(Arrays.copyOfRange(image, 0, 446));
        // A second MBR entry: the config drive (label config-2) with the lessee's key and user data, for cloud-init.
        ByteBuffer table = ByteBuffer.wrap(onDisk, 0, 512).order(ByteOrder.LITTLE_ENDIAN);
        long start = Integer.toUnsignedLong(table.getInt(446 + 16 + 8));
        long sectors = Integer.toUnsignedLong(table.getInt(446 + 16 + 12));
        assertThat(start).isPositive();
        byte[] drive = read(rootDisk, start * 512, (int) Math.min(sectors * 512, 64L << 20));
        assertThat(new String(drive, 32768 + 40, 8, StandardCharsets.US_ASCII)).isEqualTo("config-2");
        String text = new String(drive, StandardCharsets.ISO_8859_1);
        assertThat(text).contains(SSH_KEY).contains("hostname: leased-vm").contains(node);
        // Deployed means booted from its disk: the machine is on again, from the disk.
        assertThat(vm.running()).as(vm.diagnostics()).isTrue();
    }

    @Test
    @Order(6)
    void whenTheLeaseEndsTheMachineIsWipedBeforeItIsAvailableAgain() throws Exception {
        TestClient c = server.client();
        assertThat(countOf(rootDisk, IMAGE_TEXT)).isPositive();
        clock.advance(Duration.ofHours(1).plusSeconds(5));
        Instant ended = Instant.now();
        server.server().scheduler().wake();
        List<String> states = new ArrayList<>();
        JsonNode n = bed.awaitNode(x -> {
            String s = x.path("provision_state").asText();
            if (states.isEmpty() || !states.get(states.size() - 1).equals(s)) {
                states.add(s);
            }
            return java.util.Set.of("available", "clean failed", "error").contains(s);
        }, "the hand-back");
        Duration handback = Duration.between(ended, Instant.now());
        assertThat(n.path("provision_state").asText()).as(n.path("last_error").asText() + " " + states + "\n" + vm.diagnostics())
                .isEqualTo("available");
        // The machine was erased on the way: the lessee's image and config drive are gone from the disk.
        assertThat(states).contains("clean wait");
        assertThat(countOf(rootDisk, IMAGE_TEXT)).isZero();
        assertThat(countOf(rootDisk, SSH_KEY.getBytes(StandardCharsets.US_ASCII))).isZero();
        assertThat(vm.running()).isFalse();
        JsonNode l = bed.awaitLease(lease, "expired", Duration.ofSeconds(30));
        assertThat(n.path("lessee").isNull() || n.path("lessee").asText().isEmpty()).as(n.toString()).isTrue();
        System.out.printf("lease end -> node available: %.1f s (states %s, accelerator %s)%n", handback.toMillis() / 1000.0, states,
                AgentVirtualMachine.usesKvm() ? "kvm" : "tcg");
        assertThat(l.path("status").asText()).isEqualTo("expired");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    void setAttestation(Map<String, String> golden) {
        Map<String, Object> policy = Map.of("pcrs", List.of(0, 7), "golden", golden, "hash_algo", "sha256");
        server.client().patch("/baremetal/v1/nodes/" + node, owner,
                List.of(Map.of("op", "add", "path", "/driver_info/attestation", "value", policy))).expect(200);
    }

    static Map<String, String> measuredPcrs(String reason) {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher x = Pattern.compile("PCR (\\d+) is ([0-9a-f]{64})").matcher(reason);
        while (x.find()) {
            m.put(x.group(1), x.group(2));
        }
        return m;
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

    static long countPattern(Path file) throws IOException {
        return countOf(file, PATTERN);
    }

    /** How many times {@code needle} occurs in the file (overlaps across 4 MiB reads included). */
    static long countOf(Path file, byte[] needle) throws IOException {
        long n = 0;
        byte[] buf = new byte[(4 << 20) + needle.length];
        int carry = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int r;
            while ((r = in.readNBytes(buf, carry, buf.length - carry)) > 0) {
                int len = carry + r;
                for (int i = 0; i + needle.length <= len; i++) {
                    if (buf[i] == needle[0] && Arrays.equals(buf, i, i + needle.length, needle, 0, needle.length)) {
                        n++;
                    }
                }
                carry = Math.min(needle.length - 1, len);
                System.arraycopy(buf, len - carry, buf, 0, carry);
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

    /**
     * 8 MiB: an MBR (disk id a1b2c3d4) whose boot code halts the CPU, one Linux partition from sector 2048,
     * recognisable content. Booted from the disk, the machine stays on, halted, as an OS would stay up.
     */
    static byte[] wholeDiskImage() {
        byte[] img = new byte[8 << 20];
        for (int i = 512; i < img.length; i++) {
            img[i] = IMAGE_TEXT[i % IMAGE_TEXT.length];
        }
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        img[0] = (byte) 0xfa; // cli
        img[1] = (byte) 0xf4; // hlt
        img[2] = (byte) 0xeb; // jmp back to hlt
        img[3] = (byte) 0xfd;
        b.putInt(440, 0xa1b2c3d4);
        img[446] = (byte) 0x80;
        img[446 + 4] = (byte) 0x83;
        b.putInt(446 + 8, 2048);
        b.putInt(446 + 12, (img.length / 512) - 2048);
        img[510] = 0x55;
        img[511] = (byte) 0xaa;
        return img;
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
