package org.esi.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.Connection;
import java.util.Optional;
import org.esi.persistence.Database;
import org.esi.persistence.DatabaseTimeouts;
import org.esi.persistence.EmbeddedPostgres;
import org.esi.testing.SharedPostgres;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a client is told when the database connection dies inside a transaction: before COMMIT nothing
 * was changed; during COMMIT nobody knows, and the answer must say so instead of "nothing was changed".
 */
class CommitPhaseTest {
    static Database db;

    @BeforeAll
    static void connect() {
        EmbeddedPostgres pg = SharedPostgres.get();
        db = Database.connect(SharedPostgres.newDatabase(), Optional.of(pg.user()), Optional.of(pg.password()), 2,
                DatabaseTimeouts.DEFAULTS);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    /** Ends this handle's server session from another connection, as a restart or a crash would. */
    private static void killSession(Handle h) throws Exception {
        int pid = h.createQuery("select pg_backend_pid()").mapTo(Integer.class).one();
        try (Connection other = db.dataSource().getConnection()) {
            other.createStatement().execute("select pg_terminate_backend(" + pid + ")");
        }
    }

    @Test
    void aConnectionLostBeforeCommitIsA503SayingNothingChanged() {
        Throwable thrown = catchThrowable(() -> db.jdbi().useTransaction(h -> {
            h.execute("create temporary table scratch (n int)");
            killSession(h);
            h.execute("insert into scratch values (1)");
        }));
        ApiException answer = DatabaseOutage.asApiError(thrown).orElseThrow();
        assertThat(answer.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(answer.getMessage()).contains("nothing was changed").doesNotContain("may or may not");
    }

    @Test
    void aConnectionLostDuringCommitIsA503SayingTheOutcomeIsUnknown() {
        Throwable thrown = catchThrowable(() -> db.jdbi().useTransaction(h -> {
            h.execute("create temporary table scratch (n int)");
            h.execute("insert into scratch values (1)");
            killSession(h);
        }));
        ApiException answer = DatabaseOutage.asApiError(thrown).orElseThrow();
        assertThat(answer.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(answer.getMessage()).contains("may or may not").contains("Idempotency-Key").doesNotContain("nothing was changed");
    }

    @Test
    void aBugIsNotAnOutage() {
        Throwable thrown = catchThrowable(() -> db.jdbi().useHandle(h -> h.execute("select no_such_column from pg_class")));
        assertThat(DatabaseOutage.asApiError(thrown)).isEmpty();
    }
}
