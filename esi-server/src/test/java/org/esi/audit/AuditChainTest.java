package org.esi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.persistence.BeforeCommit;
import org.esi.persistence.Database;
import org.esi.persistence.DatabaseTimeouts;
import org.esi.testing.SharedPostgres;
import org.junit.jupiter.api.Test;

/** The chain itself: appends from several instances, the pending path, and the retention purge. */
class AuditChainTest {
    static Database connect(String url) {
        var pg = SharedPostgres.get();
        return Database.connect(url, Optional.of(pg.user()), Optional.of(pg.password()), 8, DatabaseTimeouts.DEFAULTS);
    }

    static AuditEntry entry(Instant at, String user) {
        return new AuditEntry(at, "u-" + user, user, "p1", List.of("member"), "POST", "/x/{id}", "x", user, 201, "success",
                AuditContext.newRequestId(), "127.0.0.1");
    }

    @Test
    void appendsFromTwoInstancesAtOnceFormOneGaplessChain() throws Exception {
        String url = SharedPostgres.newDatabase();
        int threadsPerInstance = 6;
        int each = 40;
        try (Database a = connect(url); Database b = connect(url)) {
            List<AuditStore> instances = List.of(new AuditStore(a.jdbi()), new AuditStore(b.jdbi()));
            ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerInstance);
            List<Future<?>> done = new ArrayList<>();
            for (AuditStore store : instances) {
                for (int t = 0; t < threadsPerInstance; t++) {
                    String who = "t" + done.size();
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < each; i++) {
                            store.seal(Optional.empty(), entry(Instant.now(), who));
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            AuditStore.Verification v = instances.get(0).verify();
            assertThat(v.ok()).as(v.reason()).isTrue();
            assertThat(v.checked()).isEqualTo(2L * threadsPerInstance * each);
            assertThat(v.lastId()).isEqualTo(2L * threadsPerInstance * each);
        }
    }

    @Test
    void aPendingRecordExistsExactlyWhenItsTransactionCommitted() {
        String url = SharedPostgres.newDatabase();
        try (Database db = connect(url)) {
            AuditStore store = new AuditStore(db.jdbi());
            BeforeCommit.set(h -> store.pending(h, UUID.randomUUID(), entry(Instant.now(), "rolled-back")));
            try {
                assertThatThrownBy(() -> db.jdbi().useTransaction(h -> {
                    h.execute("select 1");
                    throw new IllegalStateException("the change failed");
                })).hasMessage("the change failed");
                BeforeCommit.set(h -> store.pending(h, UUID.randomUUID(), entry(Instant.now(), "committed")));
                db.jdbi().useTransaction(h -> h.execute("select 1"));
            } finally {
                BeforeCommit.clear();
            }
            List<String> pending = db.jdbi().withHandle(h ->
                    h.createQuery("select record->>'user_name' from audit_pending").mapTo(String.class).list());
            assertThat(pending).containsExactly("committed");
            // The instance that wrote it never answered: the audit loop seals it as unknown.
            assertThat(store.sealAbandoned(Instant.now().plusSeconds(1))).isEqualTo(1);
            List<AuditRecord> records = store.list(new AuditStore.Filter(Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10));
            assertThat(records).singleElement().satisfies(r -> {
                assertThat(r.entry().userName()).isEqualTo("committed");
                assertThat(r.entry().outcome()).isEqualTo("unknown");
                assertThat(r.entry().status()).isNull();
            });
            assertThat(store.verify().ok()).isTrue();
        }
    }

    @Test
    void purgeKeepsTheRestVerifiable() {
        String url = SharedPostgres.newDatabase();
        try (Database db = connect(url)) {
            AuditStore store = new AuditStore(db.jdbi());
            Instant old = Instant.now().minus(Duration.ofDays(400));
            for (int i = 0; i < 5; i++) {
                store.seal(Optional.empty(), entry(old.plusSeconds(i), "old" + i));
            }
            for (int i = 0; i < 3; i++) {
                store.seal(Optional.empty(), entry(Instant.now(), "new" + i));
            }
            AuditRecord fifth = store.record(5).orElseThrow();
            assertThat(store.purgeBefore(Instant.now().minus(Duration.ofDays(365)))).isEqualTo(5);
            AuditStore.Verification v = store.verify();
            assertThat(v.ok()).as(v.reason()).isTrue();
            assertThat(v.checked()).isEqualTo(3);
            assertThat(store.record(6).orElseThrow().prevHash()).isEqualTo(fifth.hash());
            // Deleting outside the purge is still refused.
            assertThatThrownBy(() -> db.jdbi().useHandle(h -> h.execute("delete from audit_record where id = 6")))
                    .hasMessageContaining("append-only");
            store.seal(Optional.empty(), entry(Instant.now(), "after-purge"));
            assertThat(store.verify().ok()).isTrue();
        }
    }
}
