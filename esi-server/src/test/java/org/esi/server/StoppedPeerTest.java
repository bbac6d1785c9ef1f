package org.esi.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.esi.testing.LeaseRowHolder;
import org.esi.testing.LeasingSetup;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * Another process on the same database stops (SIGSTOP) while it holds lease rows locked. This instance
 * must keep serving: requests on those leases get a quick 503, everything else works, no request gets a
 * 500 or drains the pool, and once PostgreSQL ends the stopped session the lifecycle catches up.
 */
class StoppedPeerTest {
    /** The peer's idle-in-transaction bound: long enough for the burst below to meet the lock, short for the test. */
    static final String PEER_IDLE_TIMEOUT = "12s";

    @Test
    void lockedLeasesAnswer503UntilPostgresEndsTheStoppedSessionThenTheLifecycleRunsThem() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestingEsiServer a = TestingEsiServer.start(Map.of("ESI_DATABASE_LOCK_TIMEOUT", "1s", "ESI_DATABASE_POOL_WAIT", "2s"),
                clock)) {
            LeasingSetup setup = LeasingSetup.create(a, "stopped-peer");
            TestClient http = a.client();
            Instant start = clock.instant().plus(Duration.ofHours(1));
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String offer = setup.offerAnotherNode(a, "held-node-" + i);
                held.add(claim(http, setup.lesseeToken(), offer, "held-" + i, start.plus(Duration.ofMinutes(i)), start.plus(Duration.ofHours(2))));
            }
            Process peer = startHolder(a, held);
            try {
                awaitLine(peer, "LOCKED");
                signal(peer, "STOP");
                clock.advance(Duration.ofMinutes(90)); // the held leases are due to start now
                a.server().scheduler().wake();

                ExecutorService pool = Executors.newFixedThreadPool(24);
                List<Future<TestClient.Response>> onHeld = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    String lease = held.get(i % held.size());
                    onHeld.add(pool.submit(() -> http.patch("/lease/v1/leases/" + lease, setup.ownerToken(),
                            Map.of("end_time", start.plus(Duration.ofHours(3)).toString()))));
                }
                List<String> reasons = new ArrayList<>();
                for (Future<TestClient.Response> f : onHeld) {
                    TestClient.Response r = f.get(60, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.body()).isEqualTo(503);
                    assertThat(r.header("Retry-After")).isNotBlank();
                    reasons.add(r.json().path("faultstring").asText());
                }
                // More requests than connections: those that meet the lock say so, those queued behind them
                // give up on the pool wait; both are bounded and both changed nothing.
                assertThat(reasons).allSatisfy(m -> assertThat(m).contains("nothing was changed"))
                        .anySatisfy(m -> assertThat(m).contains("locked by another"));
                pool.shutdown();
                // Still held (the peer's session has not timed out yet): what does not touch those rows works.
                String unrelated = claim(http, setup.lesseeToken(), setup.offer(), "unrelated", start.plus(Duration.ofDays(1)), start.plus(Duration.ofDays(2)));
                http.get("/lease/v1/leases/" + unrelated, setup.lesseeToken()).expect(200);
                http.get("/baremetal/v1/nodes/" + setup.nodeName(), setup.ownerToken()).expect(200);
                assertThat(held).as("the held leases cannot start while the stopped peer holds them")
                        .allSatisfy(l -> assertThat(status(http, setup, l)).isEqualTo("created"));

                assertThat(awaitActive(a, http, setup, held, Duration.ofSeconds(90)))
                        .as("PostgreSQL ends the stopped session and the lifecycle starts the leases").isTrue();
            } finally {
                signal(peer, "CONT");
                peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String claim(TestClient http, String token, String offer, String name, Instant start, Instant end) {
        return http.post("/lease/v1/offers/" + offer + "/claim", token,
                Map.of("name", name, "start_time", start.toString(), "end_time", end.toString())).expect(201).json().path("uuid").asText();
    }

    private static String status(TestClient http, LeasingSetup setup, String lease) {
        return http.get("/lease/v1/leases/" + lease, setup.lesseeToken()).expect(200).json().path("status").asText();
    }

    private static boolean awaitActive(TestingEsiServer a, TestClient http, LeasingSetup setup, List<String> leases, Duration limit)
            throws InterruptedException {
        for (long waited = 0; waited < limit.toMillis(); waited += 250) {
            if (leases.stream().allMatch(l -> status(http, setup, l).equals("active"))) {
                return true;
            }
            a.server().scheduler().wake();
            Thread.sleep(250);
        }
        return false;
    }

    /** The peer runs from this test's own classpath, with the service's settings for the same database. */
    private static Process startHolder(TestingEsiServer a, List<String> leases) throws Exception {
        EsiConfig cfg = a.server().config();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LeaseRowHolder.class.getName()));
        cmd.addAll(leases);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ESI_"));
        // Credentials go through the environment, not the command line other users can read.
        env.put("ESI_DATABASE_URL", cfg.databaseUrl().orElseThrow());
        env.put("ESI_DATABASE_USER", cfg.databaseUser().orElseThrow());
        env.put("ESI_DATABASE_PASSWORD", cfg.databasePassword().orElseThrow());
        env.put("ESI_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", PEER_IDLE_TIMEOUT);
        return pb.start();
    }

    private static void awaitLine(Process p, String wanted) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.equals(wanted)) {
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        assertThat(seen.get(120, TimeUnit.SECONDS)).as("the peer process says " + wanted).isTrue();
    }

    private static void signal(Process p, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }
}
