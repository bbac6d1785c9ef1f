package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esi market ...}, priced offers and claims that cost credits, against a real server. */
class CliMarketTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String owner;
    static String lessee;
    static String poor;
    static String lesseeProject;
    static String ownerProject;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        ownerProject = server.createProject("cli-market-owner", null);
        lesseeProject = server.createProject("cli-market-lessee", null);
        owner = server.userToken("cli-market-olive", ownerProject, "owner");
        lessee = server.userToken("cli-market-lena", lesseeProject, "lessee");
        poor = server.userToken("cli-market-pat", server.createProject("cli-market-poor", null), "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CliRun as(String token, String... args) {
        return CliRun.of(server.url(), dir.resolve("config"), Map.of("ESI_TOKEN", token), List.of(args));
    }

    static CliRun ok(String token, String... args) {
        CliRun r = as(token, args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    static JsonNode json(String token, String... args) throws IOException {
        return JSON.readTree(ok(token, args).out());
    }

    /** A failure as a user sees it: exit 1, one "esi: ..." line with the server's words, no stack trace. */
    static String fails(String token, String... args) {
        CliRun r = as(token, args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("esi: ").doesNotContain("Exception").doesNotContain("\tat ");
        return r.err();
    }

    /** A node of the owner's, offered at {@code price} credits per node-hour from {@code from} for three days, by the CLI. */
    static JsonNode pricedOffer(String name, String price, Instant from) throws IOException {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", name, "driver", "fake-hardware", "resource_class", "market-metal",
                "properties", Map.of("cpus", 32, "memory_mb", 65536))).expect(201);
        return json(owner, "offer", "create", name, "--price", price, "--start-time", from.toString(),
                "--end-time", from.plus(3, ChronoUnit.DAYS).toString(), "-f", "json");
    }

    @Test
    void grantTransferEntriesAndAPricedClaim() throws Exception {
        JsonNode granted = json(admin, "market", "grant", "cli-market-lessee", "100", "--memo", "welcome", "-f", "json");
        assertThat(granted.path("kind").asText()).isEqualTo("grant");
        assertThat(granted.path("amount").asText()).isEqualTo("100");
        assertThat(granted.path("memo").asText()).isEqualTo("welcome");
        assertThat(json(lessee, "market", "account", "show", "-f", "json").path("balance").asText()).isEqualTo("100");
        assertThat(fails(lessee, "market", "grant", "cli-market-lessee", "5")).contains("Access was denied", "HTTP 403");

        // The same idempotency key twice pays once.
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {
            JsonNode paid = json(lessee, "market", "transfer", "cli-market-owner", "10", "--memo", "thanks", "--idempotency-key", key, "-f", "json");
            assertThat(paid.path("kind").asText()).isEqualTo("transfer");
        }
        JsonNode mine = json(lessee, "market", "account", "show", "cli-market-lessee", "-f", "json");
        assertThat(mine.path("balance").asText()).isEqualTo("90");
        assertThat(json(owner, "market", "account", "show", "-f", "json").path("balance").asText()).isEqualTo("10");
        assertThat(fails(poor, "market", "transfer", "cli-market-owner", "1")).contains("insufficient credits");

        JsonNode entries = json(lessee, "market", "entry", "list", "-f", "json");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).path("Kind").asText()).isEqualTo("transfer");
        assertThat(entries.get(0).path("Balance After").asText()).isEqualTo("90");
        assertThat(entries.get(1).path("Kind").asText()).isEqualTo("grant");
        assertThat(json(lessee, "market", "entry", "list", "--kind", "grant", "-f", "json")).hasSize(1);
        assertThat(json(lessee, "market", "entry", "list", "--limit", "1", "-f", "json")).hasSize(1);
        assertThat(json(lessee, "market", "entry", "list", "--since", "now+1h", "-f", "json")).isEmpty();
        assertThat(ok(admin, "market", "account", "list").out()).contains("cli-market-lessee", "cli-market-owner", "Available");
        // Without a project: the one the token is scoped to, for the admin too (who sees every account).
        assertThat(json(admin, "market", "account", "show", "-f", "json").path("project").asText()).isEqualTo("admin");

        Instant from = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        JsonNode offer = pricedOffer("cli-market-1", "2.5", from);
        assertThat(offer.path("price").asText()).isEqualTo("2.5");
        String uuid = offer.path("uuid").asText();
        assertThat(json(owner, "offer", "show", uuid, "-f", "json").path("price").asText()).isEqualTo("2.5");
        JsonNode listed = json(lessee, "offer", "list", "--resource-class", "market-metal", "-f", "json");
        assertThat(listed.get(0).path("Price").asText()).isEqualTo("2.5");

        // Two hours at 2.5: 5 credits held.
        JsonNode lease = json(lessee, "offer", "claim", uuid, "--start-time", from.toString(),
                "--end-time", from.plus(2, ChronoUnit.HOURS).toString(), "-f", "json");
        assertThat(lease.path("price").asText()).isEqualTo("2.5");
        assertThat(lease.path("cost").asText()).isEqualTo("5");
        assertThat(json(lessee, "lease", "show", lease.path("uuid").asText(), "-f", "json").path("cost").asText()).isEqualTo("5");
        JsonNode leases = json(lessee, "lease", "list", "-f", "json");
        assertThat(leases.get(0).path("Cost").asText()).isEqualTo("5");
        assertThat(leases.get(0).path("Price").asText()).isEqualTo("2.5");
        JsonNode after = json(lessee, "market", "account", "show", "-f", "json");
        assertThat(after.path("available").asText()).isEqualTo("85");
        assertThat(after.path("held").asText()).isEqualTo("5");

        // A project that cannot pay: 402 in the server's words, nothing claimed.
        String refused = fails(poor, "offer", "claim", uuid, "--start-time", from.plus(3, ChronoUnit.HOURS).toString(),
                "--end-time", from.plus(5, ChronoUnit.HOURS).toString());
        assertThat(refused).contains("insufficient credits: cost 5, available 0");
        assertThat(http.get("/lease/v1/leases?offer_uuid=" + uuid + "&view=all", admin).expect(200).json().path("leases")).hasSize(1);
    }

    @Test
    void thePriceIndexPerResourceClass() throws Exception {
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS);
        pricedOffer("cli-market-p1", "1.5", from);
        pricedOffer("cli-market-p2", "3", from);
        JsonNode rows = json(lessee, "market", "price", "list", "--resource-class", "market-metal",
                "--start", from.plus(4, ChronoUnit.HOURS).toString(), "--end", from.plus(5, ChronoUnit.HOURS).toString(), "-f", "json");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("Resource Class").asText()).isEqualTo("market-metal");
        assertThat(rows.get(0).path("Min").asText()).isEqualTo("1.5");
        assertThat(rows.get(0).path("Max").asText()).isEqualTo("3");
        assertThat(ok(lessee, "market", "price", "list").out()).contains("Median", "market-metal");
    }

    @Test
    void usageAsATableJsonAndCsv() throws Exception {
        String start = Instant.now().minus(1, ChronoUnit.DAYS).toString();
        String end = Instant.now().plus(1, ChronoUnit.DAYS).toString();
        JsonNode rows = json(admin, "market", "usage", "--start", start, "--end", end, "--project", "cli-market-owner", "-f", "json");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("Project").asText()).isEqualTo("cli-market-owner");
        assertThat(rows.get(0).has("Credits Earned")).isTrue();
        assertThat(ok(owner, "market", "usage", "--by", "node").out()).contains("Credits Earned");
        String csv = ok(owner, "market", "usage", "--start", start, "--end", end, "--csv").out();
        assertThat(csv.lines().findFirst().orElse("")).contains("project").contains(",");
        assertThat(csv).doesNotContain("{");
    }

    @Test
    void aBidIsCreatedListedAndCancelled() throws Exception {
        json(admin, "market", "grant", "cli-market-lessee", "10", "-f", "json");
        JsonNode bid = json(lessee, "market", "bid", "create", "--quantity", "2", "--resource-class", "no-such-class",
                "--property", "cpus>=32", "--duration", "PT48H", "--not-before", "now+1d", "--not-after", "now+5d",
                "--max-price", "1", "--expires-at", "now+1d", "-f", "json");
        String uuid = bid.path("uuid").asText();
        assertThat(bid.path("status").asText()).isEqualTo("open");
        assertThat(bid.path("quantity").asInt()).isEqualTo(2);
        assertThat(json(lessee, "market", "bid", "list", "-f", "json").toString()).contains(uuid);
        assertThat(json(lessee, "market", "bid", "show", uuid, "-f", "json").path("max_price").asText()).isEqualTo("1");
        assertThat(ok(lessee, "market", "bid", "cancel", uuid).out()).contains("Cancelled bid " + uuid);
        assertThat(json(lessee, "market", "bid", "show", uuid, "-f", "json").path("status").asText()).isEqualTo("cancelled");
        assertThat(fails(lessee, "market", "bid", "create", "--quantity", "0", "--resource-class", "x",
                "--start-time", "now+1d", "--end-time", "now+2d", "--max-price", "1")).isNotBlank();
        CliRun usage = as(lessee, "market", "bid", "create", "--quantity", "1", "--resource-class", "x", "--start-time", "now+1d",
                "--duration", "PT1H", "--max-price", "1");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("either --start-time and --end-time");
    }
}
