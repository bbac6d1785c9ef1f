package org.esi.bench;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.esi.audit.AuditEntry;
import org.esi.audit.AuditStore;
import org.esi.testing.LeasingSetup;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * What the audit trail costs a state-changing request, in one run on one database: the mean latency of a claim
 * (which includes its audit work) against the mean time of that audit work alone (the pending insert plus the seal
 * transaction), sequentially and from {@code ESI_BENCH_THREADS} (default 8) threads. Measured parts, not an on/off
 * run: the service has no switch to turn the trail off.
 * Not part of the test suite: {@code mvn ... -Dtest=AuditCostBench}.
 */
class AuditCostBench {
    static final int N = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_REQUESTS", "400"));
    static final int THREADS = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_THREADS", "8"));

    @Test
    void claimVersusItsAuditWork() throws Exception {
        try (TestingEsiServer server = TestingEsiServer.start()) {
            LeasingSetup s = LeasingSetup.create(server, "bench-audit");
            AuditStore store = new AuditStore(server.server().database().jdbi());
            Instant base = Instant.now().plus(Duration.ofDays(2));
            AtomicInteger seq = new AtomicInteger();
            Runnable claim = () -> {
                Instant start = base.plus(Duration.ofHours(seq.incrementAndGet()));
                server.client().post("/lease/v1/offers/" + s.offer() + "/claim", s.lesseeToken(),
                        Map.of("start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201);
            };
            Runnable audit = () -> {
                UUID id = UUID.randomUUID();
                AuditEntry e = new AuditEntry(Instant.now(), "u", "bench", "p", List.of("lessee"), "POST",
                        "/lease/v1/offers/{id}/claim", "offers", s.offer(), null, "unknown", "req-" + id, "127.0.0.1");
                // In a request the pending insert rides the change's own commit; here it needs a commit of its own,
                // which is not the request's cost, so that commit is asynchronous (no WAL flush wait) like the seal's.
                store.jdbi().useTransaction(h -> {
                    h.execute("set local synchronous_commit = off");
                    store.pending(h, id, e);
                });
                store.seal(Optional.of(id), e.answered(201));
            };
            for (int i = 0; i < 50; i++) { // warm-up
                claim.run();
                audit.run();
            }
            for (int threads : new int[] {1, THREADS}) {
                double claimMs = meanMillis(claim, threads);
                double auditMs = meanMillis(audit, threads);
                System.out.printf("audit-cost: %d thread(s): claim %.2f ms per request (audit included), audit work alone %.2f ms"
                        + " = %.1f %% of a claim%n", threads, claimMs, auditMs, 100 * auditMs / claimMs);
            }
        }
    }

    /** Wall time per request with {@code threads} clients sending N requests in all. */
    static double meanMillis(Runnable r, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger left = new AtomicInteger(N);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    r.run();
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e6 / N * threads;
    }
}
