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
        // Lists a non-admin may not read whole answer what it may read: itself, its own assignments.
        assertThat(http.get("/identity/v3/users", token).expect(200).json().path("users").findValuesAsText("id")).containsExactly(userId);
        http.get("/identity/v3/role_assignments?user.id=" + userId, token).expect(200);
        assertThat(http.get("/identity/v3/role_assignments", token).expect(200).json().path("role_assignments")
                .findValuesAsText("id")).containsExactlyInAnyOrder(userId, mine, "member");
        http.post("/identity/v3/users/" + userId + "/password", token,
                Map.of("user", Map.of("password", "new-password-1", "original_password", "password-ks-mine-user"))).expect(204);
        http.login("ks-mine-user", "new-password-1", mine);
    }

    static String userId(String name) {
        return http.get("/identity/v3/users?name=" + name, admin).expect(200).json().path("users").get(0).path("id").asText();
    }

    @Test
    void projectsCrudWithFiltersAndConflicts() {
        String parent = server.createProject("ks-crud-parent", null);
        String child = server.createProject("ks-crud-child", parent);
        server.createProject("ks-crud-taken", null);
        JsonNode byName = http.get("/identity/v3/projects?name=ks-crud-child", admin).expect(200).json().path("projects");
        assertThat(byName.findValuesAsText("id")).containsExactly(child);
        assertThat(byName.get(0).path("parent_id").asText()).isEqualTo(parent);
        assertThat(byName.get(0).path("domain_id").asText()).isEqualTo("default");
        assertThat(http.get("/identity/v3/projects?parent_id=" + parent, admin).json().path("projects").findValuesAsText("name"))
                .containsExactly("ks-crud-child");
        assertThat(http.get("/identity/v3/projects?name=nothing-by-this-name", admin).expect(200).json().path("projects")).isEmpty();

        http.patch("/identity/v3/projects/" + child, admin, Map.of("project", Map.of("name", "ks-crud-taken"))).expect(409);
        assertThat(http.get("/identity/v3/projects/" + child, admin).json().path("project").path("name").asText()).isEqualTo("ks-crud-child");
        JsonNode renamed = http.patch("/identity/v3/projects/" + child, admin,
                Map.of("project", Map.of("name", "ks-crud-renamed", "description", "d"))).expect(200).json().path("project");
        assertThat(renamed.path("name").asText()).isEqualTo("ks-crud-renamed");
        assertThat(renamed.path("description").asText()).isEqualTo("d");
        http.patch("/identity/v3/projects/" + parent, admin, Map.of("project", Map.of("parent_id", child))).expect(400);
        http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "ks-orphan", "parent_id", "0123456789abcdef0123456789abcdef")))
                .expect(404);

        // A parent with children (or nodes) cannot go; once empty it can.
        http.delete("/identity/v3/projects/" + parent, admin).expect(409);
        http.delete("/identity/v3/projects/" + child, admin).expect(204);
        http.delete("/identity/v3/projects/" + parent, admin).expect(204);
        http.get("/identity/v3/projects/" + parent, admin).expect(404);
        http.delete("/identity/v3/projects/" + parent, admin).expect(404);
    }

    @Test
    void usersCrudNeverShowsPasswords() {
        String project = server.createProject("ks-users", null);
        server.userToken("ks-users-taken", project, "member");
        TestClient.Response created = http.post("/identity/v3/users", admin, Map.of("user", Map.of("name", "ks-users-a",
                "password", "first-secret-pw", "default_project_id", project, "email", "a@example.org")));
        created.expect(201);
        String id = created.json().path("user").path("id").asText();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(created.json().path("user").path("email").asText()).isEqualTo("a@example.org");
        http.put("/identity/v3/projects/" + project + "/users/" + id + "/roles/member", admin, null).expect(204);

        http.patch("/identity/v3/users/" + id, admin, Map.of("user", Map.of("name", "ks-users-taken"))).expect(409);
        TestClient.Response changed = http.patch("/identity/v3/users/" + id, admin, Map.of("user", Map.of("password", "second-secret-pw")));
        changed.expect(200);
        List<String> bodies = List.of(created.body(), changed.body(), http.get("/identity/v3/users/" + id, admin).body(),
                http.get("/identity/v3/users", admin).body());
        for (String b : bodies) {
            assertThat(b).doesNotContain("first-secret-pw").doesNotContain("second-secret-pw").doesNotContainIgnoringCase("password_hash")
                    .doesNotContain("pbkdf2").doesNotContain("\"password\"");
        }
        assertThat(http.post("/identity/v3/auth/tokens", null, login(Map.of("id", id, "password", "first-secret-pw"), Map.of("id", project)))
                .status()).isEqualTo(401);
        String token = http.login("ks-users-a", "second-secret-pw", project);
        http.get("/identity/v3/users/" + id, token).expect(200);

        http.delete("/identity/v3/users/" + id, admin).expect(204);
        http.get("/identity/v3/users/" + id, token).expect(401);
        http.get("/identity/v3/users/" + id, admin).expect(404);
        assertThat(http.post("/identity/v3/auth/tokens", null, login(Map.of("name", "ks-users-a", "password", "second-secret-pw"),
                Map.of("id", project))).status()).isEqualTo(401);
    }

    @Test
    void roleAssignmentFilters() {
        String p1 = server.createProject("ks-ra-1", null);
        String p2 = server.createProject("ks-ra-2", null);
        String token = server.userToken("ks-ra-user", p1, "owner");
        String other = server.userToken("ks-ra-other", p1, "member");
        String id = userId("ks-ra-user");
        http.put("/identity/v3/projects/" + p2 + "/users/" + id + "/roles/esi_leap_lessee", admin, null).expect(204);
        http.send("HEAD", "/identity/v3/projects/" + p2 + "/users/" + id + "/roles/lessee", admin, null, Map.of()).expect(204);
        http.send("HEAD", "/identity/v3/projects/" + p2 + "/users/" + id + "/roles/owner", admin, null, Map.of()).expect(404);

        JsonNode mine = http.get("/identity/v3/role_assignments?user.id=" + id, admin).expect(200).json().path("role_assignments");
        assertThat(mine.findValuesAsText("id")).containsExactlyInAnyOrder("owner", "lessee", p1, p2, id, id);
        JsonNode inP1 = http.get("/identity/v3/role_assignments?scope.project.id=" + p1, admin).json().path("role_assignments");
        assertThat(inP1).hasSize(2);
        inP1.forEach(a -> assertThat(a.path("scope").path("project").path("id").asText()).isEqualTo(p1));
        JsonNode both = http.get("/identity/v3/role_assignments?user.id=" + id + "&scope.project.id=" + p2, admin).json().path("role_assignments");
        assertThat(both).hasSize(1);
        assertThat(both.get(0).path("role").path("name").asText()).isEqualTo("lessee");
        assertThat(http.get("/identity/v3/role_assignments?scope.project.id=" + p1 + "&role.id=esi_leap_owner", admin).json()
                .path("role_assignments").findValuesAsText("id")).contains(id).doesNotContain(userId("ks-ra-other"));
        http.get("/identity/v3/role_assignments?role.id=no-such-role", admin).expect(404);

        // A non-admin reads its own assignments only.
        assertThat(http.get("/identity/v3/role_assignments?user.id=" + id, token).expect(200).json().path("role_assignments")).hasSize(2);
        http.get("/identity/v3/role_assignments?user.id=" + id, other).expect(403);
        http.put("/identity/v3/projects/" + p2 + "/users/" + id + "/roles/admin", token, null).expect(403);
        http.put("/identity/v3/projects/" + p2 + "/users/" + id + "/roles/no-such-role", admin, null).expect(404);
    }

    @Test
    void nonAdminsCannotReadOrChangeOthers() {
        String mine = server.createProject("ks-na-mine", null);
        String theirs = server.createProject("ks-na-theirs", null);
        String token = server.userToken("ks-na-user", mine, "owner");
        server.userToken("ks-na-victim", theirs, "member");
        String victim = userId("ks-na-victim");
        http.get("/identity/v3/users/" + victim, token).expect(403);
        http.get("/identity/v3/users/" + victim + "/projects", token).expect(403);
        http.get("/identity/v3/role_assignments?user.id=" + victim, token).expect(403);
        assertThat(http.get("/identity/v3/projects", token).expect(200).json().path("projects").findValuesAsText("id")).containsExactly(mine);
        assertThat(http.get("/identity/v3/projects?name=ks-na-theirs", token).expect(200).json().path("projects")).isEmpty();
        assertThat(http.get("/identity/v3/users?name=ks-na-victim", token).expect(200).json().path("users")).isEmpty();
        assertThat(http.get("/identity/v3/role_assignments?scope.project.id=" + theirs, token).expect(200).json().path("role_assignments"))
                .isEmpty();
        http.patch("/identity/v3/users/" + victim, token, Map.of("user", Map.of("enabled", false))).expect(403);
        http.patch("/identity/v3/projects/" + mine, token, Map.of("project", Map.of("name", "ks-na-stolen"))).expect(403);
        http.post("/identity/v3/projects", token, Map.of("project", Map.of("name", "ks-na-new"))).expect(403);
        http.post("/identity/v3/users", token, Map.of("user", Map.of("name", "ks-na-new", "password", "password-123"))).expect(403);
        http.delete("/identity/v3/projects/" + theirs, token).expect(403);
        http.post("/identity/v3/users/" + victim + "/password", token,
                Map.of("user", Map.of("password", "taken-over-1", "original_password", "password-ks-na-victim"))).expect(403);
        http.get("/identity/v3/roles", token).expect(200);
        assertThat(http.get("/identity/v3/auth/projects", token).expect(200).json().path("projects").findValuesAsText("id"))
                .containsExactly(mine);
        // Nothing changed.
        http.login("ks-na-victim", "password-ks-na-victim", theirs);
        assertThat(http.get("/identity/v3/projects/" + mine, admin).json().path("project").path("name").asText()).isEqualTo("ks-na-mine");
    }

    @Test
    void loginFailuresAreUniform() {
        String project = server.createProject("ks-uniform", null);
        String elsewhere = server.createProject("ks-uniform-else", null);
        server.userToken("ks-uniform-user", project, "member");
        TestClient.Response noRole = http.post("/identity/v3/auth/tokens", null, login(
                Map.of("name", "ks-uniform-user", "password", "password-ks-uniform-user"), Map.of("id", elsewhere)));
        TestClient.Response noProject = http.post("/identity/v3/auth/tokens", null, login(
                Map.of("name", "ks-uniform-user", "password", "password-ks-uniform-user"), Map.of("name", "no-such-project")));
        assertThat(noRole.status()).isEqualTo(401);
        assertThat(noProject.status()).isEqualTo(401);
        assertThat(noRole.body()).isEqualTo(noProject.body());
        assertThat(noRole.header("X-Subject-Token")).isNull();
        assertThat(noRole.header("WWW-Authenticate")).startsWith("Keystone uri=");
        JsonNode err = noRole.json().path("error");
        assertThat(err.path("code").asInt()).isEqualTo(401);
        assertThat(err.path("title").asText()).isEqualTo("Unauthorized");
        TestClient.Response byIdWrong = http.post("/identity/v3/auth/tokens", null, login(
                Map.of("id", userId("ks-uniform-user"), "password", "wrong-password"), Map.of("id", project)));
        TestClient.Response byIdUnknown = http.post("/identity/v3/auth/tokens", null, login(
                Map.of("id", "0123456789abcdef0123456789abcdef", "password", "wrong-password"), Map.of("id", project)));
        assertThat(byIdWrong.status()).isEqualTo(401);
        assertThat(byIdWrong.body()).isEqualTo(byIdUnknown.body());
    }

    @Test
    void tokensAreStoredOnlyAsHashesAndValidateWithHead() throws Exception {
        String project = server.createProject("ks-hash", null);
        String token = server.userToken("ks-hash-user", project, "member");
        assertThat(token.length()).isGreaterThanOrEqualTo(22); // at least 128 bits of base64 or hex
        http.send("HEAD", "/identity/v3/auth/tokens", admin, null, Map.of("X-Subject-Token", token)).expect(200);
        http.send("GET", "/identity/v3/auth/tokens", admin, null, Map.of("X-Subject-Token", "not-a-token")).expect(404);
        http.send("GET", "/identity/v3/auth/tokens", admin, null, Map.of()).expect(400);
        var cfg = server.server().config();
        try (var c = java.sql.DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow());
             var rs = c.createStatement().executeQuery("select t::text from token t")) {
            while (rs.next()) {
                assertThat(rs.getString(1)).doesNotContain(token).doesNotContain(admin);
            }
        }
    }

    @Test
    void tokensExpireAndRevocationReachesOtherInstances() throws Exception {
        org.esi.testing.MutableClock clock = new org.esi.testing.MutableClock();
        try (TestingEsiServer a = TestingEsiServer.start(Map.of("ESI_TOKEN_LIFETIME", "2h"), clock);
             TestingEsiServer b = TestingEsiServer.sharing(a, clock)) {
            String project = a.createProject("ks-expiry", null);
            String token = a.userToken("ks-expiry-user", project, "member");
            JsonNode t = a.client().send("GET", "/identity/v3/auth/tokens", token, null, Map.of("X-Subject-Token", token)).expect(200).json();
            java.time.Instant expires = java.time.Instant.parse(t.path("token").path("expires_at").asText());
            assertThat(java.time.Duration.between(clock.instant(), expires)).isBetween(java.time.Duration.ofMinutes(119), java.time.Duration.ofHours(2));

            // Role taken away on instance a: instance b stops honouring the token within its short cache time.
            b.client().get("/identity/v3/projects/" + project, token).expect(200);
            String admin = a.adminToken();
            String id = a.client().get("/identity/v3/users?name=ks-expiry-user", admin).json().path("users").get(0).path("id").asText();
            a.client().delete("/identity/v3/projects/" + project + "/users/" + id + "/roles/member", admin).expect(204);
            a.client().get("/identity/v3/projects/" + project, token).expect(401);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            int status = 0;
            while (System.nanoTime() < deadline && (status = b.client().get("/identity/v3/projects/" + project, token).status()) != 401) {
                Thread.sleep(100);
            }
            assertThat(status).as("instance b still honoured a token whose role was revoked on instance a").isEqualTo(401);

            // A fresh token dies when the clock passes its lifetime, on both instances.
            a.client().put("/identity/v3/projects/" + project + "/users/" + id + "/roles/member", admin, null).expect(204);
            String fresh = a.client().login("ks-expiry-user", "password-ks-expiry-user", project);
            b.client().get("/identity/v3/projects/" + project, fresh).expect(200);
            clock.advance(java.time.Duration.ofMinutes(121));
            a.client().get("/identity/v3/projects/" + project, fresh).expect(401);
            b.client().get("/identity/v3/projects/" + project, fresh).expect(401);
        }
    }

    @Test
    void aUserListsItsOwnProjectsAndTheAdminAnyUsers() {
        String p1 = server.createProject("ks-up-1", null);
        String p2 = server.createProject("ks-up-2", p1);
        String elsewhere = server.createProject("ks-up-else", null);
        String token = server.userToken("ks-up-user", p1, "owner");
        server.userToken("ks-up-other", elsewhere, "member");
        String id = userId("ks-up-user");
        String other = userId("ks-up-other");
        http.put("/identity/v3/projects/" + p2 + "/users/" + id + "/roles/lessee", admin, null).expect(204);

        JsonNode mine = http.get("/identity/v3/users/" + id + "/projects", token).expect(200).json().path("projects");
        assertThat(mine.findValuesAsText("name")).containsExactly("ks-up-1", "ks-up-2");
        assertThat(mine.get(0).path("parent_id").asText()).isEqualTo("default");
        assertThat(mine.get(1).path("parent_id").asText()).isEqualTo(p1);
        assertThat(mine.get(0).path("domain_id").asText()).isEqualTo("default");
        assertThat(http.get("/identity/v3/users/" + id + "/projects?name=ks-up-2", token).expect(200).json().path("projects")
                .findValuesAsText("id")).containsExactly(p2);
        assertThat(http.get("/identity/v3/users/" + id + "/projects?enabled=false", token).expect(200).json().path("projects")).isEmpty();
        assertThat(http.get("/identity/v3/users/" + id + "/projects?domain_id=elsewhere", token).expect(200).json().path("projects")).isEmpty();
        assertThat(http.get("/identity/v3/users/" + id + "/projects?parent_id=default", token).expect(200).json().path("projects")
                .findValuesAsText("id")).containsExactly(p1);
        // /auth/projects, the token's possible scopes, says the same.
        assertThat(http.get("/identity/v3/auth/projects", token).expect(200).json().path("projects").findValuesAsText("id"))
                .containsExactly(p1, p2);

        // Another user's list is 403 to a non-admin, the same whether or not that user exists; the admin reads any.
        TestClient.Response theirs = http.get("/identity/v3/users/" + other + "/projects", token);
        TestClient.Response nobody = http.get("/identity/v3/users/0123456789abcdef0123456789abcdef/projects", token);
        assertThat(theirs.status()).isEqualTo(403);
        assertThat(nobody.status()).isEqualTo(403);
        assertThat(theirs.body()).doesNotContain("ks-up-else");
        assertThat(http.get("/identity/v3/users/" + other + "/projects", admin).expect(200).json().path("projects").findValuesAsText("id"))
                .containsExactly(elsewhere);
        assertThat(http.get("/identity/v3/users/0123456789abcdef0123456789abcdef/projects", admin).status()).isEqualTo(404);

        // Bad filters are 400 in Keystone's error shape.
        JsonNode bad = http.get("/identity/v3/users/" + id + "/projects?enabled=maybe", token).expect(400).json();
        assertThat(bad.path("error").path("code").asInt()).isEqualTo(400);
        http.get("/identity/v3/users/" + id + "/projects?owner=me", token).expect(400);
        http.get("/identity/v3/users/" + id + "/projects", null).expect(401);
    }

    @Test
    void includeNamesAddsNamesAndDomainsAsKeystoneDoes() {
        String project = server.createProject("ks-names", null);
        String token = server.userToken("ks-names-user", project, "lessee");
        String id = userId("ks-names-user");
        for (String flag : List.of("include_names=True", "include_names=true", "include_names=1", "include_names")) {
            JsonNode a = http.get("/identity/v3/role_assignments?user.id=" + id + "&" + flag, token).expect(200).json()
                    .path("role_assignments");
            assertThat(a).as(flag).hasSize(1);
            JsonNode one = a.get(0);
            assertThat(one.path("user").path("name").asText()).isEqualTo("ks-names-user");
            assertThat(one.path("user").path("domain").path("id").asText()).isEqualTo("default");
            assertThat(one.path("user").path("domain").path("name").asText()).isEqualTo("Default");
            assertThat(one.path("scope").path("project").path("id").asText()).isEqualTo(project);
            assertThat(one.path("scope").path("project").path("name").asText()).isEqualTo("ks-names");
            assertThat(one.path("scope").path("project").path("domain").path("name").asText()).isEqualTo("Default");
            assertThat(one.path("role").path("id").asText()).isEqualTo("lessee");
            assertThat(one.path("role").path("name").asText()).isEqualTo("lessee");
        }
        for (String flag : List.of("", "&include_names=False", "&include_names=0")) {
            JsonNode one = http.get("/identity/v3/role_assignments?user.id=" + id + flag, token).expect(200).json()
                    .path("role_assignments").get(0);
            assertThat(one.path("user").has("name")).as(flag).isFalse();
            assertThat(one.path("scope").path("project").has("name")).as(flag).isFalse();
        }
        http.get("/identity/v3/role_assignments?user.id=" + id + "&include_names=perhaps", token).expect(400);
        http.get("/identity/v3/role_assignments?user.id=" + id + "&effective", token).expect(200);
        http.get("/identity/v3/role_assignments?user.id=" + id + "&group.id=g", token).expect(400);
    }

    @Test
    void theDomainAnswersAsTheProjectAtTheTopOfTheTree() {
        String parent = server.createProject("ks-tree-top", null);
        String child = server.createProject("ks-tree-child", parent);
        String token = server.userToken("ks-tree-user", child, "lessee");

        // Walking parent_id up from the child, as ESI-Leap does for a lessee, ends at the domain with parent_id null.
        List<String> chain = new java.util.ArrayList<>();
        String at = child;
        JsonNode p = null;
        while (at != null && chain.size() < 5) {
            chain.add(at);
            String asker = at.equals(child) || at.equals("default") ? token : admin;
            p = http.get("/identity/v3/projects/" + at, asker).expect(200).json().path("project");
            at = p.path("parent_id").isNull() ? null : p.path("parent_id").asText();
        }
        assertThat(chain).containsExactly(child, parent, "default");
        assertThat(p.path("id").asText()).isEqualTo("default");
        assertThat(p.path("is_domain").asBoolean()).isTrue();
        assertThat(p.path("parent_id").isNull()).isTrue();
        assertThat(p.path("domain_id").isNull()).isTrue();
        assertThat(p.path("enabled").asBoolean()).isTrue();

        // The domain is no project in lists, and parent_id=default lists the top-level projects.
        JsonNode all = http.get("/identity/v3/projects", admin).expect(200).json().path("projects");
        assertThat(all.findValuesAsText("id")).doesNotContain("default");
        List<String> top = http.get("/identity/v3/projects?parent_id=default", admin).expect(200).json().path("projects").findValuesAsText("id");
        assertThat(top).contains(parent).doesNotContain(child);
        // It cannot be changed or deleted like a project.
        http.patch("/identity/v3/projects/default", admin, Map.of("project", Map.of("name", "renamed"))).expect(404);
        http.delete("/identity/v3/projects/default", admin).expect(404);
        assertThat(http.get("/identity/v3/projects/default", token).expect(200).json().path("project").path("name").asText()).isEqualTo("Default");
    }
}
