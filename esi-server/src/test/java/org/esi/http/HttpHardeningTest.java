package org.esi.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.esi.testing.RawHttp;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests that fault injection found the HTTP front mishandling: odd escapes in paths and queries,
 * a method-override header, JSON errors that spoke Java, and a logout that did not log out.
 */
class HttpHardeningTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;

    /** One listing per route family. */
    static final List<String> FAMILIES = List.of("/identity/v3/projects", "/baremetal/v1/nodes", "/lease/v1/offers",
            "/network/v1/networks", "/ui/assets");

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aUtf16EscapeInThePathIsAJson400OnEveryRouteFamily() throws Exception {
        for (String family : FAMILIES) {
            RawHttp.Answer a = RawHttp.send(server.url(), "GET", family + "/%u002e%u002e", admin, null);
            assertThat(a.status()).as(family).isEqualTo(400);
            assertThat(a.body()).as(family).contains("percent");
            assertThat(a.body()).as(family).startsWith("{").doesNotContain("Exception").doesNotContain("java.");
        }
    }

    @Test
    void aMalformedEscapeInTheQueryIs400NotAnUnfilteredList() throws Exception {
        http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "escape-bystander"))).expect(201);
        for (String target : List.of("/identity/v3/projects?name=%zz", "/identity/v3/users?name=%zz", "/lease/v1/offers?name=%",
                "/baremetal/v1/nodes?%zz=1")) {
            RawHttp.Answer a = RawHttp.send(server.url(), "GET", target, admin, null);
            assertThat(a.status()).as(target).isEqualTo(400);
            assertThat(a.body()).as(target).contains("percent").doesNotContain("escape-bystander");
        }
        http.get("/identity/v3/projects?name=escape%2Dbystander", admin).expect(200);
    }

    @Test
    void aMethodOverrideHeaderIsIgnored() {
        String id = http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "override-victim")))
                .expect(201).json().path("project").path("id").asText();
        // Sent as a POST to the project's own URL it is a 405; honoured as a DELETE it would remove the project.
        TestClient.Response r = http.send("POST", "/identity/v3/projects/" + id, admin, Map.of(),
                Map.of("X-HTTP-Method-Override", "DELETE"));
        assertThat(r.status()).isEqualTo(405);
        http.get("/identity/v3/projects/" + id, admin).expect(200);
        // A POST with the header where POST is allowed still creates, as a POST does.
        http.send("POST", "/identity/v3/projects", admin, Map.of("project", Map.of("name", "override-made")),
                Map.of("X-HTTP-Method-Override", "GET")).expect(201);
    }

    @Test
    void jsonErrorsSayWhatIsWrongWithoutNamingJavaClasses() {
        Map<String, String> bodies = Map.of(
                "duplicate field", "{\"project\":{\"name\":\"a\",\"name\":\"b\"}}",
                "trailing content", "{\"project\":{}} {}",
                "unterminated", "{\"project\":{\"name\":",
                "bad token", "{\"project\": nope}",
                "deep nesting", "[".repeat(2000) + "]".repeat(2000),
                "bare word", "hello");
        List<String> paths = List.of("/identity/v3/projects", "/baremetal/v1/nodes", "/lease/v1/offers", "/network/v1/networks",
                "/identity/v3/auth/tokens");
        for (String path : paths) {
            for (var body : bodies.entrySet()) {
                TestClient.Response r = http.send("POST", path, path.endsWith("tokens") ? null : admin, body.getValue(), Map.of());
                String what = path + " " + body.getKey();
                assertThat(r.status()).as(what).isEqualTo(400);
                String message = message(r.json());
                assertThat(message).as(what).isNotBlank().doesNotContain("com.fasterxml").doesNotContain("java.")
                        .doesNotContain("Exception").doesNotContain("ObjectNode").doesNotContain("DeserializationFeature")
                        .doesNotContain("`");
            }
        }
        assertThat(message(http.send("POST", "/network/v1/networks", admin, bodies.get("duplicate field"), Map.of()).json()))
                .contains("'name' appears more than once");
    }

    @Test
    void logoutWithoutTheCsrfHeaderIsRefusedAndTheSessionStaysUsable() {
        TestClient.Response in = http.post("/ui/session", null, Map.of("auth", Map.of("identity", Map.of("methods", List.of("password"),
                "password", Map.of("user", Map.of("name", "admin", "password", TestingEsiServer.ADMIN_PASSWORD,
                        "domain", Map.of("id", "default")))),
                "scope", Map.of("project", Map.of("name", "admin", "domain", Map.of("id", "default"))))));
        in.expect(201);
        String cookie = in.header("Set-Cookie").split(";", 2)[0];
        String csrf = in.json().path("session").path("csrf").asText();

        TestClient.Response refused = http.send("DELETE", "/ui/session", null, null, Map.of("Cookie", cookie));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.header("Set-Cookie")).isNull();
        assertThat(message(refused.json())).contains("X-ESI-CSRF");
        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", cookie, "X-ESI-CSRF", csrf)).expect(200);

        http.send("DELETE", "/ui/session", null, null, Map.of("Cookie", cookie, "X-ESI-CSRF", csrf)).expect(204);
        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", cookie, "X-ESI-CSRF", csrf)).expect(401);
    }

    /** The human text of an error in any API's shape. */
    static String message(JsonNode body) {
        for (JsonNode n : body.findValues("message")) {
            if (n.isTextual()) {
                return n.asText();
            }
        }
        for (String key : List.of("faultstring", "detail", "description")) {
            JsonNode n = body.findValue(key);
            if (n != null && n.isTextual()) {
                return n.asText();
            }
        }
        return body.toString();
    }
}
