package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esi.cli.EsiCli;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.spi.net.PortConfig;
import org.esi.testing.RecordingSwitchDriver;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** esi network / node network / trunk / switch verbs against a real server and a recording switch. */
class CliNetworkTest {
    static RecordingSwitchDriver sw = new RecordingSwitchDriver();
    static TestingEsiServer server;
    @TempDir
    static Path config;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of(), Clock.systemUTC(), new FakeHardwareDriver(), List.of(sw));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Run(int code, String out, String err) {}

    static Run esi(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("ESI_URL", server.url());
        env.put("ESI_CONFIG_DIR", config.toString());
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        int code = EsiCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run ok(String... args) {
        Run r = esi("", args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void networkLifecycleFromTheCommandLine() {
        ok("login", "--username", "admin", "--password", TestingEsiServer.ADMIN_PASSWORD, "--project", "admin");
        Run created = esi("switch-pw\n", "switch", "create", "leaf1", "--driver", "recording", "--address", "192.0.2.10",
                "--username", "admin", "--password-stdin");
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.out()).doesNotContain("switch-pw");
        assertThat(ok("switch", "list").out()).contains("leaf1");

        ok("node", "create", "--driver", "fake-hardware", "--name", "cli-net-1");
        ok("port", "create", "--node", "cli-net-1", "52:54:00:aa:00:01", "--local-link-connection", "switch_info=leaf1,port_id=xe-0/0/1");
        String net = ok("network", "create", "blue", "-f", "json").out();
        assertThat(net).contains("\"vlan_id\"");
        assertThat(ok("network", "list").out()).contains("blue");

        Run attached = ok("node", "network", "attach", "cli-net-1", "--network", "blue");
        assertThat(attached.out()).contains("52:54:00:aa:00:01").contains("blue (").contains("active");
        assertThat(sw.port("leaf1", "xe-0/0/1")).isInstanceOf(PortConfig.Access.class);
        assertThat(ok("node", "network", "list", "--node", "cli-net-1").out()).contains("xe-0/0/1");
        assertThat(ok("switch", "port", "list", "leaf1").out()).contains("xe-0/0/1");

        Run busy = esi("", "network", "delete", "blue");
        assertThat(busy.code()).isEqualTo(1);
        assertThat(busy.err()).contains("409");

        ok("node", "network", "detach", "cli-net-1");
        assertThat(sw.port("leaf1", "xe-0/0/1")).isEqualTo(PortConfig.idle());

        ok("network", "create", "red");
        ok("trunk", "create", "t1", "--native-network", "blue", "--tagged-networks", "red");
        assertThat(ok("trunk", "list").out()).contains("t1").contains("red (");
        ok("node", "network", "attach", "cli-net-1", "--trunk", "t1");
        assertThat(sw.port("leaf1", "xe-0/0/1")).isInstanceOf(PortConfig.Trunk.class);
        ok("node", "network", "detach", "cli-net-1", "--all");
        ok("trunk", "remove", "network", "t1", "--tagged-networks", "red");
        ok("trunk", "delete", "t1");
        ok("network", "delete", "blue", "red");
    }
}
