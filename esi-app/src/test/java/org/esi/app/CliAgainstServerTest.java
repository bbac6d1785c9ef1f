package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.esi.cli.EsiCli;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `esi` client driving a real server: what a person at a terminal does. */
class CliAgainstServerTest {
    static TestingEsiServer server;
    @TempDir
    static Path config;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
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
        env.put("ESI_CONFIG_DIR", config.toString());
        int code = EsiCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void loginThenManageProjectsAndNodes() throws Exception {
        Run login = esi("login", "--username", "admin", "--password", TestingEsiServer.ADMIN_PASSWORD, "--project", "admin");
        assertThat(login.code()).as(login.err()).isZero();
        Path auth = config.resolve("auth.json");
        assertThat(Files.getPosixFilePermissions(auth)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(login.out() + login.err()).doesNotContain(Files.readString(auth).replaceAll("(?s).*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1"));

        assertThat(esi("project", "create", "acme").code()).isZero();
        Run node = esi("node", "create", "--driver", "ipmi", "--name", "cli-n1", "--driver-info", "ipmi_address=10.0.0.5",
                "--driver-info", "ipmi_password=topsecret", "--property", "cpus=16", "--owner", "acme", "-f", "json");
        assertThat(node.code()).as(node.err()).isZero();
        assertThat(node.out()).doesNotContain("topsecret");

        Run show = esi("node", "show", "cli-n1", "-f", "json");
        JsonNode shown = new ObjectMapper().readTree(show.out());
        assertThat(shown.path("properties").path("cpus").asInt()).isEqualTo(16);
        assertThat(shown.path("owner").asText()).hasSize(32);

        Run list = esi("node", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("cli-n1");

        Run missing = esi("node", "show", "no-such-node");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("esi: ").contains("404").doesNotContain("\n");
    }

    static Run ok(String... args) {
        Run r = esi(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    static void loginAsAdmin() {
        ok("login", "--username", "admin", "--password", TestingEsiServer.ADMIN_PASSWORD, "--project", "admin");
    }

    static Instant utc(JsonNode time) {
        return LocalDateTime.parse(time.asText()).toInstant(ZoneOffset.UTC);
    }

    @Test
    void anEmptyListPrintsItsHeader() {
        loginAsAdmin();
        Run leases = ok("lease", "list", "--resource-uuid", "no-such-node-anywhere");
        assertThat(leases.out()).isEqualTo("""
                +------+----------+----------------+---------+------------+----------+------------+--------+---------+
                | UUID | Resource | Resource Class | Project | Start Time | End Time | Offer UUID | Status | Purpose |
                +------+----------+----------------+---------+------------+----------+------------+--------+---------+
                +------+----------+----------------+---------+------------+----------+------------+--------+---------+
                """);
        assertThat(ok("lease", "list", "--resource-uuid", "no-such-node-anywhere", "-f", "value").out()).isEmpty();
        assertThat(ok("lease", "list", "--resource-uuid", "no-such-node-anywhere", "-f", "json").out()).isEqualTo("[]\n");
    }

    @Test
    void timesRelativeToNowArriveAsUtcAndBadOnesChangeNothing() throws Exception {
        loginAsAdmin();
        ok("node", "create", "--driver", "fake-hardware", "--name", "cli-when-1");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Run offer = ok("offer", "create", "cli-when-1", "--start-time", "now+1h", "--end-time", "now+2d", "-f", "json");
        Instant after = Instant.now();
        JsonNode o = new ObjectMapper().readTree(offer.out());
        assertThat(utc(o.path("start_time"))).isBetween(before.plus(Duration.ofHours(1)), after.plus(Duration.ofHours(1)));
        assertThat(utc(o.path("end_time"))).isBetween(before.plus(Duration.ofDays(2)), after.plus(Duration.ofDays(2)));

        Run lease = ok("offer", "claim", o.path("uuid").asText(), "--start-time", "now+90m", "--end-time", "now+1d", "-f", "json");
        JsonNode l = new ObjectMapper().readTree(lease.out());
        assertThat(utc(l.path("start_time"))).isBetween(before.plus(Duration.ofMinutes(90)), Instant.now().plus(Duration.ofMinutes(90)));
        assertThat(ok("lease", "list", "--time-range", "now", "now+1d", "-f", "value", "-c", "UUID").out())
                .contains(l.path("uuid").asText());
        assertThat(ok("lease", "list", "--time-range", "now+3d", "now+4d", "-f", "value", "-c", "UUID").out()).isEmpty();

        Run bad = esi("offer", "create", "cli-when-1", "--start-time", "now+1fortnight");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--start-time").contains("now+1h").contains("2026-01-02T03:04:05").doesNotContain("\n\n");
        Run offers = ok("offer", "list", "--resource-uuid", "cli-when-1", "-f", "value", "-c", "UUID");
        assertThat(offers.out().lines()).containsExactly(o.path("uuid").asText());

        // ISO text reaches the server as typed, and the server's word on a bad one is printed.
        Run month13 = esi("offer", "create", "cli-when-1", "--start-time", "2026-13-01T00:00:00");
        assertThat(month13.code()).isEqualTo(1);
        assertThat(month13.err()).contains("400").contains("start_time");
    }

    @Test
    void portSetCablesAPortAndKeepsWhatItDoesNotName() throws Exception {
        loginAsAdmin();
        ok("node", "create", "--driver", "fake-hardware", "--name", "cli-port-1");
        String uuid = new ObjectMapper().readTree(ok("port", "create", "--node", "cli-port-1", "52:54:00:0c:11:01", "-f", "json").out())
                .path("uuid").asText();
        ok("port", "set", "52:54:00:0C:11:01", "--local-link-connection", "switch_id=00:00:5e:00:53:01,port_id=eth7,switch_info=tor9",
                "--physical-network", "physnet1", "--extra", "rack=4");
        ok("port", "set", uuid, "--local-link-connection", "port_id=eth8", "--no-pxe-enabled");
        JsonNode p = new ObjectMapper().readTree(ok("port", "show", "52:54:00:0c:11:01", "-f", "json").out());
        assertThat(p.path("local_link_connection")).isEqualTo(new ObjectMapper().readTree(
                "{\"switch_id\": \"00:00:5e:00:53:01\", \"port_id\": \"eth8\", \"switch_info\": \"tor9\"}"));
        assertThat(p.path("physical_network").asText()).isEqualTo("physnet1");
        assertThat(p.path("extra").path("rack").asInt()).isEqualTo(4);
        assertThat(p.path("pxe_enabled").asBoolean()).isFalse();

        Run refused = esi("port", "set", uuid, "--local-link-connection", "vlan=7");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("400").contains("vlan");
        Run unknown = esi("port", "set", "52:54:00:0c:11:99", "--physical-network", "x");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("no port with MAC address 52:54:00:0c:11:99");
        assertThat(new ObjectMapper().readTree(ok("port", "show", uuid, "-f", "json").out()).path("local_link_connection").path("port_id").asText())
                .isEqualTo("eth8");
    }
}
