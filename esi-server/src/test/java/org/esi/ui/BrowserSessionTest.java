package org.esi.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The web console's cookie session: how it is opened, what it protects against, and how it ends. */
class BrowserSessionTest {
    static TestingEsiServer esi;
    static TestClient http;

    @BeforeAll
    static void start() {
        esi = TestingEsiServer.start();
        http = esi.client();
    }

    @AfterAll
    static void stop() {
        esi.close();
    }

    static Map<String, Object> auth(String user, String password) {
        return Map.of("auth", Map.of("identity", Map.of("methods", new String[] {"password"},
                "password", Map.of("user", Map.of("name", user, "password", password, "domain", Map.of("id", "default")))),
                "scope", Map.of("project", Map.of("name", "admin", "domain", Map.of("id", "default")))));
    }

    record Session(String cookie, String csrf, JsonNode body) {}

    static Session login() {
        TestClient.Response r = http.post("/ui/session", null, auth("admin", TestingEsiServer.ADMIN_PASSWORD)).expect(201);
        String setCookie = r.header("Set-Cookie");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        return new Session(cookie, r.json().path("session").path("csrf").asText(), r.json());
    }

    @Test
    void loginSetsAStrictHttpOnlyCookieAndKeepsTheTokenOutOfTheBody() {
        TestClient.Response r = http.post("/ui/session", null, auth("admin", TestingEsiServer.ADMIN_PASSWORD)).expect(201);
        String setCookie = r.header("Set-Cookie");
        assertThat(setCookie).startsWith("esi_session=").contains("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=")
                .doesNotContain("Secure"); // plain HTTP here; Secure is added over TLS
        String token = setCookie.substring("esi_session=".length(), setCookie.indexOf(';'));
        assertThat(r.body()).doesNotContain(token);
        assertThat(r.json().path("session").path("user").path("name").asText()).isEqualTo("admin");
        assertThat(r.json().path("session").path("roles").toString()).contains("admin");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void aWrongPasswordOpensNoSession() {
        TestClient.Response r = http.post("/ui/session", null, auth("admin", "not-the-password")).expect(401);
        assertThat(r.header("Set-Cookie")).isNull();
        http.send("POST", "/ui/session", null, "{not json", Map.of()).expect(400);
        http.post("/ui/session", null, Map.of("auth", Map.of("identity", "password"))).expect(400);
    }

    @Test
    void apiCallsWithTheCookieNeedTheCsrfHeader() {
        Session s = login();
        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", s.cookie())).expect(401);
        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", s.cookie(), "X-ESI-CSRF", "forged")).expect(401);
        http.send("POST", "/identity/v3/projects", null, Map.of("project", Map.of("name", "csrf-victim")),
                Map.of("Cookie", s.cookie())).expect(401);
        assertThat(esi.adminGet("/identity/v3/projects").toString()).doesNotContain("csrf-victim");

        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", s.cookie(), "X-ESI-CSRF", s.csrf())).expect(200);
        http.send("POST", "/identity/v3/projects", null, Map.of("project", Map.of("name", "made-in-browser")),
                Map.of("Cookie", s.cookie(), "X-ESI-CSRF", s.csrf())).expect(201);
        // A session of one user is not a key to another session.
        Session other = login();
        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", other.cookie(), "X-ESI-CSRF", s.csrf())).expect(401);
    }

    @Test
    void theSessionCanBeReadBackAndLogoutRevokesTheToken() {
        Session s = login();
        JsonNode current = http.send("GET", "/ui/session", null, null, Map.of("Cookie", s.cookie())).expect(200).json();
        assertThat(current.path("session").path("csrf").asText()).isEqualTo(s.csrf());
        http.get("/ui/session", null).expect(401);

        TestClient.Response out = http.send("DELETE", "/ui/session", null, null, Map.of("Cookie", s.cookie(), "X-ESI-CSRF", s.csrf())).expect(204);
        assertThat(out.header("Set-Cookie")).startsWith("esi_session=;").contains("Max-Age=0");
        http.send("GET", "/lease/v1/offers", null, null, Map.of("Cookie", s.cookie(), "X-ESI-CSRF", s.csrf())).expect(401);
        http.send("GET", "/ui/session", null, null, Map.of("Cookie", s.cookie())).expect(401);
    }

    @Test
    void theConsolePageAndItsAssetsAreServedWithAStrictContentPolicy() {
        TestClient.Response page = http.get("/ui", null).expect(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(page.body()).contains("/ui/assets/app.js");
        http.get("/ui/", null).expect(200);
        assertThat(http.get("/ui/assets/app.js", null).expect(200).header("Content-Type")).startsWith("text/javascript");
        assertThat(http.get("/ui/assets/app.css", null).expect(200).header("X-Content-Type-Options")).isEqualTo("nosniff");
        http.get("/ui/assets/secret.key", null).expect(404);
        http.get("/ui/assets/..%2F..%2Fesi.toml", null).expect(404);
        assertThat(http.get("/ui/assets/nothing.js", null).body()).doesNotContain("Exception");
    }
}
