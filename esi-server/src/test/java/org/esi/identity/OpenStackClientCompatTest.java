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
 * real server: login, token issue, project and bare-metal commands, as the admin and as the non-admins
 * most users are (an owner, a lessee). CI installs the packages; without them the test is skipped, unless
 * CI=true ({@code Needs}); ESI_SKIP_OPENSTACK_CLIENT_TESTS=1 skips it even in CI.
 */
class OpenStackClientCompatTest {
    static final Path OPENSTACK = Path.of("/usr/bin/openstack");
    static TestingEsiServer server;
    static final ObjectMapper JSON = new ObjectMapper();
    static final Login ADMIN = new Login("admin", TestingEsiServer.ADMIN_PASSWORD, "admin");
    static Login owner;
    static Login lessee;
    static Map<Login, String> projectIds = new HashMap<>();

    /** Who the client logs in as. */
    record Login(String user, String password, String project) {}

    @BeforeAll
    static void start() {
        org.esi.drivers.testing.Needs.tool("/usr/bin/openstack", "python3-openstackclient python3-ironicclient",
                Files.isExecutable(OPENSTACK), "ESI_SKIP_OPENSTACK_CLIENT_TESTS");
        server = TestingEsiServer.start();
        owner = nonAdmin("osc-owner", "owner");
        lessee = nonAdmin("osc-lessee", "lessee");
        // Someone else, whom neither may learn about.
        nonAdmin("osc-stranger", "owner");
    }

    /** A project {@code name} with user {@code name-user} holding {@code role} on it. */
    private static Login nonAdmin(String name, String role) {
        String project = server.createProject(name, null);
        server.userToken(name + "-user", project, role);
        Login login = new Login(name + "-user", "password-" + name + "-user", name);
        projectIds.put(login, project);
        return login;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    record Result(int code, String out, String err) {}

    static Result openstack(String... args) throws IOException, InterruptedException {
        return openstack(ADMIN, args);
    }

    static Result openstack(Login as, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(OPENSTACK.toString(), "--os-auth-url", server.url() + "/identity/v3",
                "--os-username", as.user(), "--os-password", as.password(), "--os-project-name", as.project(),
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
        return ok(ADMIN, args);
    }

    static JsonNode ok(Login as, String... args) throws Exception {
        Result r = openstack(as, args);
        assertThat(r.code()).as("openstack " + String.join(" ", args) + " as " + as.user() + "\nstderr: " + r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** A command that must fail the way a user can read: words, no traceback. */
    static String refused(Login as, String... args) throws Exception {
        Result r = openstack(as, args);
        assertThat(r.code()).as("openstack " + String.join(" ", args) + " as " + as.user() + " succeeded: " + r.out()).isNotZero();
        assertThat(r.err()).doesNotContain("Traceback");
        return r.err();
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

    @Test
    void identityCommandsAsAnOwnerAndALessee() throws Exception {
        for (Login me : List.of(owner, lessee)) {
            String project = projectIds.get(me);
            String role = me == owner ? "owner" : "lessee";
            JsonNode projects = ok(me, "project", "list", "-f", "json");
            assertThat(projects.findValuesAsText("Name")).as(me.user()).containsExactly(me.project());

            JsonNode shown = ok(me, "project", "show", me.project(), "-f", "json");
            assertThat(shown.path("id").asText()).isEqualTo(project);
            assertThat(shown.path("parent_id").asText()).isEqualTo("default");
            JsonNode domain = ok(me, "project", "show", "default", "-f", "json");
            assertThat(domain.path("is_domain").asBoolean()).isTrue();
            assertThat(domain.path("parent_id").isNull()).isTrue();

            for (List<String> args : List.of(List.of("role", "assignment", "list", "--names", "-f", "json"),
                    List.of("role", "assignment", "list", "--names", "--user", me.user(), "--project", me.project(), "-f", "json"))) {
                JsonNode rows = ok(me, args.toArray(String[]::new));
                assertThat(rows).as(String.join(" ", args)).hasSize(1);
                assertThat(rows.get(0).path("Role").asText()).isEqualTo(role);
                assertThat(rows.get(0).path("User").asText()).isEqualTo(me.user() + "@Default");
                assertThat(rows.get(0).path("Project").asText()).isEqualTo(me.project() + "@Default");
            }

            JsonNode user = ok(me, "user", "show", me.user(), "-f", "json");
            assertThat(user.path("name").asText()).isEqualTo(me.user());
            assertThat(user.toString()).doesNotContain(me.password());
            JsonNode token = ok(me, "token", "issue", "-f", "json");
            assertThat(token.path("project_id").asText()).isEqualTo(project);
            assertThat(token.path("user_id").asText()).isEqualTo(user.path("id").asText());

            // Nothing about anyone else: others' projects and users are not found, and the lists hold only oneself.
            assertThat(refused(me, "project", "show", "osc-stranger")).contains("osc-stranger");
            assertThat(refused(me, "user", "show", "osc-stranger-user")).contains("osc-stranger-user");
            assertThat(ok(me, "user", "list", "-f", "json").findValuesAsText("Name")).containsExactly(me.user());
            assertThat(refused(me, "role", "assignment", "list", "--names", "--project", "osc-stranger"))
                    .contains("osc-stranger").doesNotContain("osc-stranger-user");
        }
    }

    @Test
    void baremetalDriverCommands() throws Exception {
        for (Login me : List.of(ADMIN, owner)) {
            JsonNode list = ok(me, "baremetal", "driver", "list", "-f", "json");
            assertThat(list.findValuesAsText("Supported driver(s)")).containsExactlyInAnyOrder("fake-hardware", "ipmi", "redfish");
            JsonNode ipmi = ok(me, "baremetal", "driver", "show", "ipmi", "-f", "json");
            assertThat(ipmi.path("name").asText()).isEqualTo("ipmi");
            assertThat(ipmi.path("type").asText()).isEqualTo("dynamic");
            assertThat(ipmi.path("default_power_interface").asText()).isEqualTo("ipmitool");
            assertThat(ipmi.path("default_boot_interface").asText()).isEqualTo("ipxe");
        }
        JsonNode detailed = ok(owner, "baremetal", "driver", "list", "--long", "-f", "json");
        assertThat(detailed.findValuesAsText("Default Management Interface")).contains("redfish", "ipmitool", "fake");
        assertThat(refused(owner, "baremetal", "driver", "show", "no-such-driver")).contains("no-such-driver");
    }
}
