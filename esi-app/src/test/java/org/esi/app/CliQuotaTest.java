package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.esi.app.CliPoolTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esi quota list|show|set|unset} against a real server, and a claim past a quota as the user sees it. */
class CliQuotaTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String owner;
    static String lessee;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        owner = server.userToken("cli-quota-owner", server.createProject("cli-quota-owner", null), "owner");
        lessee = server.userToken("cli-quota-lessee", server.createProject("cli-quota-lessee", null), "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CliRun esi(String token, String... args) {
        return CliRun.of(server.url(), dir.resolve("config"), Map.of("ESI_TOKEN", token), List.of(args));
    }

    static CliRun ok(String token, String... args) {
        CliRun r = esi(token, args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void theAdminSetsShowsAndUnsetsAQuotaAndAClaimPastItSaysWhy() throws IOException {
        JsonNode set = json(ok(admin, "quota", "set", "cli-quota-lessee", "--max-leased-nodes", "1", "-f", "json"));
        assertThat(set.path("max_leased_nodes").asInt()).isEqualTo(1);
        // A second set keeps the limit it does not name.
        ok(admin, "quota", "set", "cli-quota-lessee", "--max-node-hours", "12.5", "--period", "week");
        JsonNode shown = json(ok(lessee, "quota", "show", "cli-quota-lessee", "-f", "json"));
        assertThat(shown.path("max_leased_nodes").asInt()).isEqualTo(1);
        assertThat(shown.path("max_node_hours").asText()).isEqualTo("12.5");
        assertThat(shown.path("period").asText()).isEqualTo("week");
        assertThat(ok(lessee, "quota", "list").out()).contains("cli-quota-lessee").contains("12.5");
        assertThat(ok(admin, "quota", "list", "-f", "value", "-c", "Project").out().trim()).isEqualTo("cli-quota-lessee");

        String a = offer("cli-quota-n1");
        String b = offer("cli-quota-n2");
        Instant t = Instant.now().plus(20, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        String start = t.toString();
        String end = t.plus(2, ChronoUnit.HOURS).toString();
        ok(lessee, "offer", "claim", a, "--start-time", start, "--end-time", end);
        CliRun refused = esi(lessee, "offer", "claim", b, "--start-time", start, "--end-time", end);
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).startsWith("esi: ").contains("Quota exceeded: project cli-quota-lessee may hold at most 1 leased node"
                + " at once; this lease would make 2 from ").doesNotContain("Exception");

        // Only the admin sets or removes quotas; bad values are refused before or by the server.
        assertThat(esi(lessee, "quota", "set", "cli-quota-lessee", "--max-leased-nodes", "5").code()).isEqualTo(1);
        assertThat(esi(lessee, "quota", "unset", "cli-quota-lessee").code()).isEqualTo(1);
        assertThat(esi(admin, "quota", "set", "cli-quota-lessee", "--max-leased-nodes", "many").code()).isEqualTo(2);
        assertThat(esi(admin, "quota", "set", "cli-quota-lessee").code()).isEqualTo(2);
        assertThat(esi(admin, "quota", "set", "cli-quota-lessee", "--period", "year").err()).contains("'period' must be one of day, week, month");

        ok(admin, "quota", "set", "cli-quota-lessee", "--max-leased-nodes", "none");
        JsonNode hoursOnly = json(ok(admin, "quota", "show", "cli-quota-lessee", "-f", "json"));
        assertThat(hoursOnly.path("max_leased_nodes").isNull()).isTrue();
        assertThat(hoursOnly.path("max_node_hours").asText()).isEqualTo("12.5");
        assertThat(ok(admin, "quota", "unset", "cli-quota-lessee").out()).contains("Removed the quota of project cli-quota-lessee");
        assertThat(esi(admin, "quota", "unset", "cli-quota-lessee").code()).isEqualTo(1);
        ok(lessee, "offer", "claim", b, "--start-time", start, "--end-time", end);
    }

    private static String offer(String node) {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
        return http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText();
    }
}
