package org.esi.bench;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * What slow clients cost everyone else: the answer time of ordinary requests (an authenticated project
 * list) with no other traffic, then with {@code ESI_BENCH_SLOW} (default 1,000) connections each sending
 * a login body one byte per second, in the same run. Prints p50/p99 of both and their ratio.
 * Not part of the test suite; run with bench/slow-clients.sh.
 */
class SlowClientsBench {
    @Test
    void answerTimeWithAndWithoutSlowBodies() throws Exception {
        int slowCount = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_SLOW", "1000"));
        int samples = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_REQUESTS", "300"));
        // The bench opens every slow connection from 127.0.0.1, so the per-address cap is raised past them.
        try (TestingEsiServer server = TestingEsiServer.start(Map.of("ESI_HTTP_MAX_CONNECTIONS_PER_ADDRESS", String.valueOf(slowCount + 100),
                "ESI_HTTP_REQUEST_READ_TIMEOUT", "10m"), Clock.systemUTC())) {
            TestClient http = server.client();
            String admin = server.adminToken();
            measure(http, admin, samples / 5);
            long[] quiet = measure(http, admin, samples);
            List<Socket> slow = new ArrayList<>();
            AtomicBoolean done = new AtomicBoolean();
            Thread dribbler = Thread.ofPlatform().daemon().start(() -> dribble(slow, done));
            try {
                URI url = URI.create(server.url());
                for (int i = 0; i < slowCount; i++) {
                    Socket s = new Socket(url.getHost(), url.getPort());
                    s.getOutputStream().write(("POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: esi\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                    synchronized (slow) {
                        slow.add(s);
                    }
                }
                long[] loaded = measure(http, admin, samples);
                double ratio50 = (double) pct(loaded, 50) / Math.max(1, pct(quiet, 50));
                double ratio99 = (double) pct(loaded, 99) / Math.max(1, pct(quiet, 99));
                System.out.printf("slow-clients: %d requests; no slow connections p50=%.2fms p99=%.2fms; %d slow connections p50=%.2fms p99=%.2fms;"
                                + " ratio p50=%.2f p99=%.2f%n", samples, pct(quiet, 50) / 1e6, pct(quiet, 99) / 1e6, slowCount,
                        pct(loaded, 50) / 1e6, pct(loaded, 99) / 1e6, ratio50, ratio99);
            } finally {
                done.set(true);
                dribbler.join();
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    private static long[] measure(TestClient http, String token, int n) {
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            http.get("/identity/v3/projects", token).expect(200);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /** One byte per second to every slow connection until the measurement is over (at most ten minutes). */
    private static void dribble(List<Socket> slow, AtomicBoolean done) {
        for (int tick = 0; tick < 600 && !done.get(); tick++) {
            List<Socket> now;
            synchronized (slow) {
                now = List.copyOf(slow);
            }
            for (Socket s : now) {
                try {
                    s.getOutputStream().write(' ');
                } catch (IOException closedByServer) {
                    // Counted as served: the server let go of it.
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
