package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.cli.EsiCli;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esi audit list} and {@code esi audit verify} against a real server, including a tampered record. */
class CliAuditTest {
    static TestingEsiServer server;
    @TempDir
    static Path config;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CliRun esi(String... args) {
        return CliRun.of(server.url(), config, Map.of(), List.of(args));
    }

    @Test
    void listShowsWhoDidWhatAndVerifyFindsTheEditedRecord() throws Exception {
        assertThat(esi("login", "--username", "admin", "--password", TestingEsiServer.ADMIN_PASSWORD, "--project", "admin").code()).isZero();
        String rid = "req-" + UUID.randomUUID();
        server.client().send("POST", "/identity/v3/projects", server.adminToken(), Map.of("project", Map.of("name", "cli-audit")),
                Map.of("X-OpenStack-Request-Id", rid)).expect(201);

        CliRun list = esi("audit", "list", "--request-id", rid, "-f", "json");
        assertThat(list.code()).as(list.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(list.out());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("User").asText()).isEqualTo("admin");
        assertThat(rows.get(0).path("Route").asText()).isEqualTo("/identity/v3/projects");
        assertThat(rows.get(0).path("Outcome").asText()).isEqualTo("success");
        assertThat(rows.get(0).path("Status").asInt()).isEqualTo(201);
        long id = rows.get(0).path("ID").asLong();
        // The login the CLI made is there too.
        assertThat(esi("audit", "list", "--route", "/identity/v3/auth/tokens", "--user", "admin").out()).contains("success");

        CliRun ok = esi("audit", "verify");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("OK: ").contains("records verified");

        var cfg = server.server().config();
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow()); Statement st = c.createStatement()) {
            st.execute("alter table audit_record disable trigger audit_record_append_only");
            st.executeUpdate("update audit_record set outcome = 'failed' where id = " + id);
            st.execute("alter table audit_record enable trigger audit_record_append_only");
        }
        CliRun bad = esi("audit", "verify");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("audit trail FAILED at record " + id + ":").contains("does not match its hash");

        // Not an admin: refused (and that refusal is itself recorded).
        String project = server.createProject("cli-audit-p", null);
        String lessee = server.userToken("cli-audit-user", project, "lessee");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("ESI_URL", server.url(), "ESI_TOKEN", lessee, "ESI_CONFIG_DIR", config.resolve("x").toString());
        int code = EsiCli.run(new String[] {"audit", "list"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true), env);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("403");
    }
}
