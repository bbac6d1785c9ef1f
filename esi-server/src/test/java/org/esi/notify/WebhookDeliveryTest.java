package org.esi.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.esi.lease.LeaseTimes;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end: a real HTTP receiver on 127.0.0.1 records what the server posts, while leases
 * run through their lifecycle on real time ({@code lease.ending-soon} = 2 s).
 */
class WebhookDeliveryTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static WebhookReceiver receiver;
    static TestingEsiServer server;
    static TestClient http;
    static String ownerProject;
    static String lesseeProject;
    static String owner;
    static String lessee;

    @BeforeAll
    static void start() {
        receiver = new WebhookReceiver();
        server = TestingEsiServer.start(Map.of("ESI_LEASE_ENDING_SOON", "2s"), Clock.systemUTC());
        http = server.client();
        ownerProject = server.createProject("hook-owner", null);
        lesseeProject = server.createProject("hook-lessee", null);
        owner = server.userToken("hook-owner-user", ownerProject, "owner");
        lessee = server.userToken("hook-lessee-user", lesseeProject, "lessee");
        http.post("/lease/v1/webhooks", owner, Map.of("url", receiver.url("/owner"), "secret", "owner-secret-1")).expect(201);
        http.post("/lease/v1/webhooks", lessee, Map.of("url", receiver.url("/lessee"), "secret", "lessee-secret-1")).expect(201);
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.close();
    }

    @Test
    void claimStartEndingSoonAndEndAreDeliveredSignedToBothSides() throws Exception {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "hook-n1", "driver", "fake-hardware")).expect(201);
        String offer = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", "hook-n1")).expect(201).json().path("uuid").asText();
        Instant start = Instant.now().plusSeconds(1);
        JsonNode claimed = http.post("/lease/v1/offers/" + offer + "/claim", lessee, Map.of("start_time", start.toString(),
                "end_time", start.plusSeconds(5).toString())).expect(201).json();
        String lease = claimed.path("uuid").asText();

        // The offer's project hears of the claim, with the offer and the lease.
        WebhookReceiver.Received claim = receiver.await("/owner", "offer.claimed", lease, WAIT);
        assertThat(claim.verifies("owner-secret-1")).isTrue();
        assertThat(claim.contentType()).isEqualTo("application/json");
        JsonNode body = claim.json();
        assertThat(body.path("event").asText()).isEqualTo("offer.claimed");
        assertThat(body.path("event_id").isIntegralNumber()).isTrue();
        assertThat(body.path("offer").path("uuid").asText()).isEqualTo(offer);
        assertThat(body.path("offer").path("project_id").asText()).isEqualTo(ownerProject);
        assertThat(body.path("offer").path("status").asText()).isEqualTo("available");
        assertThat(body.path("lease").path("offer_uuid").asText()).isEqualTo(offer);

        // Both sides hear of creation, start, ending soon and end, each signed with their own secret.
        for (String side : new String[] {"/owner", "/lessee"}) {
            String secret = side.equals("/owner") ? "owner-secret-1" : "lessee-secret-1";
            for (String event : new String[] {"lease.created", "lease.started", "lease.ending_soon", "lease.ended"}) {
                WebhookReceiver.Received r = receiver.await(side, event, lease, WAIT);
                assertThat(r.verifies(secret)).as(side + " " + event + " signature").isTrue();
                assertThat(r.verifies(side.equals("/owner") ? "lessee-secret-1" : "owner-secret-1")).isFalse();
                assertThat(r.delivery()).matches("[0-9]+");
                JsonNode l = r.json().path("lease");
                assertThat(l.path("uuid").asText()).isEqualTo(lease);
                assertThat(l.path("project_id").asText()).isEqualTo(lesseeProject);
                assertThat(l.path("owner_id").asText()).isEqualTo(ownerProject);
                assertThat(l.path("resource_uuid").asText()).isEqualTo(claimed.path("resource_uuid").asText());
                assertThat(l.path("start_time").asText()).isEqualTo(claimed.path("start_time").asText());
                assertThat(l.path("end_time").asText()).isEqualTo(claimed.path("end_time").asText());
                assertThat(l.has("status")).isTrue();
            }
            // The lessee's hook never hears of the owner's offer being claimed.
            assertThat(receiver.delivered("/lessee").stream().map(WebhookReceiver.Received::event)).doesNotContain("offer.claimed");
        }
        JsonNode ended = receiver.await("/lessee", "lease.ended", lease, WAIT).json();
        assertThat(ended.path("lease").path("status").asText()).isEqualTo("expired");
        JsonNode soon = receiver.await("/owner", "lease.ending_soon", lease, WAIT).json();
        assertThat(soon.path("event_id").isNull()).isTrue();
        // "Ending soon" came inside the 2 s window, not before.
        Instant end = LeaseTimes.parse(claimed.path("end_time").asText(), "end_time");
        WebhookReceiver.Received soonAt = receiver.await("/owner", "lease.ending_soon", lease, WAIT);
        assertThat(soonAt.at()).isAfter(end.minusSeconds(3)).isBefore(end.plusSeconds(2));

        Thread.sleep(500);
        for (String side : new String[] {"/owner", "/lessee"}) {
            for (String event : new String[] {"lease.created", "lease.started", "lease.ending_soon", "lease.ended"}) {
                assertThat(receiver.delivered(side).stream()
                        .filter(r -> r.event().equals(event) && r.json().path("lease").path("uuid").asText().equals(lease)).count())
                        .as(side + " " + event + " exactly once").isEqualTo(1);
            }
        }
    }

    @Test
    void aReceiverFailingTwiceGetsTheEventWhileTheLeaseKeepsItsTimes() throws Exception {
        AtomicInteger failures = new AtomicInteger(2);
        http.post("/lease/v1/webhooks", lessee, Map.of("url", receiver.url("/flaky"), "secret", "flaky-secret-1")).expect(201);
        receiver.answer("/flaky", () -> failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 200);
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "hook-n2", "driver", "fake-hardware")).expect(201);
        Instant start = Instant.now().plusSeconds(1);
        String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "hook-n2", "project_id", lesseeProject,
                "start_time", start.toString(), "end_time", start.plusSeconds(4).toString())).expect(201).json().path("uuid").asText();

        WebhookReceiver.Received created = receiver.await("/flaky", "lease.created", lease, WAIT);
        assertThat(created.verifies("flaky-secret-1")).isTrue();
        // Two 500s then the 200, all of the same delivery.
        var attempts = receiver.attempts("/flaky").stream().filter(r -> r.delivery().equals(created.delivery())).toList();
        assertThat(attempts).extracting(WebhookReceiver.Received::status).containsExactly(500, 500, 200);
        assertThat(attempts).extracting(WebhookReceiver.Received::body).containsOnly(created.body());
        receiver.await("/flaky", "lease.ended", lease, WAIT);
        assertOnTime(lease);
    }

    @Test
    void deadAndHangingHooksNeverHoldUpTheLifecycle() throws Exception {
        String dead = http.post("/lease/v1/webhooks", owner, Map.of("url", "http://127.0.0.1:9/nothing-listens", "secret", "dead-hook-secret"))
                .expect(201).json().path("id").asText();
        // A receiver that accepts the connection and never answers.
        try (var hang = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            String hanging = http.post("/lease/v1/webhooks", owner, Map.of("url", "http://127.0.0.1:" + hang.getLocalPort() + "/hang",
                    "secret", "hang-hook-secret")).expect(201).json().path("id").asText();
            http.post("/baremetal/v1/nodes", owner, Map.of("name", "hook-n3", "driver", "fake-hardware")).expect(201);
            Instant start = Instant.now().plusSeconds(1);
            String lease = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", "hook-n3", "project_id", lesseeProject,
                    "start_time", start.toString(), "end_time", start.plusSeconds(2).toString())).expect(201).json().path("uuid").asText();
            Instant deadline = Instant.now().plusSeconds(10);
            String status = "";
            while (Instant.now().isBefore(deadline) && !status.equals("expired")) {
                status = http.get("/lease/v1/leases/" + lease, owner).json().path("status").asText();
                Thread.sleep(100);
            }
            assertThat(status).isEqualTo("expired");
            assertOnTime(lease);
            // The working hooks still got theirs.
            receiver.await("/owner", "lease.ended", lease, WAIT);
            // The failures are recorded for retry, with the reason.
            var errors = server.server().database().jdbi().withHandle(h -> h.createQuery(
                            "select last_error from webhook_delivery where webhook_id = cast(:w as uuid) and last_error is not null")
                    .bind("w", dead).mapTo(String.class).list());
            assertThat(errors).isNotEmpty();
            http.delete("/lease/v1/webhooks/" + hanging, owner).expect(200);
        }
        http.delete("/lease/v1/webhooks/" + dead, owner).expect(200);
    }

    /** Started within 1 s of its start and ended within 1 s of its end, as the contract says. */
    private static void assertOnTime(String lease) {
        JsonNode l = http.get("/lease/v1/leases/" + lease, owner).expect(200).json();
        Instant start = LeaseTimes.parse(l.path("start_time").asText(), "start_time");
        Instant end = LeaseTimes.parse(l.path("end_time").asText(), "end_time");
        Instant fulfilled = LeaseTimes.parse(l.path("fulfill_time").asText(), "fulfill_time");
        Instant expired = LeaseTimes.parse(l.path("expire_time").asText(), "expire_time");
        assertThat(Duration.between(start, fulfilled)).isLessThanOrEqualTo(Duration.ofMillis(1000));
        assertThat(Duration.between(end, expired)).isLessThanOrEqualTo(Duration.ofMillis(1000));
    }
}
