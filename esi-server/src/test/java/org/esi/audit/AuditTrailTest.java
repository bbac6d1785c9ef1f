package org.esi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

/** The audit trail end to end: what one request leaves, denials, logins, the lifecycle, tampering, secrets. */
class AuditTrailTest {
    static final MutableClock clock = new MutableClock();
    static TestingEsiServer server;
    static TestClient http;
    static String admin;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start(Map.of("ESI_TOKEN_LIFETIME", "3650d", "ESI_AUDIT_RETENTION", "P30D"), clock);
        http = server.client();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String newRequestId() {
        return "req-" + UUID.randomUUID();
    }

    /** Every record carrying {@code requestId}. */
    static List<JsonNode> recordsOf(String requestId) {
        JsonNode body = http.get("/audit/v1/records?request_id=" + requestId, admin).expect(200).json();
        List<JsonNode> out = new ArrayList<>();
        body.path("records").forEach(out::add);
        return out;
    }

    @Test
    void aClaimLeavesOneRecordWithWhoWhatAndOutcome() {
        LeasingSetup s = LeasingSetup.create(server, "aud-claim");
        String rid = newRequestId();
        Instant start = clock.instant().plus(Duration.ofDays(2));
        JsonNode lease = http.send("POST", "/lease/v1/offers/" + s.offer() + "/claim", s.lesseeToken(),
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(3600).toString()),
                Map.of("X-OpenStack-Request-Id", rid)).expect(201).json();
        assertThat(lease.path("uuid").asText()).isNotEmpty();

