package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.esi.cli.EsiCli;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The waiting hardware verbs of `esi node` against a real server and its fake hardware. */
class CliHardwareTest {
    static TestingEsiServer server;
    static String admin;
    @TempDir
    static Path config;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Run(int code, String out, String err) {}

    static Run esi(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("ESI_URL", server.url());
        env.put("ESI_TOKEN", admin);
        env.put("ESI_CONFIG_DIR", config.toString());
        env.put("ESI_WAIT_INTERVAL_MS", "50");
        int code = EsiCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run ok(String... args) {
        Run r = esi(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void manageProvidePowerAndBootDevice() {
        ok("node", "create", "--driver", "fake-hardware", "--name", "cli-hw-1");
        Run manage = ok("node", "manage", "cli-hw-1", "--timeout", "60s");
        assertThat(manage.err()).contains("cli-hw-1: manageable");
        ok("node", "provide", "cli-hw-1", "--timeout", "60s");
        assertThat(server.adminGet("/baremetal/v1/nodes/cli-hw-1").path("provision_state").asText()).isEqualTo("available");

        ok("node", "power", "on", "cli-hw-1", "--timeout", "60s");
        assertThat(server.adminGet("/baremetal/v1/nodes/cli-hw-1").path("power_state").asText()).isEqualTo("power on");
        ok("node", "power", "off", "cli-hw-1", "--timeout", "60s");
        assertThat(server.adminGet("/baremetal/v1/nodes/cli-hw-1").path("power_state").asText()).isEqualTo("power off");

        ok("node", "boot-device", "set", "cli-hw-1", "cdrom", "--persistent");
        assertThat(ok("node", "boot-device", "show", "cli-hw-1", "-f", "value").out()).isEqualTo("cdrom\nTrue\n");

        ok("node", "maintenance", "set", "cli-hw-1", "--reason", "fan");
        assertThat(server.adminGet("/baremetal/v1/nodes/cli-hw-1").path("maintenance").asBoolean()).isTrue();
        Run refused = esi("node", "deploy", "cli-hw-1");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("maintenance");
        ok("node", "maintenance", "unset", "cli-hw-1");

        Run schedule = ok("node", "schedule", "cli-hw-1");
        assertThat(schedule.out()).startsWith("Node cli-hw-1 (").contains("No offers or leases in this window.");
    }
}
