package org.esi.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.esi.drivers.ipmi.FakeBmcPeer;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The console of a real IPMI BMC (pyghmi's fakebmc, whose Serial-over-LAN echoes) through both upstream
 * paths: a console auth token's WebSocket proxy, and Debian's {@code openstack baremetal node console show}
 * followed by socat as python-esiclient's {@code esi node console connect} runs it. Its own fakebmc: pyghmi's
 * SOL server does not survive every client, and must not take other tests with it.
 */
@Timeout(180)
class ConsoleFakeBmcTest {
    static final Path OPENSTACK = Path.of("/usr/bin/openstack");
    static FakeBmcPeer bmc;
    static TestingEsiServer server;
    static TestClient http;
    static String owner;
    static String ownerProject;

    @BeforeAll
    static void start() throws Exception {
        bmc = FakeBmcPeer.start();
        server = TestingEsiServer.start();
        http = server.client();
        ownerProject = server.createProject("sol-owner", null);
        owner = server.userToken("sol-owner-user", ownerProject, "owner");
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "sol-1", "driver", "ipmi", "driver_info", Map.of(
                "ipmi_address", "127.0.0.1", "ipmi_port", bmc.port, "ipmi_username", FakeBmcPeer.USER,
                "ipmi_password", FakeBmcPeer.PASSWORD))).expect(201);
        bmc.chassisPower("on"); // fakebmc offers SOL only while the machine is on
        http.put("/baremetal/v1/nodes/sol-1/states/console", owner, Map.of("enabled", true)).expect(202);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (bmc != null) {
            bmc.close();
        }
    }

    @Test
    void aConsoleTokenReachesTheBmcsSerialConsoleOverTheWebSocketProxy() throws Exception {
        JsonNode t = http.post("/lease/v1/console_auth_tokens", owner, Map.of("node_uuid_or_name", "sol-1")).expect(201).json();
        String url = t.path("access_url").asText();
        ConsoleClients.Ws ws = openWhenFree(url);
        ws.typeUntilEchoed("hello-fakebmc", Duration.ofSeconds(30));
        ws.bye();
    }

    @Test
    void openstackConsoleShowThenSocatIsAWorkingConsole() throws Exception {
        org.esi.drivers.testing.Needs.tool("/usr/bin/openstack", "python3-openstackclient python3-ironicclient", Files.isExecutable(OPENSTACK));
        ProcessBuilder pb = new ProcessBuilder(openstackAs("sol-owner-user", "baremetal", "node", "console", "show", "sol-1", "-f", "json"));
        pb.environment().keySet().removeIf(k -> k.startsWith("OS_"));
        pb.environment().put("HOME", Files.createTempDirectory("osc-home").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        JsonNode shown = new ObjectMapper().readTree(out);
        assertThat(shown.path("console_enabled").asBoolean()).isTrue();
        assertThat(shown.path("console_info").path("type").asText()).isEqualTo("socat");

        try (ConsoleClients.Socat socat = socatWhenFree(shown.path("console_info").path("url").asText())) {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!socat.out().contains("hello-socat")) {
                if (!socat.process.isAlive() || System.nanoTime() > end) {
                    fail("no echo through socat; out='" + socat.out() + "' err='" + socat.err() + "'");
                }
                socat.type("hello-socat\r");
                ConsoleClients.waitFor(() -> socat.out().contains("hello-socat"), Duration.ofMillis(1500));
            }
            socat.process.getOutputStream().close(); // end of input: socat hangs up, the gateway releases the BMC
            socat.awaitExit();
        }
    }

    /** Opens the WebSocket, waiting out the other test's session should it still hold the BMC console (409). */
    private static ConsoleClients.Ws openWhenFree(String url) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return ConsoleClients.open(url);
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > end || !(e.getCause() instanceof java.net.http.WebSocketHandshakeException h)
                        || h.getResponse().statusCode() != 409) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Starts socat, again while the gateway answers that another session holds the console. */
    private static ConsoleClients.Socat socatWhenFree(String url) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            ConsoleClients.Socat socat = new ConsoleClients.Socat(url);
            if (ConsoleClients.waitFor(() -> !socat.process.isAlive(), Duration.ofMillis(500)) && socat.err().contains("in use")
                    && System.nanoTime() < end) {
                continue;
            }
            return socat;
        }
    }

    private static List<String> openstackAs(String user, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(OPENSTACK.toString(), "--os-auth-url", server.url() + "/identity/v3",
                "--os-username", user, "--os-password", "password-" + user, "--os-project-name", "sol-owner",
                "--os-user-domain-id", "default", "--os-project-domain-id", "default", "--os-identity-api-version", "3",
                "--os-interface", "public"));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
