package org.esi.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Webhooks end to end: a real HTTP receiver on 127.0.0.1 records what the server posts. */
class WebhookDeliveryTest {
    record Received(String event, String signature, String body) {}

    static final List<Received> owners = new CopyOnWriteArrayList<>();
    static final List<Received> lessees = new CopyOnWriteArrayList<>();
    static final AtomicInteger failFirst = new AtomicInteger();
    static HttpServer receiver;
    static TestingEsiServer server;
    static TestClient http;
    static String owner;
    static String lessee;
    static String lesseeProject;

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/owner", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            owners.add(new Received(ex.getRequestHeaders().getFirst("X-ESI-Event"), ex.getRequestHeaders().getFirst("X-ESI-Signature"), body));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.createContext("/lessee", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (failFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                ex.sendResponseHeaders(500, -1);
                ex.close();
                return;
            }
            lessees.add(new Received(ex.getRequestHeaders().getFirst("X-ESI-Event"), ex.getRequestHeaders().getFirst("X-ESI-Signature"), body));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        server = TestingEsiServer.start(Map.of("ESI_LEASE_ENDING_SOON", "2s"), Clock.systemUTC());
        http = server.client();
        String ownerProject = server.createProject("hook-owner", null);
        lesseeProject = server.createProject("hook-lessee", null);
        owner = server.userToken("hook-owner-user", ownerProject, "owner");
        lessee = server.userToken("hook-lessee-user", lesseeProject, "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.stop(0);
    }

    static String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    @Test
    void claimStartEndAreDeliveredSignedAndRetried() throws Exception {
        TestClient.Response hook = http.post("/lease/v1/webhooks", owner, Map.of("url", url("/owner"), "secret", "owner-secret-1"));
        hook.expect(201);
        assertThat(hook.body()).doesNotContain("owner-secret-1");
        http.post("/lease/v1/webhooks", lessee, Map.of("url", url("/lessee"), "secret", "lessee-secret-1")).expect(201);
        http.post("/lease/v1/webhooks", lessee, Map.of("url", "ftp://example", "secret", "lessee-secret-1")).expect(400);
        http.post("/lease/v1/webhooks", lessee, Map.of("url", url("/x"), "secret", "short")).expect(400);
        http.post("/lease/v1/webhooks", lessee, Map.of("url", url("/x"), "secret", "long-enough", "extra", 1)).expect(400);
        assertThat(http.get("/lease/v1/webhooks", owner).body()).doesNotContain("owner-secret-1").contains("******");

        failFirst.set(2); // the lessee's receiver fails twice, then works
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "hook-n1", "driver", "fake-hardware")).expect(201);
        String offer = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", "hook-n1")).expect(201).json().path("uuid").asText();
        Instant start = Instant.now().plusSeconds(1);
        http.post("/lease/v1/offers/" + offer + "/claim", lessee, Map.of("start_time", start.toString(),
                "end_time", start.plusSeconds(4).toString())).expect(201);

        awaitEvents(owners, List.of("lease.created", "offer.claimed", "lease.started", "lease.ending_soon", "lease.ended"));
        awaitEvents(lessees, List.of("lease.created", "lease.started", "lease.ending_soon", "lease.ended"));
        for (Received r : owners) {
            assertThat(r.signature()).isEqualTo("sha256=" + Notifier.sign("owner-secret-1", r.body().getBytes(StandardCharsets.UTF_8)));
        }
        JsonNode started = new ObjectMapper().readTree(owners.stream().filter(r -> r.event().equals("lease.started")).findFirst().orElseThrow().body());
        assertThat(started.path("lease").path("project_id").asText()).isEqualTo(lesseeProject);
        // Each event once per hook, even though the lessee's hook failed twice first.
        assertThat(lessees.stream().filter(r -> r.event().equals("lease.created")).count()).isEqualTo(1);
    }

    @Test
    void aDeadHookNeverHoldsUpTheLifecycle() throws Exception {
        http.post("/lease/v1/webhooks", owner, Map.of("url", "http://127.0.0.1:9/nothing-listens", "secret", "dead-hook-secret")).expect(201);
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "hook-n2", "driver", "fake-hardware")).expect(201);
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "hook-n2", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(2).toString())).expect(201).json().path("uuid").asText();
        Instant deadline = Instant.now().plusSeconds(10);
        String status = "";
        while (Instant.now().isBefore(deadline) && !status.equals("expired")) {
            status = http.get("/lease/v1/leases/" + lease, owner).json().path("status").asText();
            Thread.sleep(100);
        }
        assertThat(status).isEqualTo("expired");
    }

    private static void awaitEvents(List<Received> got, List<String> wanted) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (got.stream().map(Received::event).toList().containsAll(wanted)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("wanted " + wanted + " but received " + got.stream().map(Received::event).toList());
    }
}
