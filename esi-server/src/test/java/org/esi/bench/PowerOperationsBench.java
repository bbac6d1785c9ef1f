package org.esi.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.drivers.fake.FakeHardwareDriver;
import org.esi.drivers.fake.FakeMachine;
import org.esi.spi.PowerState;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * How many nodes one instance drives at once: 500 power-on requests against fake-hardware BMCs that
 * each take {@code ESI_BENCH_BMC_DELAY_MS} (default 500 ms) per operation, as slow real BMCs do. Prints
 * the wall time until every node reports "power on", the effective parallelism, and the JVM's live
 * thread count (bounded threads: BMC work runs on virtual threads behind a 64-permit semaphore).
 * Not part of the test suite; run with bench/power-ops.sh.
 */
class PowerOperationsBench {
    @Test
    void fiveHundredConcurrentPowerOperations() throws Exception {
        int nodes = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_NODES", "500"));
        long delayMs = Long.parseLong(System.getenv().getOrDefault("ESI_BENCH_BMC_DELAY_MS", "500"));
        FakeHardwareDriver hardware = new FakeHardwareDriver();
        try (TestingEsiServer server = TestingEsiServer.start(Map.of("ESI_DATABASE_POOL_SIZE", "24"), Clock.systemUTC(), hardware, List.of())) {
            TestClient http = server.client();
            String admin = server.adminToken();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int n = i;
                created.add(pool.submit(() -> http.post("/baremetal/v1/nodes", admin, Map.of("name", "p" + n, "driver", "fake-hardware",
                        "driver_info", Map.of("fake_id", "p" + n))).expect(201)));
            }
            for (Future<?> f : created) {
                f.get();
            }
            for (int i = 0; i < nodes; i++) {
                FakeMachine m = hardware.machine("p" + i);
                m.power(PowerState.OFF);
                m.delay(Duration.ofMillis(delayMs));
            }
            int threadsBefore = Thread.activeCount();
            Instant start = Instant.now();
            List<Future<?>> requests = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int n = i;
                requests.add(pool.submit(() -> http.put("/baremetal/v1/nodes/p" + n + "/states/power", admin, Map.of("target", "power on"))
                        .expect(202)));
            }
            for (Future<?> f : requests) {
                f.get();
            }
            Duration accepted = Duration.between(start, Instant.now());
            int peakThreads = 0;
            while (true) {
                peakThreads = Math.max(peakThreads, Thread.activeCount());
                JsonNode list = http.get("/baremetal/v1/nodes?fields=name,power_state&limit=1000", admin).json();
                long on = 0;
                for (JsonNode n : list.path("nodes")) {
                    if ("power on".equals(n.path("power_state").asText())) {
                        on++;
                    }
                }
                if (on == nodes) {
                    break;
                }
                if (Duration.between(start, Instant.now()).toMinutes() > 10) {
                    throw new AssertionError("only " + on + " of " + nodes + " nodes powered on after 10 minutes");
                }
                Thread.sleep(100);
            }
            Duration total = Duration.between(start, Instant.now());
            // Each power-on costs the fake BMC two delayed calls (set power, read it back).
            double serial = nodes * 2.0 * delayMs / 1000.0;
            System.out.printf("power-ops: nodes=%d bmc_delay=%dms accepted_all_in=%.2fs all_on_in=%.2fs serial_would_take=%.0fs "
                            + "effective_parallelism=%.1f jvm_threads_before=%d peak_jvm_threads=%d nproc=%d%n",
                    nodes, delayMs, accepted.toMillis() / 1000.0, total.toMillis() / 1000.0, serial,
                    serial / (total.toMillis() / 1000.0), threadsBefore, peakThreads, Runtime.getRuntime().availableProcessors());
            pool.shutdownNow();
        }
    }
}
