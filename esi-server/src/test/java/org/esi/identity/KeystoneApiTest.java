package org.esi.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Keystone subset as OpenStack clients use it, against a real server. */
class KeystoneApiTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;

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

    static Map<String, Object> login(Map<String, Object> user, Map<String, Object> project) {
        return Map.of("auth", Map.of("identity", Map.of("methods", List.of("password"), "password", Map.of("user", user)),
                "scope", Map.of("project", project)));
    }

    @Test
    void loginByNameAndByIdGivesACatalogWithEveryService() {
        String project = server.createProject("ks-login", null);
        server.userToken("ks-login-user", project, "member");
        JsonNode user = http.get("/identity/v3/users?name=ks-login-user", admin).json().path("users").get(0);
        TestClient.Response byName = http.post("/identity/v3/auth/tokens", null, login(
                Map.of("name", "ks-login-user", "password", "password-ks-login-user", "domain", Map.of("name", "Default")),
                Map.of("name", "ks-login", "domain", Map.of("name", "Default"))));
        byName.expect(201);
        assertThat(byName.header("X-Subject-Token")).hasSizeGreaterThanOrEqualTo(40);
        JsonNode token = byName.json().path("token");
        assertThat(token.path("project").path("id").asText()).isEqualTo(project);
        assertThat(token.path("roles").findValuesAsText("name")).containsExactly("member");
        assertThat(token.path("catalog").findValuesAsText("type")).contains("identity", "baremetal", "lease");
        assertThat(token.path("expires_at").asText()).endsWith("Z");
        assertThat(byName.body()).doesNotContain("password-ks-login-user");

        http.post("/identity/v3/auth/tokens", null, login(Map.of("id", user.path("id").asText(), "password", "password-ks-login-user"),
                Map.of("id", project))).expect(201);
    }

    @Test
    void wrongPasswordAndUnknownUserLookTheSame() {
        TestClient.Response wrong = http.post("/identity/v3/auth/tokens", null, login(Map.of("name", "admin", "password", "nope-nope"),
                Map.of("name", "admin")));
        TestClient.Response unknown = http.post("/identity/v3/auth/tokens", null, login(Map.of("name", "nobody-here", "password", "nope-nope"),
                Map.of("name", "admin")));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo(unknown.body());
    }

    @Test
    void repeatedFailuresAreRateLimited() {
        String project = server.createProject("ks-limit", null);
        server.userToken("ks-limit-user", project, "member");
        int last = 0;
        for (int i = 0; i < 12; i++) {
            last = http.post("/identity/v3/auth/tokens", null, login(Map.of("name", "ks-limit-user", "password", "wrong-" + i),
                    Map.of("id", project))).status();
        }
        assertThat(last).isEqualTo(429);
        // Even the right password is refused while the lock-out lasts.
        assertThat(http.post("/identity/v3/auth/tokens", null, login(Map.of("name", "ks-limit-user", "password", "password-ks-limit-user"),
                Map.of("id", project))).status()).isEqualTo(429);
    }

    @Test
    void validateThenRevoke() {
        String project = server.createProject("ks-revoke", null);
        String token = server.userToken("ks-revoke-user", project, "member");
        JsonNode v = http.send("GET", "/identity/v3/auth/tokens", token, null, Map.of("X-Subject-Token", token)).expect(200).json();
        assertThat(v.path("token").path("user").path("name").asText()).isEqualTo("ks-revoke-user");
        http.send("DELETE", "/identity/v3/auth/tokens", token, null, Map.of("X-Subject-Token", token)).expect(204);
        http.get("/identity/v3/projects/" + project, token).expect(401);
    }

    @Test
    void disablingTheUserOrTakingTheRoleEndsTokens() {
        String project = server.createProject("ks-end", null);
        String t1 = server.userToken("ks-end-user", project, "member");
        String userId = http.get("/identity/v3/users?name=ks-end-user", admin).json().path("users").get(0).path("id").asText();
        http.get("/identity/v3/projects/" + project, t1).expect(200);
        http.delete("/identity/v3/projects/" + project + "/users/" + userId + "/roles/member", admin).expect(204);
        http.get("/identity/v3/projects/" + project, t1).expect(401);

        http.put("/identity/v3/projects/" + project + "/users/" + userId + "/roles/member", admin, null).expect(204);
        String t2 = http.login("ks-end-user", "password-ks-end-user", project);
        http.patch("/identity/v3/users/" + userId, admin, Map.of("user", Map.of("enabled", false))).expect(200);
        http.get("/identity/v3/projects/" + project, t2).expect(401);
    }

    @Test
    void namesAreUniqueAndPasswordsNeverShown() {
        http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "ks-dup"))).expect(201);
        http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "ks-dup"))).expect(409);
        TestClient.Response u = http.post("/identity/v3/users", admin, Map.of("user", Map.of("name", "ks-dup-user", "password", "secret-pw-1234")));
        u.expect(201);
        assertThat(u.body()).doesNotContain("secret-pw-1234").doesNotContain("pbkdf2");
        http.post("/identity/v3/users", admin, Map.of("user", Map.of("name", "ks-dup-user", "password", "secret-pw-1234"))).expect(409);
        assertThat(http.get("/identity/v3/users", admin).body()).doesNotContain("secret-pw-1234").doesNotContain("pbkdf2");
        http.post("/identity/v3/users", admin, Map.of("user", Map.of("name", "ks-short", "password", "short"))).expect(400);
    }

    @Test
    void esiLeapRoleNamesAreAliases() {
        String project = server.createProject("ks-alias", null);
        server.userToken("ks-alias-user", project, "reader");
        String userId = http.get("/identity/v3/users?name=ks-alias-user", admin).json().path("users").get(0).path("id").asText();
        http.put("/identity/v3/projects/" + project + "/users/" + userId + "/roles/esi_leap_owner", admin, null).expect(204);
        JsonNode a = http.get("/identity/v3/role_assignments?user.id=" + userId, admin).expect(200).json();
        assertThat(a.path("role_assignments").findValuesAsText("id")).contains("owner");
        assertThat(http.get("/identity/v3/roles?name=esi_leap_lessee", admin).json().path("roles").findValuesAsText("name"))
                .containsExactly("lessee");
    }

    @Test
    void membersReadTheirOwnProjectAndUserOnly() {
        String mine = server.createProject("ks-mine", null);
        String theirs = server.createProject("ks-theirs", null);
        String token = server.userToken("ks-mine-user", mine, "member");
        String userId = http.get("/identity/v3/users?name=ks-mine-user", admin).json().path("users").get(0).path("id").asText();
        http.get("/identity/v3/projects/" + mine, token).expect(200);
        http.get("/identity/v3/projects/" + theirs, token).expect(403);
        http.get("/identity/v3/users/" + userId, token).expect(200);
        http.get("/identity/v3/users", token).expect(403);
        http.get("/identity/v3/role_assignments?user.id=" + userId, token).expect(200);
        http.get("/identity/v3/role_assignments", token).expect(403);
        http.post("/identity/v3/users/" + userId + "/password", token,
                Map.of("user", Map.of("password", "new-password-1", "original_password", "password-ks-mine-user"))).expect(204);
        http.login("ks-mine-user", "new-password-1", mine);
    }
}
