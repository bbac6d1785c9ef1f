package org.esi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's stock {@code openstack} client (python3-openstackclient, -ironicclient) run as one user of a
 * test server, configured the way a user would: OS_* variables for auth URL, user, password and project.
 * Without the client a test fails, or is skipped when ESI_SKIP_OPENSTACK_CLIENT_TESTS=1.
 */
public final class OpenStackCli {
    public static final Path OPENSTACK = Path.of("/usr/bin/openstack");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String authUrl;
    private final String user;
    private final String password;
    private final String projectId;
    private final Path home;

    public record Result(int code, String out, String err) {}

    private OpenStackCli(String authUrl, String user, String password, String projectId) throws IOException {
        this.authUrl = authUrl;
        this.user = user;
        this.password = password;
        this.projectId = projectId;
        this.home = Files.createTempDirectory("osc-home");
    }

    /** Aborts or fails the calling test when the client is missing. */
    public static void requireInstalled() {
        if (!Files.isExecutable(OPENSTACK)) {
            if ("1".equals(System.getenv("ESI_SKIP_OPENSTACK_CLIENT_TESTS"))) {
                org.junit.jupiter.api.Assumptions.abort("openstack client not installed and ESI_SKIP_OPENSTACK_CLIENT_TESTS=1");
            }
            throw new IllegalStateException("/usr/bin/openstack is missing: apt-get install python3-openstackclient python3-ironicclient "
                    + "(or set ESI_SKIP_OPENSTACK_CLIENT_TESTS=1)");
        }
    }

    public static OpenStackCli admin(TestingEsiServer server) throws IOException {
        return new OpenStackCli(server.url() + "/identity/v3", "admin", TestingEsiServer.ADMIN_PASSWORD, null);
    }

    /** A user made by {@link TestingEsiServer#userToken}, whose password that method chose. */
    public static OpenStackCli user(TestingEsiServer server, String userName, String projectId) throws IOException {
        return new OpenStackCli(server.url() + "/identity/v3", userName, "password-" + userName, projectId);
    }

    public Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(OPENSTACK.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("OS_"));
        env.put("HOME", home.toString());
        env.put("OS_AUTH_URL", authUrl);
        env.put("OS_USERNAME", user);
        env.put("OS_PASSWORD", password);
        env.put("OS_USER_DOMAIN_ID", "default");
        env.put("OS_PROJECT_DOMAIN_ID", "default");
        env.put("OS_IDENTITY_API_VERSION", "3");
        env.put("OS_INTERFACE", "public");
        if (projectId != null) {
            env.put("OS_PROJECT_ID", projectId);
        } else {
            env.put("OS_PROJECT_NAME", "admin");
        }
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openstack " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed; its standard output. */
    public String ok(String... args) throws Exception {
        Result r = run(args);
        assertThat(r.code()).as("openstack " + String.join(" ", args) + " (as " + user + ")\nstderr: " + r.err()).isZero();
        assertThat(r.err()).as("openstack " + String.join(" ", args)).doesNotContain("Traceback");
        return r.out();
    }

    /** Runs a command with {@code -f json} that must succeed; its output as JSON. */
    public JsonNode json(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-f", "json"));
        return JSON.readTree(ok(all.toArray(new String[0])));
    }

    /** Runs a command that must fail with words, not a traceback; its standard error. */
    public String fails(String... args) throws Exception {
        Result r = run(args);
        assertThat(r.code()).as("openstack " + String.join(" ", args) + " should fail\nstdout: " + r.out()).isNotZero();
        assertThat(r.err()).doesNotContain("Traceback");
        return r.err();
    }
}
