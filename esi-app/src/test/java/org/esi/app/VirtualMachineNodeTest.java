package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.esi.cli.EsiCli;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real machine, as far as a CI runner has one: a QEMU virtual machine driven over
 * IPMI (pyghmi's virshbmc) by the real "ipmi" driver and ipmitool. Enroll, manage, provide, a lease
 * starts, the lessee powers the machine on (a QEMU process starts), the lease ends and the hand-back
 * powers it off (the QEMU process is gone) and leaves it available. Lease time is a clock the test
 * moves; every wait is bounded, and the VM, its BMC and libvirtd are removed even when the test fails.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtualMachineNodeTest {
    static final MutableClock clock = new MutableClock();
    static LibvirtVirtualMachine vm;
    static TestingEsiServer server;
    @TempDir
    static Path config;

    /** Per test, not per class: surefire reports a skip (missing tools) with its reason only for a test. */
    @BeforeEach
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void start() throws Exception {
        vm = LibvirtVirtualMachine.start();
        // Tokens must outlive the hour the test moves its clock forward.
        server = TestingEsiServer.start(Map.of("ESI_TOKEN_LIFETIME", "3650d"), clock);
    }

    @AfterEach
    void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (vm != null) {
                vm.close();
            }
            server = null;
            vm = null;
        }
    }

    record Run(int code, String out, String err) {}

    static Run esi(String token, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("ESI_URL", server.url());
        env.put("ESI_TOKEN", token);
        env.put("ESI_CONFIG_DIR", config.toString());
        env.put("ESI_WAIT_INTERVAL_MS", "100");
        int code = EsiCli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run ok(String token, String... args) {
        Run r = esi(token, List.of(args));
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err() + "\n" + vm.diagnostics()).isZero();
        return r;
    }

    @Test
    void leasedVirtualMachineIsPoweredOnByTheLesseeAndOffAndAvailableAfterTheLease() throws Exception {
        TestClient http = server.client();
        String ownerProject = server.createProject("vm-owner", null);
        String lesseeProject = server.createProject("vm-lessee", null);
        String owner = server.userToken("vm-owner-user", ownerProject, "owner");
        String lessee = server.userToken("vm-lessee-user", lesseeProject, "lessee");

        // Enroll: an ipmi node whose BMC is the VM's; nothing has talked to the BMC yet.
        List<String> create = new ArrayList<>(List.of("node", "create", "--driver", "ipmi", "--name", "vm-node", "-f", "value", "-c", "uuid"));
        create.addAll(vm.driverInfoArguments());
        // Out-of-band control only: this VM runs no in-band agent, so its owner opts out of the wipe (an ipmi
        // node without an agent otherwise fails cleaning rather than go unwiped to the next lessee).
        create.addAll(List.of("--driver-info", "erase=none"));
        Run created = esi(owner, create);
        assertThat(created.code()).as(created.err()).isZero();
        String node = created.out().strip();
        assertThat(http.get("/baremetal/v1/nodes/" + node, owner).expect(200).json().path("provision_state").asText()).isEqualTo("enroll");
        assertThat(vm.qemuRunning()).isFalse();
        assertThat(vm.libvirtBootDevice()).isEqualTo("network");

        // Manage verifies the BMC over IPMI: it reports the VM as off.
        ok(owner, "node", "manage", node, "--timeout", "60s");
        JsonNode managed = http.get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
        assertThat(managed.path("provision_state").asText()).isEqualTo("manageable");
        assertThat(managed.path("power_state").asText()).isEqualTo("power off");

        // Provide cleans: power off and a persistent boot from disk, which rewrites the VM's definition.
        ok(owner, "node", "provide", node, "--timeout", "60s");
        assertThat(http.get("/baremetal/v1/nodes/" + node, owner).expect(200).json().path("provision_state").asText()).isEqualTo("available");
        assertThat(vm.libvirtBootDevice()).as("boot device set by cleaning over IPMI").isEqualTo("hd");
        assertThat(vm.qemuRunning()).isFalse();

        // Offered and leased for an hour from (almost) now; the lifecycle starts the lease.
        String offer = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText();
        Instant start = clock.instant().plusSeconds(1);
        Instant end = start.plus(Duration.ofHours(1));
        String lease = http.post("/lease/v1/offers/" + offer + "/claim", lessee,
                Map.of("start_time", start.toString(), "end_time", end.toString())).expect(201).json().path("uuid").asText();
        awaitLease(http, lessee, lease, "active", Duration.ofSeconds(30));
        assertThat(http.get("/baremetal/v1/nodes/" + node, owner).expect(200).json().path("lessee").asText()).isEqualTo(lesseeProject);

        // The lessee powers the machine on: a QEMU process really starts.
        ok(lessee, "node", "power", "on", node, "--timeout", "60s");
        assertThat(vm.awaitQemu(true, Duration.ofSeconds(10))).as("QEMU started\n" + vm.diagnostics()).isTrue();
        assertThat(vm.libvirtState()).isEqualTo("running");
        assertThat(vm.ipmiPowerStatus()).contains("on");
        assertThat(http.get("/baremetal/v1/nodes/" + node, lessee).expect(200).json().path("power_state").asText()).isEqualTo("power on");

        // The hour passes: the lease ends, and the hand-back powers the machine off over IPMI.
        clock.advance(Duration.ofHours(1).plusSeconds(5));
        server.server().scheduler().wake();
        awaitLease(http, lessee, lease, "expired", Duration.ofSeconds(60));
        assertThat(vm.awaitQemu(false, Duration.ofSeconds(10))).as("QEMU stopped\n" + vm.diagnostics()).isTrue();
        assertThat(vm.libvirtState()).isEqualTo("shut off");
        assertThat(vm.ipmiPowerStatus()).contains("off");
        JsonNode after = http.get("/baremetal/v1/nodes/" + node, owner).expect(200).json();
        assertThat(after.path("power_state").asText()).isEqualTo("power off");
        assertThat(after.path("provision_state").asText()).isEqualTo("available");
        assertThat(after.path("lessee").isNull()).isTrue();
        assertThat(after.path("properties").has("lease_uuid")).isFalse();

        // The former lessee can no longer touch the machine.
        Run refused = esi(lessee, List.of("node", "power", "on", node, "--timeout", "10s"));
        assertThat(refused.code()).as(refused.out() + refused.err()).isNotZero();
        assertThat(vm.qemuRunning()).isFalse();
    }

    private static JsonNode awaitLease(TestClient http, String token, String uuid, String status, Duration max) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        JsonNode l;
        do {
            l = http.get("/lease/v1/leases/" + uuid, token).expect(200).json();
            if (l.path("status").asText().equals(status)) {
                return l;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("lease " + uuid + " did not reach " + status + " within " + max.toSeconds() + "s: " + l + "\n" + vm.diagnostics());
    }
}
