package org.esi.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esi.crypto.SecretBox;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /lease/v1/webhooks}: who may do what, bad input is 4xx with the fault body, the secret never comes back. */
class WebhookApiTest {
    static final String SECRET_A = "alpha-secret-never-shown";
    static final String SECRET_B = "bravo-secret-never-shown";
    static TestingEsiServer server;
    static TestClient http;
    static String projectA;
    static String projectB;
    static String ownerA;
    static String lesseeB;
    static String memberA;
    static String admin;
    /** Every response of this class, to check no secret ever appears in one. */
    static final List<TestClient.Response> seen = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        projectA = server.createProject("api-hook-a", null);
        projectB = server.createProject("api-hook-b", null);
        ownerA = server.userToken("api-hook-owner-a", projectA, "owner");
        lesseeB = server.userToken("api-hook-lessee-b", projectB, "lessee");
        memberA = server.userToken("api-hook-member-a", projectA, "member");
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static TestClient.Response call(String method, String path, String token, Object body) {
        TestClient.Response r = http.send(method, path, token, body, Map.of());
        seen.add(r);
        return r;
    }

    static void expectFault(TestClient.Response r, int status) {
        r.expect(status);
        JsonNode b = r.json();
        assertThat(b.has("faultcode")).as(r.body()).isTrue();
        assertThat(b.path("faultstring").asText()).isNotBlank();
        assertThat(b.has("debuginfo")).isTrue();
        assertThat(b.path("faultcode").asText()).isEqualTo(status >= 500 ? "Server" : "Client");
    }

    @Test
    void createShowListDeleteWithTheSecretMasked() {
        JsonNode created = call("POST", "/lease/v1/webhooks", ownerA, Map.of("url", "https://example.test/hook", "secret", SECRET_A))
                .expect(201).json();
        String id = created.path("id").asText();
        assertThat(created.path("url").asText()).isEqualTo("https://example.test/hook");
        assertThat(created.path("project_id").asText()).isEqualTo(projectA);
        assertThat(created.path("secret").asText()).isEqualTo("******");
        assertThat(created.path("enabled").asBoolean()).isTrue();
        String idB = call("POST", "/lease/v1/webhooks", lesseeB, Map.of("url", "http://127.0.0.1:9/b", "secret", SECRET_B))
                .expect(201).json().path("id").asText();

        assertThat(call("GET", "/lease/v1/webhooks/" + id, ownerA, null).expect(200).json().path("secret").asText()).isEqualTo("******");
        JsonNode mine = call("GET", "/lease/v1/webhooks", ownerA, null).expect(200).json().path("webhooks");
        assertThat(mine.findValuesAsText("id")).contains(id).doesNotContain(idB);
        JsonNode all = call("GET", "/lease/v1/webhooks", admin, null).expect(200).json().path("webhooks");
        assertThat(all.findValuesAsText("id")).contains(id, idB);
        assertThat(all.findValuesAsText("secret")).containsOnly("******");
        call("GET", "/lease/v1/webhooks/" + idB, admin, null).expect(200);

        // Another project's hook does not exist for the caller.
        expectFault(call("GET", "/lease/v1/webhooks/" + idB, ownerA, null), 404);
        expectFault(call("DELETE", "/lease/v1/webhooks/" + idB, ownerA, null), 404);
        expectFault(call("DELETE", "/lease/v1/webhooks/" + id, lesseeB, null), 404);

        TestClient.Response deleted = call("DELETE", "/lease/v1/webhooks/" + id, ownerA, null).expect(200);
        assertThat(deleted.body()).isEqualTo("null");
        expectFault(call("GET", "/lease/v1/webhooks/" + id, ownerA, null), 404);
        expectFault(call("DELETE", "/lease/v1/webhooks/" + id, ownerA, null), 404);

        // At rest the secret is sealed, not the plain text.
        List<String> stored = server.server().database().jdbi().withHandle(h -> h.createQuery("select secret from webhook")
                .mapTo(String.class).list());
        assertThat(stored).isNotEmpty().allMatch(SecretBox::isSealed).noneMatch(s -> s.contains(SECRET_B) || s.contains(SECRET_A));
    }

