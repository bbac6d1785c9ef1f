package org.esi.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stock OpenStack client (Debian's python3-openstackclient and python3-ironicclient) against a
 * real server: login, token issue, project and bare-metal commands. CI installs the packages; without
 * them the test fails, unless ESI_SKIP_OPENSTACK_CLIENT_TESTS=1.
 */
class OpenStackClientCompatTest {
    static final Path OPENSTACK = Path.of("/usr/bin/openstack");
    static TestingEsiServer server;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        if (!Files.isExecutable(OPENSTACK)) {
            if ("1".equals(System.getenv("ESI_SKIP_OPENSTACK_CLIENT_TESTS"))) {
                org.junit.jupiter.api.Assumptions.abort("openstack client not installed and ESI_SKIP_OPENSTACK_CLIENT_TESTS=1");
            }
            throw new IllegalStateException("/usr/bin/openstack is missing: apt-get install python3-openstackclient python3-ironicclient "
                    + "(or set ESI_SKIP_OPENSTACK_CLIENT_TESTS=1)");
        }
        server = TestingEsiServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    record Result(int code, String out, String err) {}

    static Result openstack(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(OPENSTACK.toString(), "--os-auth-url", server.url() + "/identity/v3",
                "--os-username", "admin", "--os-password", TestingEsiServer.ADMIN_PASSWORD, "--os-project-name", "admin",
                "--os-user-domain-id", "default", "--os-project-domain-id", "default", "--os-identity-api-version", "3",
                "--os-interface", "public"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("OS_"));
        env.put("HOME", Files.createTempDirectory("osc-home").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openstack " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static JsonNode ok(String... args) throws Exception {
        Result r = openstack(args);
        assertThat(r.code()).as("openstack " + String.join(" ", args) + "\nstderr: " + r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @Test
    void tokenIssue() throws Exception {
        JsonNode token = ok("token", "issue", "-f", "json");
        assertThat(token.path("id").asText()).isNotBlank();
        assertThat(token.path("project_id").asText()).hasSize(32);
    }

    @Test
    void projectCommands() throws Exception {
        ok("project", "create", "osc-project", "-f", "json");
        JsonNode list = ok("project", "list", "-f", "json");
        List<String> names = new ArrayList<>();
        list.forEach(p -> names.add(p.path("Name").asText()));
        assertThat(names).contains("admin", "osc-project");
        assertThat(ok("project", "show", "osc-project", "-f", "json").path("name").asText()).isEqualTo("osc-project");
    }

    @Test
    void baremetalNodeCommands() throws Exception {
        JsonNode created = ok("baremetal", "node", "create", "--driver", "fake-hardware", "--name", "osc-node",
                "--property", "cpus=4", "-f", "json");
        assertThat(created.path("name").asText()).isEqualTo("osc-node");
        JsonNode list = ok("baremetal", "node", "list", "-f", "json");
        List<String> names = new ArrayList<>();
        list.forEach(n -> names.add(n.path("Name").asText()));
        assertThat(names).contains("osc-node");
        JsonNode shown = ok("baremetal", "node", "show", "osc-node", "-f", "json");
        assertThat(shown.path("provision_state").asText()).isEqualTo("enroll");
        assertThat(shown.path("properties").path("cpus").asText()).isEqualTo("4");
        Result del = openstack("baremetal", "node", "delete", "osc-node");
        assertThat(del.code()).as(del.err()).isZero();
    }

    @Test
    void errorsComeOutAsWordsNotTracebacks() throws Exception {
        Result r = openstack("baremetal", "node", "show", "no-such-node");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("could not be found").doesNotContain("Traceback");
    }
}
