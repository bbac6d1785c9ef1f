package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.esi.cli.EsiCli;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `esi` client driving a real server: what a person at a terminal does. */
class CliAgainstServerTest {
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

    record Run(int code, String out, String err) {}

    static Run esi(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("ESI_URL", server.url());
        env.put("ESI_CONFIG_DIR", config.toString());
        int code = EsiCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void loginThenManageProjectsAndNodes() throws Exception {
        Run login = esi("login", "--username", "admin", "--password", TestingEsiServer.ADMIN_PASSWORD, "--project", "admin");
        assertThat(login.code()).as(login.err()).isZero();
        Path auth = config.resolve("auth.json");
        assertThat(Files.getPosixFilePermissions(auth)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(login.out() + login.err()).doesNotContain(Files.readString(auth).replaceAll("(?s).*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1"));

        assertThat(esi("project", "create", "acme").code()).isZero();
        Run node = esi("node", "create", "--driver", "ipmi", "--name", "cli-n1", "--driver-info", "ipmi_address=10.0.0.5",
                "--driver-info", "ipmi_password=topsecret", "--property", "cpus=16", "--owner", "acme", "-f", "json");
        assertThat(node.code()).as(node.err()).isZero();
        assertThat(node.out()).doesNotContain("topsecret");

        Run show = esi("node", "show", "cli-n1", "-f", "json");
        JsonNode shown = new ObjectMapper().readTree(show.out());
        assertThat(shown.path("properties").path("cpus").asInt()).isEqualTo(16);
        assertThat(shown.path("owner").asText()).hasSize(32);

        Run list = esi("node", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("cli-n1");

        Run missing = esi("node", "show", "no-such-node");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("esi: ").contains("404").doesNotContain("\n");
    }
}
