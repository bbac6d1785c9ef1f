package org.esi.market;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * Priced claims against free ones, one server, one database: {@code ESI_BENCH_CLAIMANTS} (16) lessee projects claim
 * at once, each its own offer, {@code ESI_BENCH_CLAIMS} (300) one-hour windows each, through
 * {@code POST /lease/v1/offers/{id}/claim}. Rounds alternate free, priced, free, priced so a drift of the machine shows
 * in both; the figures are the better round of each. A priced claim writes a hold: one ledger transaction of two
 * entries (postings), in the claim's own transaction. Not part of the test suite: {@code bench/market.sh}.
 */
class LedgerClaimBench {
    static final int CLAIMANTS = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_CLAIMANTS", "16"));
    static final int CLAIMS = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_CLAIMS", "300"));

    @Test
    void pricedAgainstFreeClaims() throws Exception {
        try (TestingEsiServer server = TestingEsiServer.start()) {
            TestClient http = server.client();
            String admin = server.adminToken();
            String ownerProject = server.createProject("bench-owner", null);
            String owner = server.userToken("bench-owner-user", ownerProject, "owner");
            List<String> lessees = new ArrayList<>();
            for (int i = 0; i < CLAIMANTS; i++) {
                String p = server.createProject("bench-lessee-" + i, null);
                http.post("/market/v1/accounts/" + p + "/grants", admin, Map.of("amount", "1000000")).expect(201);
                lessees.add(server.userToken("bench-lessee-" + i + "-user", p, "lessee"));
            }
            double[] free = new double[2];
            double[] priced = new double[2];
            long postings = 0;
            double postingSeconds = Double.MAX_VALUE;
            for (int round = 0; round < 4; round++) {
                boolean isPriced = round % 2 == 1;
                List<String> offers = new ArrayList<>();
                for (int i = 0; i < CLAIMANTS; i++) {
                    String node = "bench-" + round + "-" + i;
                    http.post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
                    offers.add(http.post("/lease/v1/offers", owner, isPriced ? Map.of("resource_uuid", node, "price", "1.5")
                            : Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText());
                }
                long entriesBefore = entries(server);
                double seconds = run(http, lessees, offers, round);
                double rate = CLAIMANTS * CLAIMS / seconds;
                if (isPriced) {
                    priced[round / 2] = rate;
                    if (seconds < postingSeconds) {
                        postingSeconds = seconds;
                        postings = entries(server) - entriesBefore;
                    }
                } else {
                    free[round / 2] = rate;
                }
                System.out.printf("ledger: round %d (%s): %d claims in %.2f s, %.0f claims/s%n", round, isPriced ? "priced" : "free",
                        CLAIMANTS * CLAIMS, seconds, rate);
            }
            double bestFree = Arrays.stream(free).max().orElseThrow();
            double bestPriced = Arrays.stream(priced).max().orElseThrow();
            System.out.printf("ledger: %d concurrent claimants: priced %.0f claims/s, free %.0f claims/s (ratio %.2f);"
                            + " %.0f ledger postings/s (%d entries, %d holds)%n",
                    CLAIMANTS, bestPriced, bestFree, bestPriced / bestFree, postings / postingSeconds, postings, postings / 2);
        }
    }

    private static long entries(TestingEsiServer server) {
        return server.server().database().jdbi().withHandle(h -> h.createQuery("select count(*) from market_entry").mapTo(Long.class).one());
    }

    /** Every claimant claims CLAIMS consecutive one-hour windows of its own offer; the seconds until all are done. */
    private static double run(TestClient http, List<String> lessees, List<String> offers, int round) throws Exception {
        Instant base = Instant.now().plus(Duration.ofDays(30L * (round + 1))).truncatedTo(ChronoUnit.HOURS);
        ExecutorService pool = Executors.newFixedThreadPool(lessees.size());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < lessees.size(); i++) {
                String token = lessees.get(i);
                String offer = offers.get(i);
                done.add(pool.submit(() -> {
                    go.await();
                    for (int k = 0; k < CLAIMS; k++) {
                        Instant s = base.plus(Duration.ofHours(k));
                        http.post("/lease/v1/offers/" + offer + "/claim", token,
                                Map.of("start_time", s.toString(), "end_time", s.plus(Duration.ofHours(1)).toString())).expect(201);
                    }
                    return null;
                }));
            }
            long t = System.nanoTime();
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            return (System.nanoTime() - t) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }
}