        List<JsonNode> records = recordsOf(rid);
        assertThat(records).hasSize(1);
        JsonNode r = records.get(0);
        assertThat(r.path("user_name").asText()).isEqualTo("aud-claim-lessee-user");
        assertThat(r.path("user_id").asText()).matches("[0-9a-f]{32}");
        assertThat(r.path("project_id").asText()).isEqualTo(lease.path("project_id").asText());
        assertThat(r.path("roles").toString()).isEqualTo("[\"lessee\"]");
        assertThat(r.path("method").asText()).isEqualTo("POST");
        assertThat(r.path("route").asText()).isEqualTo("/lease/v1/offers/{id}/claim");
        assertThat(r.path("target_type").asText()).isEqualTo("offers");
        assertThat(r.path("target_id").asText()).isEqualTo(s.offer());
        assertThat(r.path("status").asInt()).isEqualTo(201);
        assertThat(r.path("outcome").asText()).isEqualTo("success");
        assertThat(r.path("source_address").asText()).isEqualTo("127.0.0.1");
        assertThat(Instant.parse(r.path("time").asText())).isBetween(clock.instant().minusSeconds(60), clock.instant());
        // Nothing is left pending once the request has answered.
        assertThat(pendingCount()).isZero();
    }

    @Test
    void aFailedLoginLeavesOneFailedRecordNamingTheUser() {
        String project = server.createProject("aud-login", null);
        server.userToken("aud-login-user", project, "lessee");
        String rid = newRequestId();
        TestClient.Response r = http.send("POST", "/identity/v3/auth/tokens", null, Map.of("auth", Map.of("identity", Map.of(
                        "methods", List.of("password"), "password", Map.of("user", Map.of("name", "aud-login-user",
                                "password", "wrong-password-xyzzy", "domain", Map.of("id", "default")))))),
                Map.of("X-OpenStack-Request-Id", rid));
        r.expect(401);
        List<JsonNode> records = recordsOf(rid);
        assertThat(records).hasSize(1);
        JsonNode rec = records.get(0);
        assertThat(rec.path("route").asText()).isEqualTo("/identity/v3/auth/tokens");
        assertThat(rec.path("user_name").asText()).isEqualTo("aud-login-user");
        assertThat(rec.path("status").asInt()).isEqualTo(401);
        assertThat(rec.path("outcome").asText()).isEqualTo("failed");
        assertThat(rec.path("project_id").isNull()).isTrue();
    }

    @Test
    void aPolicyDenialLeavesOneDeniedRecord() {
        String project = server.createProject("aud-deny", null);
        String lessee = server.userToken("aud-deny-user", project, "lessee");
        String rid = newRequestId();
        http.send("POST", "/identity/v3/projects", lessee, Map.of("project", Map.of("name", "aud-deny-sneaky")),
                Map.of("X-OpenStack-Request-Id", rid)).expect(403);
        List<JsonNode> records = recordsOf(rid);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).path("outcome").asText()).isEqualTo("denied");
        assertThat(records.get(0).path("status").asInt()).isEqualTo(403);
        assertThat(records.get(0).path("user_name").asText()).isEqualTo("aud-deny-user");
        assertThat(records.get(0).path("route").asText()).isEqualTo("/identity/v3/projects");

        // A read refused by policy is recorded too; one allowed is not.
        String readRid = newRequestId();
        http.send("GET", "/audit/v1/records", lessee, null, Map.of("X-OpenStack-Request-Id", readRid)).expect(403);
        assertThat(recordsOf(readRid)).singleElement().satisfies(rec -> assertThat(rec.path("outcome").asText()).isEqualTo("denied"));
        String okRid = newRequestId();
        http.send("GET", "/lease/v1/offers", lessee, null, Map.of("X-OpenStack-Request-Id", okRid)).expect(200);
        assertThat(recordsOf(okRid)).isEmpty();
    }

    @Test
    void aLeaseExpiryLeavesOneSystemRecord() throws Exception {
        LeasingSetup s = LeasingSetup.create(server, "aud-exp");
        Instant start = clock.instant();
        String lease = http.post("/lease/v1/offers/" + s.offer() + "/claim", s.lesseeToken(),
                Map.of("start_time", start.toString(), "end_time", start.plus(Duration.ofHours(1)).toString())).expect(201)
                .json().path("uuid").asText();
        server.server().scheduler().runDue();
        clock.advance(Duration.ofHours(2));
        // The scheduler's own thread may be ending it at the same moment (runDue then skips it): wait for either.
        String status = "";
        for (int i = 0; i < 200 && !status.equals("expired"); i++) {
            server.server().scheduler().runDue();
            status = http.get("/lease/v1/leases/" + lease, s.lesseeToken()).expect(200).json().path("status").asText();
            if (!status.equals("expired")) {
                Thread.sleep(50);
            }
        }
        assertThat(status).isEqualTo("expired");

        JsonNode body = http.get("/audit/v1/records?target=" + lease, admin).expect(200).json();
        List<JsonNode> system = new ArrayList<>();
        body.path("records").forEach(r -> {
            if (r.path("user_name").asText().equals("esi-system")) {
                system.add(r);
            }
        });
        assertThat(system).hasSize(1);
        JsonNode r = system.get(0);
        assertThat(r.path("user_id").asText()).isEqualTo("esi-system");
        assertThat(r.path("method").asText()).isEqualTo("SYSTEM");
        assertThat(r.path("route").asText()).isEqualTo("lease expiry");
        assertThat(r.path("target_type").asText()).isEqualTo("leases");
        assertThat(r.path("outcome").asText()).isEqualTo("success");
        assertThat(r.path("request_id").asText()).startsWith("req-");
    }

    @Test
    void noSecretReachesTheTrail() {
        String password = "Very-Secret-Login-Pw-1";
        String bmcPassword = "BmcSecret-77";
        String project = server.createProject("aud-secret", null);
        TestClient.Response user = http.post("/identity/v3/users", admin,
                Map.of("user", Map.of("name", "aud-secret-user", "password", password, "default_project_id", project))).expect(201);
        String userId = user.json().path("user").path("id").asText();
        http.put("/identity/v3/projects/" + project + "/users/" + userId + "/roles/owner", admin, null).expect(204);
        String token = http.login("aud-secret-user", password, project);
        // A password typed into the user name field, as happens: a name that is no user is never recorded.
        http.post("/identity/v3/auth/tokens", null, Map.of("auth", Map.of("identity", Map.of("methods", List.of("password"),
                "password", Map.of("user", Map.of("name", password + "-typo", "password", "x", "domain", Map.of("id", "default")))))))
                .expect(401);
        http.post("/baremetal/v1/nodes", token, Map.of("name", "aud-secret-node", "driver", "ipmi",
                "driver_info", Map.of("ipmi_address", "127.0.0.1", "ipmi_username", "root", "ipmi_password", bmcPassword))).expect(201);
        http.patch("/baremetal/v1/nodes/aud-secret-node", token,
                List.of(Map.of("op", "replace", "path", "/driver_info/ipmi_password", "value", bmcPassword + "-new"))).expect(200);

        String all = allRecords();
        assertThat(all).contains("aud-secret-user").contains("/baremetal/v1/nodes/{ident}");
        assertThat(all).doesNotContain(password).doesNotContain(bmcPassword).doesNotContain(token);
    }

    @Test
    void recordsCannotBeChangedAndAnEditIsFoundAtThatRecord() throws Exception {
        String rid = newRequestId();
        String created = http.send("POST", "/identity/v3/projects", admin, Map.of("project", Map.of("name", "aud-tamper")),
                Map.of("X-OpenStack-Request-Id", rid)).expect(201).json().path("project").path("id").asText();
        JsonNode record = recordsOf(rid).get(0);
        // A create names what it made, read from its answer (which still reached the client whole).
        assertThat(record.path("target_type").asText()).isEqualTo("projects");
        assertThat(record.path("target_id").asText()).isEqualTo(created);
        long id = record.path("id").asLong();
        http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "aud-tamper-after"))).expect(201);
        assertThat(http.get("/audit/v1/verify", admin).expect(200).json().path("ok").asBoolean()).isTrue();

        try (var c = java.sql.DriverManager.getConnection(server.server().config().databaseUrl().orElseThrow(),
                server.server().config().databaseUser().orElseThrow(), server.server().config().databasePassword().orElseThrow());
             var st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate("update audit_record set user_name = 'someone' where id = " + id))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> st.executeUpdate("delete from audit_record where id = " + id)).hasMessageContaining("append-only");
            assertThatThrownBy(() -> st.executeUpdate("truncate audit_record")).hasMessageContaining("append-only");
            // A superuser can get past the trigger; the chain still tells.
            st.execute("set session_replication_role = replica");
            st.executeUpdate("update audit_record set user_name = 'someone-else' where id = " + id);
            st.execute("set session_replication_role = origin");
            try {
                JsonNode v = http.get("/audit/v1/verify", admin).expect(200).json();
                assertThat(v.path("ok").asBoolean()).isFalse();
                assertThat(v.path("bad_record").asLong()).isEqualTo(id);
                assertThat(v.path("reason").asText()).contains("does not match its hash");
            } finally {
                st.execute("set session_replication_role = replica");
                st.executeUpdate("update audit_record set user_name = 'admin' where id = " + id);
                st.execute("set session_replication_role = origin");
            }
        }
        assertThat(http.get("/audit/v1/verify", admin).expect(200).json().path("ok").asBoolean()).isTrue();
    }

    @Test
    void listIsNewestFirstPagedAndFilteredAndAdminOnly() {
        for (int i = 0; i < 3; i++) {
            http.post("/identity/v3/projects", admin, Map.of("project", Map.of("name", "aud-page-" + i))).expect(201);
        }
        JsonNode page = http.get("/audit/v1/records?route=/identity/v3/projects&limit=2", admin).expect(200).json();
        assertThat(page.path("records")).hasSize(2);
        long first = page.path("records").get(0).path("id").asLong();
        long second = page.path("records").get(1).path("id").asLong();
        assertThat(first).isGreaterThan(second);
        String next = page.path("next").asText();
        assertThat(next).contains("marker=" + second).contains("limit=2");
        JsonNode more = http.get(next.substring(next.indexOf("/audit/")), admin).expect(200).json();
        assertThat(more.path("records").get(0).path("id").asLong()).isLessThan(second);
        http.get("/audit/v1/records?outcome=maybe", admin).expect(400);
        http.get("/audit/v1/records?since=yesterday", admin).expect(400);
        assertThat(http.get("/audit/v1/records?outcome=denied&since=" + clock.instant().plusSeconds(3600), admin).expect(200)
                .json().path("records")).isEmpty();
    }

    @Test
    void twoInstancesRecordingAtOnceKeepOneVerifiableChain() throws Exception {
        try (TestingEsiServer second = TestingEsiServer.sharing(server, clock)) {
            List<TestClient> clients = List.of(http, second.client());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            List<java.util.concurrent.Future<List<String>>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                TestClient c = clients.get(t % 2);
                int thread = t;
                done.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < 15; i++) {
                        String rid = newRequestId();
                        c.send("POST", "/identity/v3/projects", admin, Map.of("project", Map.of("name", "aud-two-" + thread + "-" + i)),
                                Map.of("X-OpenStack-Request-Id", rid)).expect(201);
                        ids.add(rid);
                    }
                    return ids;
                }));
            }
            List<String> all = new ArrayList<>();
            for (var f : done) {
                all.addAll(f.get());
            }
            pool.shutdown();
            for (String rid : all) {
                assertThat(recordsOf(rid)).as(rid).hasSize(1);
            }
            JsonNode v = http.get("/audit/v1/verify", admin).expect(200).json();
            assertThat(v.path("ok").asBoolean()).as(v.toString()).isTrue();
        }
    }

    @Test
    void recordsPastTheRetentionArePurgedAndTheRestStillVerifies() {
        String rid = newRequestId();
        http.send("POST", "/identity/v3/projects", admin, Map.of("project", Map.of("name", "aud-retention")),
                Map.of("X-OpenStack-Request-Id", rid)).expect(201);
        assertThat(recordsOf(rid)).hasSize(1);
        clock.advance(Duration.ofDays(31)); // audit.retention is P30D here
        String later = newRequestId();
        http.send("POST", "/identity/v3/projects", admin, Map.of("project", Map.of("name", "aud-retention-later")),
                Map.of("X-OpenStack-Request-Id", later)).expect(201);
        server.server().auditLoop().runOnce();
        assertThat(recordsOf(rid)).isEmpty();
        assertThat(recordsOf(later)).hasSize(1);
        JsonNode v = http.get("/audit/v1/verify", admin).expect(200).json();
        assertThat(v.path("ok").asBoolean()).as(v.toString()).isTrue();
        assertThat(v.path("checked").asLong()).isGreaterThanOrEqualTo(1);
    }

    static String allRecords() {
        StringBuilder all = new StringBuilder();
        String path = "/audit/v1/records?limit=1000";
        while (path != null) {
            JsonNode body = http.get(path, admin).expect(200).json();
            all.append(body.path("records"));
            String next = body.path("next").asText(null);
            path = next == null ? null : next.substring(next.indexOf("/audit/"));
        }
        return all.toString();
    }

    static long pendingCount() {
        return server.server().database().jdbi().withHandle(h -> h.createQuery("select count(*) from audit_pending").mapTo(Long.class).one());
    }
}
