package org.esi.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.esi.console.ConsoleClients.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.testing.LeasingSetup;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Console auth tokens the upstream way (ESI-Leap's POST/DELETE /lease/v1/console_auth_tokens, the
 * WebSocket proxy at access_url, console_info for socat), on fake hardware whose console echoes.
 */
@Timeout(180)
class ConsoleTokenTest {
    static final MutableClock clock = new MutableClock();
    static TestingEsiServer server;
    static TestClient http;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of(), clock);
        http = server.client();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A node leased by a lessee, the lease active, its console enabled by the lessee. */
    record Leased(LeasingSetup setup, String lease, String node) {
        String lessee() {
            return setup.lesseeToken();
        }

        String owner() {
            return setup.ownerToken();
        }
    }

    static Leased leased(String prefix) throws Exception {
        LeasingSetup s = LeasingSetup.create(server, prefix);
        String lease = http.post("/lease/v1/offers/" + s.offer() + "/claim", s.lesseeToken(), Map.of()).expect(201).json()
                .path("uuid").asText();
        await("lease " + lease + " active", () -> "active".equals(http.get("/lease/v1/leases/" + lease, s.lesseeToken())
                .json().path("status").asText()));
        http.put("/baremetal/v1/nodes/" + s.nodeName() + "/states/console", s.lesseeToken(), Map.of("enabled", true)).expect(202);
        String node = http.get("/baremetal/v1/nodes/" + s.nodeName(), s.lesseeToken()).expect(200).json().path("uuid").asText();
        return new Leased(s, lease, node);
    }

    static TestClient.Response create(String token, String node, Object ttl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node_uuid_or_name", node);
        if (ttl != null) {
            body.put("token_ttl", ttl);
        }
        return http.post("/lease/v1/console_auth_tokens", token, body);
    }

    static int tokensOf(String node) {
        return server.server().database().jdbi().withHandle(h -> h.createQuery("select count(*) from console_token where node_uuid = :n")
                .bind("n", UUID.fromString(node)).mapTo(Integer.class).one());
    }

    static String tableText() {
        return server.server().database().jdbi().withHandle(h -> h.createQuery(
                "select coalesce(string_agg(t::text, '|' order by t::text), '') from console_token t").mapTo(String.class).one());
    }

    @Test
    void aLesseesTokenOpensItsNodesConsoleThroughTheWebSocketProxy() throws Exception {
        Leased l = leased("cat-roundtrip");
        // The stock CLI sends --token-ttl as a string.
        JsonNode t = create(l.lessee(), l.setup().nodeName(), "60").expect(201).json();
        assertThat(t.path("node_uuid").asText()).isEqualTo(l.node());
        String token = t.path("token").asText();
        assertThat(token).hasSize(43);
        assertThat(t.path("access_url").asText()).isEqualTo(
                server.url().replaceFirst("^http", "ws") + "/lease/v1/console_auth_tokens/ws?token=" + token);
        // Stored hashed: nothing in the table is the token.
        assertThat(tokensOf(l.node())).isEqualTo(1);
        assertThat(tableText()).doesNotContain(token);

        ConsoleClients.Ws ws = ConsoleClients.open(t.path("access_url").asText());
        ws.type("hello through the proxy\r");
        await("echo", () -> ws.received.toString().contains("hello through the proxy\r"));
        // One session per node, whichever door it came through.
        assertThat(ConsoleClients.upgradeStatus(t.path("access_url").asText())).isEqualTo(409);
        ws.bye();
        // The token opens the console again (until it expires), once the first session let go.
        await("second session", () -> ConsoleClients.upgradeStatus(t.path("access_url").asText()) == 101);
    }

    @Test
    void theDefaultTtlIsTenMinutesAndTheOwnerMayIssueTokensToo() throws Exception {
        Leased l = leased("cat-default");
        create(l.owner(), l.node(), null).expect(201);
        long seconds = server.server().database().jdbi().withHandle(h -> h.createQuery(
                        "select extract(epoch from expires_at - created_at)::bigint from console_token where node_uuid = :n")
                .bind("n", UUID.fromString(l.node())).mapTo(Long.class).one());
        assertThat(seconds).isEqualTo(600);
        create(admin, l.node(), 5).expect(201);
        assertThat(tokensOf(l.node())).isEqualTo(2);
    }

    @Test
    void anExpiredTokenOpensNothing() throws Exception {
        Leased l = leased("cat-expired");
        String url = create(l.lessee(), l.node(), 30).expect(201).json().path("access_url").asText();
        clock.advance(Duration.ofSeconds(31));
        assertThat(ConsoleClients.upgradeStatus(url)).isEqualTo(401);
        assertThat(ConsoleClients.upgradeStatus(url.replaceFirst("token=.*", "token=not-a-token"))).isEqualTo(401);
        assertThat(ConsoleClients.upgradeStatus(url.replaceFirst("\\?token=.*", ""))).isEqualTo(401);
    }

    @Test
    void anotherProjectCanNeitherIssueNorRevokeTokensForTheNode() throws Exception {
        Leased l = leased("cat-other");
        String outsiderProject = server.createProject("cat-outsider", null);
        String outsider = server.userToken("cat-outsider-user", outsiderProject, "lessee");
        JsonNode refused = create(outsider, l.node(), null).expect(404).json();
        assertThat(refused.path("faultcode").asText()).isEqualTo("Client");
        assertThat(refused.path("faultstring").asText()).contains("could not be found");
        create(l.lessee(), l.node(), null).expect(201);
        http.delete("/lease/v1/console_auth_tokens/" + l.node(), outsider).expect(404);
        assertThat(tokensOf(l.node())).isEqualTo(1);
        // Nor may it read a console_info with a fresh token in it.
        http.get("/baremetal/v1/nodes/" + l.node() + "/states/console", outsider).expect(404);
        assertThat(tokensOf(l.node())).isEqualTo(1);
    }

    @Test
    void deleteRevokesTheNodesTokensAndEndsTheirSessions() throws Exception {
        Leased l = leased("cat-delete");
        String url = create(l.lessee(), l.node(), 600).expect(201).json().path("access_url").asText();
        String other = create(l.owner(), l.node(), 600).expect(201).json().path("access_url").asText();
        ConsoleClients.Ws ws = ConsoleClients.open(url);
        ws.type("before\r");
        await("echo", () -> ws.received.toString().contains("before\r"));

        http.delete("/lease/v1/console_auth_tokens/" + l.setup().nodeName(), l.lessee()).expect(204);
        assertThat(tokensOf(l.node())).isZero();
        assertThat(ws.awaitClose()).isEqualTo(ConsoleBridge.CLOSE_REVOKED);
        assertThat(ConsoleClients.upgradeStatus(url)).isEqualTo(401);
        assertThat(ConsoleClients.upgradeStatus(other)).isEqualTo(401);
    }

    @Test
    void theLeaseEndingRevokesTheLesseesTokensAndEndsItsSession() throws Exception {
        Leased l = leased("cat-lease-end");
        String url = create(l.lessee(), l.node(), 600).expect(201).json().path("access_url").asText();
        ConsoleClients.Ws ws = ConsoleClients.open(url);
        ws.type("mine\r");
        await("echo", () -> ws.received.toString().contains("mine\r"));

        http.delete("/lease/v1/leases/" + l.lease(), l.lessee()).expect(200);
        await("lease over", () -> "deleted".equals(http.get("/lease/v1/leases/" + l.lease(), admin).json().path("status").asText()));
        assertThat(ws.awaitClose()).isEqualTo(ConsoleBridge.CLOSE_REVOKED);
        assertThat(tokensOf(l.node())).isZero();
        assertThat(ConsoleClients.upgradeStatus(url)).isEqualTo(401);
        // The former lessee cannot get a new one either: the node is no longer theirs.
        create(l.lessee(), l.node(), null).expect(404);
    }

    @Test
    void theLesseesXAuthTokenSessionEndsWithTheLeaseToo() throws Exception {
        Leased l = leased("cat-stream-end");
        ConsoleClients.Ws ws = new ConsoleClients.Ws();
        ws.socket = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder().header("X-Auth-Token", l.lessee())
                .buildAsync(java.net.URI.create(server.url().replaceFirst("^http", "ws") + "/baremetal/v1/nodes/" + l.node()
                        + "/console/stream"), ws).get(15, java.util.concurrent.TimeUnit.SECONDS);
        ws.type("streamed\r");
        await("echo", () -> ws.received.toString().contains("streamed\r"));
        http.delete("/lease/v1/leases/" + l.lease(), l.lessee()).expect(200);
        assertThat(ws.awaitClose()).isEqualTo(ConsoleBridge.CLOSE_REVOKED);
    }

    @Test
    void badInputIsAClientErrorInEsiLeapsStyleAndChangesNothing() throws Exception {
        Leased l = leased("cat-bad");
        String before = tableText();
        List<Object> badTtls = List.of(0, -5, 3601, "abc", "", "1.5", 1.5, true, List.of(60), Map.of("s", 60), "9999999999999");
        for (Object ttl : badTtls) {
            JsonNode e = create(l.lessee(), l.node(), ttl).expect(400).json();
            assertThat(e.path("faultcode").asText()).as("ttl " + ttl).isEqualTo("Client");
            assertThat(e.path("faultstring").asText()).as("ttl " + ttl).contains("token_ttl");
        }
        Map<String, Object> unknownField = new HashMap<>(Map.of("node_uuid_or_name", l.node(), "node_uuid", l.node()));
        assertThat(http.post("/lease/v1/console_auth_tokens", l.lessee(), unknownField).expect(400).json()
                .path("faultstring").asText()).contains("node_uuid");
        http.post("/lease/v1/console_auth_tokens", l.lessee(), Map.of()).expect(400);
        http.post("/lease/v1/console_auth_tokens", l.lessee(), Map.of("node_uuid_or_name", 42)).expect(400);
        http.post("/lease/v1/console_auth_tokens", l.lessee(), Map.of("node_uuid_or_name", " ")).expect(400);
        http.post("/lease/v1/console_auth_tokens", l.lessee(), Map.of("node_uuid_or_name", "x".repeat(10_000))).expect(404);
        http.post("/lease/v1/console_auth_tokens", null, Map.of("node_uuid_or_name", l.node())).expect(401);
        create(l.lessee(), "no-such-node", null).expect(404);
        http.delete("/lease/v1/console_auth_tokens/no-such-node", l.lessee()).expect(404);
        assertThat(tableText()).isEqualTo(before);
    }

    @Test
    void consoleInfoHandsSocatAWorkingConsoleAndIsNullWhileTheConsoleIsOff() throws Exception {
        Leased l = leased("cat-socat");
        JsonNode state = http.get("/baremetal/v1/nodes/" + l.node() + "/states/console", l.lessee()).expect(200).json();
        assertThat(state.path("console_enabled").asBoolean()).isTrue();
        assertThat(state.path("console_info").path("type").asText()).isEqualTo("socat");
        String url = state.path("console_info").path("url").asText();
        assertThat(url).matches("proxy://127\\.0\\.0\\.1:[A-Za-z0-9_-]{43}:\\d+,proxyport=\\d+");

        try (ConsoleClients.Socat socat = new ConsoleClients.Socat(url)) {
            await("socat connected", () -> {
                socat.type("typed into socat\r");
                return socat.out().contains("typed into socat\r") || !socat.process.isAlive();
            });
            assertThat(socat.out()).as(socat.err()).contains("typed into socat\r");
            // Turning the console off ends the session: socat sees the stream close and exits by itself.
            http.put("/baremetal/v1/nodes/" + l.node() + "/states/console", l.lessee(), Map.of("enabled", false)).expect(202);
            socat.awaitExit();
        }
        JsonNode off = http.get("/baremetal/v1/nodes/" + l.node() + "/states/console", l.lessee()).expect(200).json();
        assertThat(off.path("console_enabled").asBoolean()).isFalse();
        assertThat(off.get("console_info").isNull()).isTrue();
    }

    @Test
    void theGatewayRefusesWhatIsNotAValidConsoleConnect() throws Exception {
        Leased l = leased("cat-gateway");
        String url = http.get("/baremetal/v1/nodes/" + l.node() + "/states/console", l.lessee()).json()
                .path("console_info").path("url").asText();
        int port = Integer.parseInt(url.substring(url.lastIndexOf('=') + 1));
        assertThat(raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(raw(port, "CONNECT " + "A".repeat(43) + ":1 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 401 ");
        assertThat(raw(port, "CONNECT x:1 HTTP/1.1\r\n" + "X-Pad: " + "p".repeat(5000) + "\r\n\r\n")).startsWith("HTTP/1.1 400 ");

        // socat with a token that opens nothing says why and fails, as the stock command would.
        String bad = url.replaceFirst("proxy://([^:]+):[^:]+:", "proxy://$1:" + "B".repeat(43) + ":");
        try (ConsoleClients.Socat socat = new ConsoleClients.Socat(bad)) {
            assertThat(socat.awaitExit()).isNotZero();
            assertThat(socat.err()).contains("The console token is unknown, expired or revoked");
        }
    }

    @Test
    void aTokenIssuedByOneInstanceOpensTheConsoleOnAnother() throws Exception {
        Leased l = leased("cat-instances");
        try (TestingEsiServer second = TestingEsiServer.sharing(server, clock)) {
            String url = create(l.lessee(), l.node(), 120).expect(201).json().path("access_url").asText();
            String onSecond = url.replace(server.url().replaceFirst("^http", "ws"), second.url().replaceFirst("^http", "ws"));
            assertThat(onSecond).isNotEqualTo(url);
            ConsoleClients.Ws ws = ConsoleClients.open(onSecond);
            ws.type("via the other instance\r");
            await("echo", () -> ws.received.toString().contains("via the other instance\r"));
            // Revoked on the first instance, the session on the second ends.
            http.delete("/lease/v1/console_auth_tokens/" + l.node(), l.lessee()).expect(204);
            assertThat(ws.awaitClose()).isEqualTo(ConsoleBridge.CLOSE_REVOKED);
        }
    }

    /** One request to the gateway, its answer up to the connection's end. */
    static String raw(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
