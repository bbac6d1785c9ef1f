package org.esi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.server.ConfigLoader;
import org.esi.server.EsiConfig;
import org.esi.server.EsiServer;

/**
 * A real ESI server for end-to-end tests: real HTTP on a free port, a fresh database in the shared
 * real PostgreSQL, the admin bootstrapped with a known password. Use {@link #sharing} to start a
 * second instance on the same database and key.
 */
public final class TestingEsiServer implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "admin-password-1";

    private final EsiServer server;
    private final Path dataDir;
    private final String jdbcUrl;
    private final TestClient client;

    private TestingEsiServer(EsiServer server, Path dataDir, String jdbcUrl) {
        this.server = server;
        this.dataDir = dataDir;
        this.jdbcUrl = jdbcUrl;
        this.client = new TestClient(server.url());
    }

    public static TestingEsiServer start() {
        return start(Map.of(), Clock.systemUTC());
    }

    public static TestingEsiServer start(Map<String, String> settings, Clock clock) {
        return start(settings, clock, new FakeHardwareDriver(clock), SWITCHES_BY_DEFAULT);
    }

    /** With a chosen fake-hardware driver and switch drivers (e.g. a recording switch for API tests). */
    public static TestingEsiServer start(Map<String, String> settings, Clock clock, FakeHardwareDriver hardware,
                                         java.util.List<org.esi.spi.net.SwitchDriver> switches) {
        try {
            Path dataDir = Files.createTempDirectory("esi-test-server-");
            return start(dataDir, SharedPostgres.newDatabase(), settings, clock, hardware, switches);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Another instance on the same database and secret key, as a second node of a deployment. */
    public static TestingEsiServer sharing(TestingEsiServer other, Clock clock) {
        return sharing(other, Map.of(), clock);
    }

    /** The same with settings of its own, e.g. the autoscaler listener's with the ids of projects the first one made. */
    public static TestingEsiServer sharing(TestingEsiServer other, Map<String, String> settings, Clock clock) {
        // Same database, same machines: the fake BMCs are the hardware both instances drive.
        return start(other.dataDir, other.jdbcUrl, settings, clock, other.fakeHardware(), SWITCHES_BY_DEFAULT);
    }

    /**
     * Another instance on the same database with its own fake-hardware driver, as a second host has: the
     * machines' state must then come from the database, not from a driver object both happen to share.
     */
    public static TestingEsiServer sharingOwnHardware(TestingEsiServer other, Map<String, String> settings, Clock clock) {
        return start(other.dataDir, other.jdbcUrl, settings, clock, new FakeHardwareDriver(clock), SWITCHES_BY_DEFAULT);
    }

    private static final java.util.List<org.esi.spi.net.SwitchDriver> SWITCHES_BY_DEFAULT = java.util.List.of();

    /**
     * A server on its own embedded PostgreSQL in {@code dataDir}, as the default deployment runs (backup tests);
     * the directory's ancestors must be traversable by the unprivileged PostgreSQL user (e.g. under /tmp, 0755).
     */
    public static TestingEsiServer embedded(Path dataDir, Clock clock) {
        return start(dataDir, null, Map.of(), clock, new FakeHardwareDriver(clock), SWITCHES_BY_DEFAULT);
    }

    private static TestingEsiServer start(Path dataDir, String jdbcUrl, Map<String, String> settings, Clock clock,
                                          FakeHardwareDriver hardware, java.util.List<org.esi.spi.net.SwitchDriver> switches) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ESI_LISTEN_PORT", "0");
        env.put("ESI_DATA_DIR", dataDir.toString());
        if (jdbcUrl != null) {
            env.put("ESI_DATABASE_URL", jdbcUrl);
            env.put("ESI_DATABASE_USER", SharedPostgres.get().user());
            env.put("ESI_DATABASE_PASSWORD", SharedPostgres.get().password());
        }
        env.put("ESI_DATABASE_POOL_SIZE", "8");
        env.put("ESI_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.putAll(settings);
        EsiConfig config = ConfigLoader.load(Optional.empty(), env);
        try {
            EsiServer server = EsiServer.start(config, new EsiServer.Tuning(clock, 1_000, hardware, switches));
            return new TestingEsiServer(server, dataDir, jdbcUrl);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return server.url();
    }

    /** The server's data directory (data.dir), e.g. to put the agent image where the service looks for it. */
    public Path dataDir() {
        return dataDir;
    }

    public EsiServer server() {
        return server;
    }

    /** The in-memory machines behind this server's fake-hardware nodes, to inspect and to make fail. */
    public FakeHardwareDriver fakeHardware() {
        return server.fakeHardware();
    }

    public TestClient client() {
        return client;
    }

    /** A token of the bootstrap admin, scoped to project admin. */
    public String adminToken() {
        return client.login("admin", ADMIN_PASSWORD, "admin");
    }

    /** Creates a project (optionally below a parent) and returns its id. */
    public String createProject(String name, String parentId) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        if (parentId != null) {
            p.put("parent_id", parentId);
        }
        TestClient.Response r = client.post("/identity/v3/projects", adminToken(), Map.of("project", p));
        r.expect(201);
        return r.json().path("project").path("id").asText();
    }

    /** Creates a user holding {@code roles} on {@code projectId}; returns a token scoped there. */
    public String userToken(String userName, String projectId, String... roles) {
        String admin = adminToken();
        TestClient.Response r = client.post("/identity/v3/users", admin,
                Map.of("user", Map.of("name", userName, "password", "password-" + userName, "default_project_id", projectId)));
        r.expect(201);
        String userId = r.json().path("user").path("id").asText();
        for (String role : roles) {
            client.put("/identity/v3/projects/" + projectId + "/users/" + userId + "/roles/" + role, admin, null).expect(204);
        }
        return client.login(userName, "password-" + userName, projectId);
    }

    public JsonNode adminGet(String path) {
        return client.get(path, adminToken()).expect(200).json();
    }

    @Override
    public void close() {
        server.close();
        // Instances started with sharing() use the first one's directory; a restarted instance may
        // reuse it, so the directory is left to the JVM's end.
        dataDirs.add(dataDir);
    }

    private static final java.util.Set<Path> dataDirs = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dataDirs.forEach(TestingEsiServer::deleteQuietly)));
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: it is a temporary directory
        }
    }
}
