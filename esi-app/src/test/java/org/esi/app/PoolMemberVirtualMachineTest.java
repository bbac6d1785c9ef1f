package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
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
 * One pool member on a QEMU virtual machine, through the public API only: the owner enrolls the machine as an ipmi node
 * and offers it once cleaned, a lessee creates a pool of one whose deploy is a whole-disk image ({@link TestOsImage}) and a
 * user-data script; the pool claims the offer and deploys the image through ESI's agent; the node is active and the member
 * ready; then the machine boots the image from its disk, and the image runs the pool's user data from the config drive,
 * which calls back to an endpoint of the test on the host with a nonce only the pool's config holds and the provider id ESI
 * put in place of {@code ${ESI_PROVIDER_ID}}. Deleting the pool then gives the machine back wiped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 900, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PoolMemberVirtualMachineTest {
    static final long DISK_SIZE = 4L << 30;
    static final Duration FLOW = Duration.ofSeconds(420);

    @TempDir
    static Path dir;
    /** Closed after the last test: the machine, its BMC, the image server and the service. */
    @AutoClose
    AgentVmTestbed bed;
    byte[] image;
    Path disk;
    String node;
    String nonce;
    final LinkedBlockingQueue<String> callbacks = new LinkedBlockingQueue<>();

    @BeforeAll
    void start() throws Exception {
        AgentVirtualMachine.requireTools(false, TestOsImage.missingTools());
        image = Files.readAllBytes(TestOsImage.disk());
        bed = new AgentVmTestbed(dir, new MutableClock(), FLOW);
        bed.served.put("/images/test-os.raw", image);
        // What the member's user data posts: the test's endpoint on the host.
        bed.images.createContext("/callback", ex -> {
            callbacks.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        disk = dir.resolve("disk.raw");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(DISK_SIZE);
        }
        bed.define(List.of(new AgentVirtualMachine.Disk(disk, true)), false);
    }

    @Test
    @Order(1)
    void aPoolMembersMachineBootsThePoolsImageAndRunsItsUserData() throws Exception {
        Instant began = Instant.now();
        TestClient c = bed.server.client();
        // The owner's machine: enrolled with the properties the pool asks for, cleaned by the agent, offered.
        node = bed.enroll("pool-vm", Map.of("resource_class", "baremetal",
                "properties", Map.of("cpus", 2, "memory_mb", 768, "local_gb", 3, "cpu_arch", "x86_64")));
        bed.ok(bed.owner, "node", "provide", node, "--timeout", FLOW.toSeconds() + "s");
        Instant available = Instant.now();
        c.post("/lease/v1/offers", bed.owner, Map.of("resource_uuid", node)).expect(201);

        nonce = UUID.randomUUID().toString();
        String userData = String.join("\n",
                "#!/bin/sh",
                "# pool member check " + nonce,
                "body=\"nonce=" + nonce,
                "provider_id=${ESI_PROVIDER_ID}",
                "hostname=$(hostname)",
                "cmdline=$(cat /proc/cmdline)\"",
                "i=0",
                "until wget -q -O /dev/null --post-data \"$body\" " + bed.hostUrl("/callback") + "; do",
                "  i=$((i + 1)); [ \"$i\" -ge 30 ] && exit 1; sleep 2",
                "done",
                "");
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("name", "vm-pool");
        pool.put("resource_class", "baremetal");
        pool.put("properties", List.of("cpus>=2"));
        pool.put("max_size", 1);
        pool.put("desired_size", 1);
        pool.put("lease_duration", "PT4H");
        pool.put("renew_before", "PT30M");
        String checksum = "sha256:" + AgentLifecycleVirtualMachineTest.sha256(image);
        pool.put("deploy", Map.of("image_url", bed.imageUrl("test-os.raw"), "image_checksum", checksum,
                "user_data", userData));
        c.post("/cluster/v1/pools", bed.lessee, pool).expect(201);

        JsonNode member = awaitMember("ready");
        Instant ready = Instant.now();
        assertThat(member.path("node_uuid").asText()).isEqualTo(node);
        assertThat(member.path("provider_id").asText()).isEqualTo("esi://" + node);
        JsonNode n = c.get("/baremetal/v1/nodes/" + node, bed.owner).expect(200).json();
        assertThat(n.path("provision_state").asText()).isEqualTo("active");
        assertThat(n.path("lessee").asText()).isEqualTo(bed.lesseeProject);
        // The deploy left the machine set to boot from its disk, persistently, and powered on.
        JsonNode boot = c.get("/baremetal/v1/nodes/" + node + "/management/boot_device", bed.owner).expect(200).json();
        assertThat(boot.path("boot_device").asText()).isEqualTo("disk");
        assertThat(bed.vm.running()).as(bed.vm.diagnostics()).isTrue();

        // The machine boots the image from its disk, and the image runs the pool's user data from the config drive.
        String got = callbacks.poll(FLOW.toSeconds(), TimeUnit.SECONDS);
        Instant called = Instant.now();
        assertThat(got).as("no callback from the member's user data\n" + bed.vm.diagnostics()).isNotNull();
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : got.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertThat(fields.get("nonce")).isEqualTo(nonce);
        assertThat(fields.get("provider_id")).isEqualTo("esi://" + node);
        // The hostname the image took from the config drive's meta_data.json.
        assertThat(fields.get("hostname")).isEqualTo("pool-vm");
        // Started by the image's own boot loader from the disk, not by the agent's network boot.
        assertThat(fields.get("cmdline")).contains(TestOsImage.MARKER).doesNotContain("ipa-api-url");
        System.out.printf("pool member VM: available after %.1f s, member ready %.1f s after the pool, callback %.1f s after ready"
                        + " (total %.1f s, accelerator %s)%n", secs(began, available), secs(available, ready), secs(ready, called),
                secs(began, called), AgentVirtualMachine.usesKvm() ? "kvm" : "tcg");
    }

    @Test
    @Order(2)
    void deletingThePoolGivesTheMachineBackWiped() throws Exception {
        TestClient c = bed.server.client();
        Instant began = Instant.now();
        c.delete("/cluster/v1/pools/vm-pool", bed.lessee).expect(204);
        JsonNode n = bed.awaitNode(x -> java.util.Set.of("available", "clean failed", "error").contains(x.path("provision_state").asText())
                && !x.hasNonNull("lessee"), "the hand-back");
        assertThat(n.path("provision_state").asText()).as(n.path("last_error").asText() + "\n" + bed.vm.diagnostics()).isEqualTo("available");
        AgentVirtualMachine.waitFor(() -> c.get("/cluster/v1/pools/vm-pool", bed.lessee).status() == 404, Duration.ofSeconds(30),
                "the pool to go with its last member");
        // Neither the image (its boot loader's command line) nor the config drive (the pool's nonce) is left on the disk.
        assertThat(AgentLifecycleVirtualMachineTest.countOf(disk, TestOsImage.MARKER.getBytes(StandardCharsets.US_ASCII))).isZero();
        assertThat(AgentLifecycleVirtualMachineTest.countOf(disk, nonce.getBytes(StandardCharsets.US_ASCII))).isZero();
        assertThat(bed.vm.running()).isFalse();
        System.out.printf("pool member VM: pool deleted -> node available %.1f s%n", secs(began, Instant.now()));
    }

    JsonNode awaitMember(String status) throws InterruptedException {
        Instant deadline = Instant.now().plus(FLOW);
        JsonNode members;
        do {
            members = bed.server.client().get("/cluster/v1/pools/vm-pool/members", bed.lessee).expect(200).json().path("members");
            if (members.size() == 1 && members.get(0).path("status").asText().equals(status)) {
                return members.get(0);
            }
            if (members.size() == 1 && members.get(0).path("status").asText().equals("failed")) {
                break;
            }
            Thread.sleep(500);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("the member never got " + status + ": " + members + "\n pool "
                + bed.server.client().get("/cluster/v1/pools/vm-pool", bed.lessee).body() + "\n node "
                + bed.server.adminGet("/baremetal/v1/nodes/" + bed.node) + "\n" + bed.vm.diagnostics());
    }

    static double secs(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }
}
