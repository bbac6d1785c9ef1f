package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.esi.app.CliPoolTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esi site key|add|list|remove} against two real sites, as their admins register each other. */
class CliSiteTest {
    static TestingEsiServer a;
    static TestingEsiServer b;
    static String admin;
    static String lessee;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "cli-a"), Clock.systemUTC());
        b = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "cli-b"), Clock.systemUTC());
        admin = a.adminToken();
        lessee = a.userToken("cli-site-lessee", a.createProject("cli-site-lessee", null), "lessee");
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    static CliRun esi(TestingEsiServer site, String token, String... args) {
        return CliRun.of(site.url(), dir.resolve("config"), Map.of("ESI_TOKEN", token), List.of(args));
    }

    static CliRun ok(TestingEsiServer site, String token, String... args) {
        CliRun r = esi(site, token, args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void adminsAddListAndRemovePeersByKeyOrFromTheirUrl() throws IOException {
        JsonNode key = json(ok(b, b.adminToken(), "site", "key", "-f", "json"));
        assertThat(key.path("site").asText()).isEqualTo("cli-b");
        assertThat(key.path("algorithm").asText()).isEqualTo("EdDSA");
        String bKey = key.path("public_key").asText();

        // --from-url reads the key from the peer and checks it names itself as the admin said.
        CliRun added = ok(a, admin, "site", "add", "cli-b", "--site-url", b.url(), "--from-url", "-f", "json");
        assertThat(json(added).path("public_key").asText()).isEqualTo(bKey);
        assertThat(added.err()).contains(bKey);
        CliRun misnamed = esi(a, admin, "site", "add", "cli-c", "--site-url", b.url(), "--from-url");
        assertThat(misnamed.code()).isEqualTo(1);
        assertThat(misnamed.err()).contains("calls itself 'cli-b'");

        ok(a, admin, "site", "add", "cli-d", "--site-url", "https://d.example.org", "--public-key", bKey);
        assertThat(ok(a, admin, "site", "list", "-f", "value", "-c", "Name").out().lines().toList()).containsExactly("cli-b", "cli-d");
        assertThat(ok(a, admin, "site", "list").out()).contains("https://d.example.org");

        // Refusals: a taken name, a bad key, no key at all, and anyone but the admin.
        CliRun taken = esi(a, admin, "site", "add", "cli-b", "--site-url", b.url(), "--public-key", bKey);
        assertThat(taken.code()).isEqualTo(1);
        assertThat(taken.err()).startsWith("esi: ").contains("already registered").doesNotContain("Exception");
        CliRun badKey = esi(a, admin, "site", "add", "cli-e", "--site-url", b.url(), "--public-key", "not-a-key");
        assertThat(badKey.code()).isEqualTo(1);
        assertThat(badKey.err()).contains("public_key");
        assertThat(esi(a, admin, "site", "add", "cli-e", "--site-url", b.url()).code()).isEqualTo(2);
        assertThat(esi(a, lessee, "site", "add", "cli-e", "--site-url", b.url(), "--public-key", bKey).code()).isEqualTo(1);
        assertThat(esi(a, lessee, "site", "list").code()).isEqualTo(1);
        assertThat(esi(a, lessee, "site", "remove", "cli-d").code()).isEqualTo(1);

        assertThat(ok(a, admin, "site", "remove", "cli-d").out()).contains("Removed peer site cli-d");
        assertThat(esi(a, admin, "site", "remove", "cli-d").code()).isEqualTo(1);
        assertThat(ok(a, admin, "site", "list", "-f", "value", "-c", "Name").out().lines().toList()).containsExactly("cli-b");
        // Anyone may read a site's key: it is what peers' admins register.
        assertThat(json(ok(a, lessee, "site", "key", "-f", "json")).path("site").asText()).isEqualTo("cli-a");
    }
}
