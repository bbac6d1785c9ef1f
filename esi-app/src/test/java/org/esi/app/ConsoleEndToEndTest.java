package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.esi.cli.EsiCli;
import org.esi.console.ConsoleClients;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serial console over WebSocket, from a real server's fake-hardware echo console to a client and to `esi node console`. */
class ConsoleEndToEndTest {
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

    static String node(String name, boolean consoleEnabled, String owner) {
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "driver", "fake-hardware"));
        if (owner != null) {
            body.put("owner", owner);
        }
        JsonNode n = server.client().post("/baremetal/v1/nodes", admin, body).expect(201).json();
        if (consoleEnabled) {
            server.client().put("/baremetal/v1/nodes/" + name + "/states/console", admin, Map.of("enabled", true)).expect(202);
        }
        return n.path("uuid").asText();
    }

    static URI streamUri(String node) {
        return URI.create(server.url().replaceFirst("^http", "ws") + "/baremetal/v1/nodes/" + node + "/console/stream");
    }

    static CompletableFuture<WebSocket> connect(String node, String token, ConsoleClients.Ws listener) {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("X-Auth-Token", token);
        }
        return b.buildAsync(streamUri(node), listener);
    }

    /** The HTTP status of a refused upgrade. */
    static int refusal(String node, String token) throws InterruptedException {
        try {
            WebSocket ws = connect(node, token, new ConsoleClients.Ws()).get(10, TimeUnit.SECONDS);
            ws.abort();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw new AssertionError(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void typedBytesComeBackFromTheEchoConsole() throws Exception {
        node("console-echo", true, null);
        ConsoleClients.Ws c = new ConsoleClients.Ws();
        WebSocket ws = connect("console-echo", admin, c).get(10, TimeUnit.SECONDS);
        ws.sendBinary(ByteBuffer.wrap("hello\r".getBytes(StandardCharsets.UTF_8)), true).get(5, TimeUnit.SECONDS);
        c.awaitReceived("hello\r");
        ws.sendText("and text frames", true).get(5, TimeUnit.SECONDS);
        c.awaitReceived("and text frames");

        // One session per node: a second client is refused while the first is open.
        assertThat(refusal("console-echo", admin)).isEqualTo(409);

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        c.closed.get(10, TimeUnit.SECONDS);
        // The BMC console was released: a new session may start.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ConsoleClients.Ws again = new ConsoleClients.Ws();
        WebSocket second = null;
        while (second == null) {
            try {
                second = connect("console-echo", admin, again).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
        second.sendBinary(ByteBuffer.wrap("again".getBytes(StandardCharsets.UTF_8)), true);
        again.awaitReceived("again");
        second.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void refusalsAreHttpErrorsBeforeTheUpgrade() throws Exception {
        node("console-guarded", true, null);
        node("console-off", false, null);
        assertThat(refusal("console-guarded", null)).isEqualTo(401);
        assertThat(refusal("console-guarded", "not-a-token")).isEqualTo(401);
        assertThat(refusal("no-such-node", admin)).isEqualTo(404);

        String other = server.createProject("console-outsider", null);
        String outsider = server.userToken("console-outsider-user", other, "member");
        assertThat(refusal("console-guarded", outsider)).isEqualTo(404);

        assertThat(refusal("console-off", admin)).isEqualTo(409);
    }

    @Test
    void theOwnersMemberMayUseTheConsole() throws Exception {
        String owner = server.createProject("console-owner", null);
        node("console-owned", true, owner);
        String member = server.userToken("console-owner-user", owner, "member");
        ConsoleClients.Ws c = new ConsoleClients.Ws();
        WebSocket ws = connect("console-owned", member, c).get(10, TimeUnit.SECONDS);
        ws.sendBinary(ByteBuffer.wrap("mine".getBytes(StandardCharsets.UTF_8)), true);
        c.awaitReceived("mine");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void cliConsoleEnablesTheConsoleAndPipesUntilCtrlBracket() throws Exception {
        node("console-cli", false, null);
        PipedOutputStream typing = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(typing, 4096);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("ESI_URL", server.url());
        env.put("ESI_TOKEN", admin);
        env.put("ESI_CONFIG_DIR", config.toString());
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> EsiCli.run(new String[] {"node", "console", "console-cli"},
                stdin, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env));

        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!err.toString(StandardCharsets.UTF_8).contains("Connected")) {
            if (code.isDone() || System.nanoTime() > end) {
                fail("console did not connect: " + err.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(10);
        }
        assertThat(server.adminGet("/baremetal/v1/nodes/console-cli").path("console_enabled").asBoolean()).isTrue();
        typing.write("ls -l\r".getBytes(StandardCharsets.UTF_8));
        typing.flush();
        while (!out.toString(StandardCharsets.UTF_8).contains("ls -l\r")) {
            if (code.isDone() || System.nanoTime() > end) {
                fail("no echo: out='" + out.toString(StandardCharsets.UTF_8) + "' err=" + err.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(10);
        }
        typing.write(0x1d); // Ctrl-]
        typing.flush();
        assertThat(code.get(10, TimeUnit.SECONDS)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain(admin);
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain(admin).contains("Connection closed");
    }
}
