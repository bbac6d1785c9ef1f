package org.esi.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One cluster for the whole class (initdb costs seconds); tests that restart it reassign {@link #pg}. Runs as root in
 * CI, so the base directory is created under /tmp with mode 0755 rather than via @TempDir (0700), which the
 * unprivileged postgres user could not traverse.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedPostgresTest {

    private static Path base;
    private static Path dataDir;
    private static EmbeddedPostgres pg;

    @BeforeAll
    static void startCluster() throws IOException {
        base = Files.createTempDirectory(Path.of("/tmp"), "esi-pg-test-");
        Files.setPosixFilePermissions(base, PostgresBinaries.permissions(0755));
        dataDir = base.resolve("data");
        pg = EmbeddedPostgres.start(dataDir);
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (pg != null) {
            pg.close();
        }
        PostgresBinaries.deleteRecursively(base);
    }

    @Test
    @Order(1)
    void startsWithDefaultDatabaseAndSafeLayout() throws Exception {
        assertThat(pg.user()).isEqualTo("esi");
        assertThat(pg.jdbcUrl("esi")).isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/esi?user=esi")
                .doesNotContain(pg.password());
        try (Connection c = pg.connect("esi"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user, current_database(), current_setting('server_version'),"
                        + " current_setting('listen_addresses'), current_setting('unix_socket_directories'),"
                        + " current_setting('fsync'), current_setting('max_connections')")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("esi");
            assertThat(rs.getString(2)).isEqualTo("esi");
            assertThat(rs.getString(3)).startsWith("17.2");
            assertThat(rs.getString(4)).isEqualTo("127.0.0.1");
            assertThat(rs.getString(5)).isEmpty();
            assertThat(rs.getString(6)).isEqualTo("on");
            assertThat(rs.getString(7)).isEqualTo("200");
        }
        assertThat(mode(dataDir.resolve("postgres.password"))).isEqualTo(0600);
        assertThat(mode(dataDir.resolve("pgdata"))).isEqualTo(0700);
        assertThat(Files.readString(pg.logFile())).contains("database system is ready to accept connections");
        assertThat(Path.of("/tmp/.s.PGSQL." + pg.port())).doesNotExist();
        if (EmbeddedPostgres.runningAsRoot()) {
            assertThat(Files.getAttribute(dataDir.resolve("pgdata"), "unix:uid")).isEqualTo(65534);
            assertThat(processEffectiveUid(pg.pidForTest())).isEqualTo("65534");
        }
    }

    @Test
    @Order(2)
    void wrongPasswordIsRejected() {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", "esi");
        props.setProperty("password", "not-the-password");
        assertThatThrownBy(() -> new org.postgresql.Driver()
                .connect("jdbc:postgresql://127.0.0.1:" + pg.port() + "/esi", props).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
    }

    @Test
    @Order(3)
    void twoDatabasesAreSeparate() throws Exception {
        pg.createDatabaseIfMissing("alpha");
        pg.createDatabaseIfMissing("beta");
        pg.createDatabaseIfMissing("alpha"); // idempotent
        try (Connection a = pg.connect("alpha"); Statement st = a.createStatement()) {
            st.execute("CREATE TABLE only_in_alpha (id int)");
        }
        try (Connection b = pg.connect("beta"); Statement st = b.createStatement();
                ResultSet rs = st.executeQuery("SELECT to_regclass('only_in_alpha') IS NULL")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
        assertThatThrownBy(() -> pg.createDatabaseIfMissing("bad\"name")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Order(4)
    void secondStartOnRunningDataDirFailsAndLeavesFirstRunning() throws Exception {
        assertThatThrownBy(() -> EmbeddedPostgres.start(dataDir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("already in use");
        assertThat(selectOne(pg, "esi")).isEqualTo(1);
    }

    @Test
    @Order(5)
    void dataSurvivesRestart() throws Exception {
        pg.createDatabaseIfMissing("persist");
        try (Connection c = pg.connect("persist"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kv (k text PRIMARY KEY, v text)");
            st.execute("INSERT INTO kv VALUES ('answer', '42')");
        }
        int port = pg.port();
        long pid = pg.pidForTest();
        pg.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

        pg = EmbeddedPostgres.start(dataDir);
        assertThat(pg.port()).isEqualTo(port); // reused because it was still free
        assertThat(value(pg, "answer")).isEqualTo("42");
    }

    @Test
    @Order(6)
    void orphanLeftByDeadJvmIsStoppedAndReplaced() throws Exception {
        try (Connection c = pg.connect("persist"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO kv VALUES ('orphan', 'yes')");
        }
        long orphanPid = pg.pidForTest();
        pg.abandonForTest(); // as if the JVM had been killed with -9: lock gone, postmaster still running
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isTrue();

        pg = EmbeddedPostgres.start(dataDir);
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(pg.pidForTest()).isNotEqualTo(orphanPid);
        assertThat(value(pg, "orphan")).isEqualTo("yes");
    }

    @Test
    @Order(7)
    void failedStartReportsServerLogTail() throws Exception {
        pg.close();
        pg = null;
        Path conf = dataDir.resolve("pgdata/postgresql.conf");
        String original = Files.readString(conf);
        try {
            Files.writeString(conf, original + "\nshared_buffers = 'not a size'\n");
            assertThatThrownBy(() -> EmbeddedPostgres.start(dataDir))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("exited during startup")
                    .hasMessageContaining("shared_buffers");
        } finally {
            Files.writeString(conf, original);
        }
        // The failed attempt released the data directory: a normal start works again.
        pg = EmbeddedPostgres.start(dataDir);
        assertThat(value(pg, "answer")).isEqualTo("42");
    }

    @Test
    @Order(8)
    void rootWithUntraversableAncestorFailsWithClearMessage() throws Exception {
        Assumptions.assumeTrue(EmbeddedPostgres.runningAsRoot(), "only relevant when the JVM runs as root");
        Path privateDir = Files.createTempDirectory(Path.of("/tmp"), "esi-pg-private-");
        try {
            Files.setPosixFilePermissions(privateDir, PostgresBinaries.permissions(0700));
            assertThatThrownBy(() -> EmbeddedPostgres.start(privateDir.resolve("data")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(privateDir.toString())
                    .hasMessageContaining("not traversable")
                    .hasMessageContaining("/var/lib/esi");
            assertThat(mode(privateDir)).isEqualTo(0700); // we did not chmod it behind the user's back
        } finally {
            PostgresBinaries.deleteRecursively(privateDir);
        }
    }

    private static int selectOne(EmbeddedPostgres server, String db) throws SQLException {
        try (Connection c = server.connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String value(EmbeddedPostgres server, String key) throws SQLException {
        try (Connection c = server.connect("persist");
                var ps = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 0777;
    }

    private static String processEffectiveUid(long pid) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "status"))) {
            return lines.filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2];
        }
    }
}
