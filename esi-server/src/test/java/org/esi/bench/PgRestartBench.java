package org.esi.bench;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.esi.testing.ClaimLoad;
import org.esi.testing.LeasingSetup;
import org.esi.testing.OwnPostgres;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * What a PostgreSQL fast restart costs clients: claims from {@code ESI_BENCH_THREADS} (default 8) threads
 * without pause, {@code ESI_BENCH_RESTARTS} (default 3) restarts. Per restart it prints how many requests
 * failed, how long PostgreSQL was away, and the recovery time from the restart to the first successful
 * claim after it. Not part of the test suite; run with bench/pg-restart.sh.
 */
class PgRestartBench {
    @Test
    void claimsThroughPostgresFastRestarts() throws Exception {
        int threads = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_THREADS", "8"));
        int restarts = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_RESTARTS", "3"));
        try (OwnPostgres own = new OwnPostgres();
             TestingEsiServer server = TestingEsiServer.start(own.serverSettings("5s"), Clock.systemUTC())) {
            LeasingSetup setup = LeasingSetup.create(server, "bench-restart");
            try (ClaimLoad load = new ClaimLoad(server.client(), setup.lesseeToken(), setup.offer(), threads)) {
                load.awaitSuccesses(Instant.EPOCH, 50, Duration.ofSeconds(60));
                for (int i = 1; i <= restarts; i++) {
                    Instant begin = Instant.now();
                    own.postgres().restartFast();
                    Instant ready = Instant.now();
                    load.awaitSuccesses(ready, 1, Duration.ofSeconds(60));
                    Instant firstSuccess = load.answers().stream().filter(a -> a.status() == 201 && a.at().isAfter(ready))
                            .map(ClaimLoad.Answer::at).min(Instant::compareTo).orElse(null);
                    load.awaitSuccesses(ready, 50, Duration.ofSeconds(60)); // steady again before the next restart
                    List<ClaimLoad.Answer> during = load.answers().stream()
                            .filter(a -> !a.at().isBefore(begin) && (firstSuccess == null || !a.at().isAfter(firstSuccess))).toList();
                    System.out.printf("pg-restart: restart %d: %d requests during it, %d failed (%d x 503 nothing changed, %d x 503 outcome "
                                    + "unknown, %d x 500, %d other); postgres away %d ms; recovery (restart -> first success) %s ms%n",
                            i, during.size(), during.stream().filter(a -> a.status() != 201).count(),
                            during.stream().filter(a -> a.status() == 503 && !a.outcomeUnknown()).count(),
                            during.stream().filter(a -> a.status() == 503 && a.outcomeUnknown()).count(),
                            during.stream().filter(a -> a.status() == 500).count(),
                            during.stream().filter(a -> a.status() != 201 && a.status() != 503 && a.status() != 500).count(),
                            Duration.between(begin, ready).toMillis(),
                            firstSuccess == null ? "none within 60 s" : Long.toString(Duration.between(begin, firstSuccess).toMillis()));
                }
                load.close();
                List<ClaimLoad.Answer> all = load.answers();
                System.out.printf("pg-restart: total %d claims from %d threads, %d x 201, %d x 503, %d x 500%n", all.size(), threads,
                        all.stream().filter(a -> a.status() == 201).count(), all.stream().filter(a -> a.status() == 503).count(),
                        all.stream().filter(a -> a.status() == 500).count());
            }
        }
    }
}