    @Test
    void badInputIsAClientFault() {
        String p = "/lease/v1/webhooks";
        String ok = "https://example.test/x";
        expectFault(call("POST", p, ownerA, "{not json"), 400);
        expectFault(call("POST", p, ownerA, "[1,2]"), 400);
        expectFault(call("POST", p, ownerA, "\"text\""), 400);
        expectFault(call("POST", p, ownerA, Map.of()), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok)), 400);
        expectFault(call("POST", p, ownerA, Map.of("secret", SECRET_A)), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", 42, "secret", SECRET_A)), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", 12345678)), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", List.of(SECRET_A))), 400);
        for (String url : List.of("ftp://example.test/x", "javascript:alert(1)", "file:///etc/passwd", "http://", "not a url",
                "/relative/path", "example.test/x", "", "http://user:pw@example.test/x", "https://" + "a".repeat(2100) + ".test/")) {
            expectFault(call("POST", p, ownerA, Map.of("url", url, "secret", SECRET_A)), 400);
        }
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", "short")), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", "x".repeat(257))), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", SECRET_A, "extra", 1)), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", SECRET_A, "id", "0b4c2f2e-7a4e-4d7e-9f53-1f0f6f8f2a11")), 400);
        expectFault(call("POST", p, ownerA, Map.of("url", ok, "secret", SECRET_A, "project_id", projectB)), 400);
        expectFault(call("GET", p + "?bogus=1", ownerA, null), 400);
        expectFault(call("GET", p + "?limit=0", ownerA, null), 400);
        expectFault(call("GET", p + "?limit=x", ownerA, null), 400);
        expectFault(call("GET", p + "?marker=not-a-uuid", ownerA, null), 400);
        expectFault(call("GET", p + "/not-a-uuid", ownerA, null), 404);
        expectFault(call("GET", p + "/0b4c2f2e-7a4e-4d7e-9f53-1f0f6f8f2a11", ownerA, null), 404);
        expectFault(call("DELETE", p + "/0b4c2f2e-7a4e-4d7e-9f53-1f0f6f8f2a11", admin, null), 404);
        // No token, a bad token, a role that may not manage hooks.
        expectFault(call("POST", p, null, Map.of("url", ok, "secret", SECRET_A)), 401);
        expectFault(call("GET", p, "not-a-token", null), 401);
        expectFault(call("POST", p, memberA, Map.of("url", ok, "secret", SECRET_A)), 403);
        expectFault(call("GET", p, memberA, null), 403);
        // Nothing was created by any of it.
        assertThat(call("GET", p, ownerA, null).expect(200).json().path("webhooks").findValuesAsText("url")).doesNotContain(ok);
    }

    @Test
    void listsPageAndAProjectHasAtMostTwentyHooks() {
        String project = server.createProject("api-hook-many", null);
        String token = server.userToken("api-hook-many-user", project, "lessee");
        for (int i = 0; i < WebhookRoutes.MAX_PER_PROJECT; i++) {
            call("POST", "/lease/v1/webhooks", token, Map.of("url", "https://example.test/" + i, "secret", SECRET_A + i)).expect(201);
        }
        expectFault(call("POST", "/lease/v1/webhooks", token, Map.of("url", "https://example.test/x", "secret", SECRET_A)), 409);

        List<String> urls = new ArrayList<>();
        String next = "/lease/v1/webhooks?limit=7";
        int pages = 0;
        while (next != null) {
            JsonNode page = call("GET", next, token, null).expect(200).json();
            urls.addAll(page.path("webhooks").findValuesAsText("url"));
            next = page.has("next") ? page.path("next").asText().substring(http.base().length()) : null;
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(urls).hasSize(WebhookRoutes.MAX_PER_PROJECT).doesNotHaveDuplicates();
    }

    @AfterAll
    static void noSecretInAnyResponse() {
        assertThat(seen).isNotEmpty();
        for (TestClient.Response r : seen) {
            assertThat(r.body()).doesNotContain(SECRET_A).doesNotContain(SECRET_B).doesNotContain("enc:v1:");
            assertThat(r.headers().map().toString()).doesNotContain(SECRET_A).doesNotContain(SECRET_B);
        }
    }
}
