package org.esi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.esi.persistence.BackgroundLoop;
import org.junit.jupiter.api.Test;

/**
 * Pools at scale on fake hardware, one server, one database:
 * <ol>
 * <li>a scale-up of {@code ESI_BENCH_SCALE} (50) members: time from the request to each member's {@code ready}
 * (p50/p99), against a scale-up of one member in the same run; and claims per second of the one all-or-nothing
 * claim transaction, against the same number of single claims through {@code POST /lease/v1/offers/{id}/claim};</li>
 * <li>what the reconciler costs per member per minute with {@code ESI_BENCH_MEMBERS} (1,000) members, against the same
 * at the scale-up's size: wall time spent in its rounds (database round trips included) over {@code ESI_BENCH_WINDOW}
 * (60) seconds, and the share of one core that is.</li>
 * </ol>
 * Not part of the test suite: {@code bench/pools.sh}.
 */
class PoolScaleBench {
    static final int SCALE = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_SCALE", "50"));
    static final int MEMBERS = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_MEMBERS", "1000"));
    static final Duration WINDOW = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("ESI_BENCH_WINDOW", "60")));

    @Test
    void scaleUpAndReconcileCost() throws Exception {
        try (PoolTestbed bed = new PoolTestbed()) {
            int nodes = 1 + SCALE + SCALE + (MEMBERS - 1 - SCALE);
            long t = System.nanoTime();
            List<String> offers = seed(bed, nodes);
            System.out.printf("pools: seeded %d available fake-hardware machines on offer in %.1f s%n", nodes, seconds(System.nanoTime() - t));

            // Baseline 1: a scale-up of one member.
            bed.http.post("/cluster/v1/pools", bed.lessee, pool("one", 0, 1)).expect(201);
            long one = scaleUp(bed, "one", 1)[0];

            // Baseline 2: SCALE single claims, one request each, sequentially (the lessee's own offers list order).
            String taken = bed.members("one").get(0).path("node_name").asText();
            t = System.nanoTime();
            for (int i = nodes - 1, claimed = 0; claimed < SCALE; i--) {
                if (!taken.equals("m-" + i)) {
                    bed.http.post("/lease/v1/offers/" + offers.get(i) + "/claim", bed.lessee, Map.of()).expect(201);
                    claimed++;
                }
            }
            double singleClaimsPerSecond = SCALE / seconds(System.nanoTime() - t);

            bed.http.post("/cluster/v1/pools", bed.lessee, pool("scale", 0, MEMBERS)).expect(201);
            long requestStart = System.nanoTime();
            long[] ready = scaleUp(bed, "scale", SCALE);
            double claimSeconds = seconds(lastClaimNanos);
            Arrays.sort(ready);
            System.out.printf("pools: scale-up of %d: every claim in %.0f ms (%.0f claims/s, against %.0f/s for single claims: x%.1f);"
                            + " request to ready per member p50 %.2f s, p99 %.2f s, all %.2f s; one member alone %.2f s (p50 ratio %.2f)%n",
                    SCALE, claimSeconds * 1000, SCALE / claimSeconds, singleClaimsPerSecond, SCALE / claimSeconds / singleClaimsPerSecond,
                    seconds(percentile(ready, 50)), seconds(percentile(ready, 99)), seconds(System.nanoTime() - requestStart),
                    seconds(one), (double) percentile(ready, 50) / one);

            double small = reconcileCost(bed, 1 + SCALE);
            int rest = MEMBERS - 1 - SCALE;
            bed.http.patch("/cluster/v1/pools/scale", bed.lessee, Map.of("desired_size", SCALE + rest)).expect(200);
            await(bed, "scale", SCALE + rest, Duration.ofMinutes(20));
            double large = reconcileCost(bed, MEMBERS);
            System.out.printf("pools: reconcile cost per member per minute: %.2f ms at %d members, %.2f ms at %d (ratio %.2f)%n",
                    large, MEMBERS, small, 1 + SCALE, large / small);
        }
    }

    private static long lastClaimNanos;

    /** Scales the pool to {@code n} and returns, per member, the nanoseconds from the request to it being ready. */
    private static long[] scaleUp(PoolTestbed bed, String pool, int n) throws InterruptedException {
        long start = System.nanoTime();
        bed.http.patch("/cluster/v1/pools/" + pool, bed.lessee, Map.of("desired_size", n)).expect(200);
        lastClaimNanos = System.nanoTime() - start;
        Map<String, Long> readyAt = new HashMap<>();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (readyAt.size() < n) {
            long now = System.nanoTime();
            for (JsonNode m : bed.members(pool)) {
                if (m.path("status").asText().equals("ready")) {
                    readyAt.putIfAbsent(m.path("lease_uuid").asText(), now - start);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("only " + readyAt.size() + " of " + n + " members ready after 5 minutes");
            }
            Thread.sleep(20);
        }
        return readyAt.values().stream().mapToLong(Long::longValue).toArray();
    }

    private static void await(PoolTestbed bed, String pool, int n, Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (PoolTestbed.count(bed.members(pool), "ready") < n) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("pool " + pool + " did not reach " + n + " ready members within " + within);
            }
            Thread.sleep(1000);
        }
    }

    /** Milliseconds of reconciler rounds per member per minute, measured over WINDOW with {@code members} members. */
    private static double reconcileCost(PoolTestbed bed, int members) throws InterruptedException {
        var reconciler = bed.server.server().poolReconciler();
        BackgroundLoop.Stats before = reconciler.stats();
        long t0 = System.nanoTime();
        Thread.sleep(WINDOW.toMillis());
        BackgroundLoop.Stats after = reconciler.stats();
        double minutes = seconds(System.nanoTime() - t0) / 60;
        double busyMs = (after.busy().toNanos() - before.busy().toNanos()) / 1e6;
        long rounds = after.rounds() - before.rounds();
        System.out.printf("pools: %d members: %d rounds in %.0f s, %.1f ms per round, %.1f %% of one core's time; load average %.2f%n",
                members, rounds, minutes * 60, busyMs / Math.max(1, rounds), 100 * busyMs / (minutes * 60_000),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        return busyMs / minutes / members;
    }

    /** {@code n} fake-hardware machines taken to available and offered, in parallel; returns the offer ids. */
    private static List<String> seed(PoolTestbed bed, int n) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(8);
        try {
            parallel(workers, n, i -> bed.http.post("/baremetal/v1/nodes", bed.owner, Map.of("name", "m-" + i, "driver", "fake-hardware",
                    "resource_class", "baremetal", "properties", Map.of("cpus", 32, "memory_mb", 65536, "local_gb", 400))).expect(201));
            parallel(workers, n, i -> bed.http.put("/baremetal/v1/nodes/m-" + i + "/states/provision", bed.owner, Map.of("target", "manage")).expect(202));
            awaitAll(bed, n, "manageable");
            parallel(workers, n, i -> bed.http.put("/baremetal/v1/nodes/m-" + i + "/states/provision", bed.owner, Map.of("target", "provide")).expect(202));
            awaitAll(bed, n, "available");
            String[] offers = new String[n];
            parallel(workers, n, i -> offers[i] = bed.http.post("/lease/v1/offers", bed.owner, Map.of("resource_uuid", "m-" + i)).expect(201)
                    .json().path("uuid").asText());
            return List.of(offers);
        } finally {
            workers.shutdownNow();
        }
    }

    private static void parallel(ExecutorService workers, int n, IntConsumer each) throws Exception {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            fs.add(workers.submit(() -> each.accept(k)));
        }
        for (Future<?> f : fs) {
            f.get();
        }
    }

    private static void awaitAll(PoolTestbed bed, int n, String state) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        var jdbi = bed.server.server().database().jdbi();
        while (true) {
            int there = jdbi.withHandle(h -> h.createQuery("select count(*) from node where provision_state = :s").bind("s", state)
                    .mapTo(Integer.class).one());
            if (there >= n) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("only " + there + " of " + n + " machines reached " + state);
            }
            Thread.sleep(500);
        }
    }

    private static Map<String, Object> pool(String name, int desired, int max) {
        Map<String, Object> p = PoolTestbed.pool(name, desired, max);
        p.put("lease_duration", "P1D");
        p.put("renew_before", "PT1H");
        return p;
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
