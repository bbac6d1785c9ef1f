package org.esi.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.esi.audit.AuditStore;
import org.esi.persistence.EmbeddedPostgres;
import org.esi.testing.ClaimLoad;
import org.esi.testing.LeasingSetup;
import org.esi.testing.TestingEsiServer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** {@code esi db backup} under load and {@code esi db restore} into a fresh data directory, on the embedded database. */
class BackupTest {
    record Run(int code, String out, String err) {}

    static Run db(Path dataDir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DbCommand.run(args, new PrintStream(out, true), new PrintStream(err, true),
                Map.of("ESI_DATA_DIR", dataDir.toString()));
        return new Run(code, out.toString(), err.toString());
    }

    static Path freshDir(String prefix) throws IOException {
        return Files.createTempDirectory(Path.of("/tmp"), prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))).resolve("data");
    }

    static Set<String> column(Connection c, String sql) throws Exception {
        Set<String> out = new HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void aBackupTakenUnderLoadRestoresEveryLeaseAndEventIntoAFreshDataDirectory() throws Exception {
        Path source = freshDir("esi-backup-src-");
        Path file = source.getParent().resolve("esi.backup");
        Set<String> leasesBefore;
        Set<String> eventsBefore;
        Set<String> leasesAfter;
        try (TestingEsiServer server = TestingEsiServer.embedded(source, Clock.systemUTC())) {
            LeasingSetup s = LeasingSetup.create(server, "backup");
            try (ClaimLoad load = new ClaimLoad(server.client(), s.lesseeToken(), s.offer(), 4)) {
                assertThat(load.awaitSuccesses(Instant.EPOCH, 30, Duration.ofSeconds(60))).isTrue();
                try (Connection c = DbCommand.runningEmbedded(source).orElseThrow()) {
                    leasesBefore = column(c, "select uuid from lease");
                    eventsBefore = column(c, "select id from event");
                }
                Instant backupStart = Instant.now();
                Run backup = db(source, "backup", file.toString());
                assertThat(backup.code()).as(backup.err()).isZero();
                assertThat(backup.out()).contains("Backed up").contains("schema version");
                // Claims went on while the dump was taken.
                assertThat(load.awaitSuccesses(backupStart, 5, Duration.ofSeconds(60))).isTrue();
            }
            try (Connection c = DbCommand.runningEmbedded(source).orElseThrow()) {
                leasesAfter = column(c, "select uuid from lease");
            }
        }
        assertThat(leasesAfter.size()).isGreaterThan(leasesBefore.size());
        // With the service stopped, backup starts the embedded database itself; the dump then has everything.
        Path quiet = source.getParent().resolve("quiet.backup");
        Run stopped = db(source, "backup", quiet.toString());
        assertThat(stopped.code()).as(stopped.err()).isZero();
        assertThat(org.esi.persistence.DatabaseBackup.manifest(quiet).path("tables").path("lease").path("rows").asLong())
                .isEqualTo(leasesAfter.size());

        Path target = freshDir("esi-backup-dst-");
        Run restore = db(target, "restore", file.toString());
        assertThat(restore.code()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("Restored");
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(target); Connection c = pg.connect(EmbeddedPostgres.DEFAULT_DATABASE)) {
            Set<String> leases = column(c, "select uuid from lease");
            assertThat(leases).containsAll(leasesBefore);
            assertThat(column(c, "select id from event")).containsAll(eventsBefore);
            // One snapshot: every lease in the dump has its creation event, and no event names a lease it lacks.
            assertThat(column(c, """
                    select l.uuid from lease l where not exists (select 1 from event e
                    where e.object_uuid = l.uuid and e.event_type = 'esi_leap.lease.create')""")).isEmpty();
            assertThat(column(c, """
                    select e.id from event e where e.object_type = 'lease'
                    and not exists (select 1 from lease l where l.uuid = e.object_uuid)""")).isEmpty();
            AuditStore.Verification v = new AuditStore(Jdbi.create(pg.jdbcUrl(EmbeddedPostgres.DEFAULT_DATABASE), pg.user(), pg.password()))
                    .verify();
            assertThat(v.ok()).as(String.valueOf(v.reason())).isTrue();
            assertThat(v.checked()).isGreaterThanOrEqualTo(leasesBefore.size());
        }

        Run again = db(target, "restore", file.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already holds a database").contains("--force");
        assertThat(db(target, "restore", file.toString(), "--force").code()).isZero();

        // The restored directory serves, with the source's key (kept beside the dump, as the docs say).
        Files.copy(source.resolve("secret.key"), target.resolve("secret.key"));
        try (TestingEsiServer restored = TestingEsiServer.embedded(target, Clock.systemUTC())) {
            String admin = restored.adminToken();
            String one = leasesBefore.iterator().next();
            assertThat(restored.client().get("/lease/v1/leases/" + one, admin).expect(200).json().path("uuid").asText()).isEqualTo(one);
        }
    }

    @Test
    void restoreRefusesWhatIsNoBackup() throws Exception {
        Path target = freshDir("esi-backup-bad-");
        Path bogus = target.getParent().resolve("not-a-backup");
        Files.writeString(bogus, "hello");
        Run r = db(target, "restore", bogus.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is not an ESI backup");
        assertThat(Files.exists(target.resolve("pgdata"))).isFalse();
    }
}
