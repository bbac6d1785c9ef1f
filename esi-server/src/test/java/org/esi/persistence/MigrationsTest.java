package org.esi.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.esi.testing.SharedPostgres;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Migrations go forward only, in any order the version numbers were handed out in, and never onto a newer schema. */
class MigrationsTest {
    static Database connect(String url) {
        var pg = SharedPostgres.get();
        return Database.connect(url, Optional.of(pg.user()), Optional.of(pg.password()), 2, DatabaseTimeouts.DEFAULTS);
    }

    @Test
    void aDatabaseAlreadyPastAVersionStillGetsThatVersion() {
        String url = SharedPostgres.newDatabase();
        try (Database db = connect(url)) {
            // As a database migrated by a build without V16 (the audit trail) but with V18 and V19 is.
            db.jdbi().useHandle(h -> {
                h.execute("drop table audit_record, audit_chain_head, audit_pending");
                h.execute("drop function audit_record_append_only, audit_record_no_truncate");
                h.execute("delete from flyway_schema_history where version = '16'");
            });
            assertThat(versions(db.jdbi())).contains("18", "19").doesNotContain("16");
        }
        try (Database db = connect(url)) {
            assertThat(versions(db.jdbi())).contains("16", "18", "19");
            int heads = db.jdbi().withHandle(h -> h.createQuery("select count(*) from audit_chain_head").mapTo(Integer.class).one());
            assertThat(heads).isEqualTo(1);
        }
    }

    @Test
    void aSchemaNewerThanThisBuildRefusesToStart() throws Exception {
        String url = SharedPostgres.newDatabase();
        try (Database db = connect(url)) {
            db.jdbi().useHandle(h -> h.execute("""
                    insert into flyway_schema_history (installed_rank, version, description, type, script, checksum,
                        installed_by, execution_time, success)
                    values (1000, '999', 'from a newer esi', 'SQL', 'V999__from_a_newer_esi.sql', 0, 'esi', 1, true)"""));
        }
        assertThatThrownBy(() -> connect(url)).isInstanceOf(Database.SchemaTooNewException.class)
                .hasMessageContaining("version(s) 999 that this ESI does not know")
                .hasMessageContaining("it was migrated by a newer ESI");
        // What the operator sees from esi serve, which exits instead of serving.
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        var pg = SharedPostgres.get();
        int code = org.esi.server.ServeCommand.run(new String[0], new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err, true), Map.of("ESI_DATABASE_URL", url, "ESI_DATABASE_USER", pg.user(),
                        "ESI_DATABASE_PASSWORD", pg.password(), "ESI_LISTEN_PORT", "0", "ESI_ADMIN_PASSWORD", "x-admin-pw-1",
                        "ESI_DATA_DIR", java.nio.file.Files.createTempDirectory("esi-newer-").toString()));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("esi serve: cannot start: The database schema has version(s) 999")
                .contains("(it knows up to ").contains("restore a backup taken before the upgrade");
    }

    static List<String> versions(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("select version from flyway_schema_history where success").mapTo(String.class).list());
    }
}
