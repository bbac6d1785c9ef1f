package org.esi.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.server.EsiConfig;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/** The outbox: nothing lost (late commits, restarts), nothing sent twice at once by two instances. */
class WebhookOutboxTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    record Parties(String owner, String lesseeProject, String ownerProject) {}

    static Parties parties(TestingEsiServer server, String prefix) {
        String ownerProject = server.createProject(prefix + "-owner", null);
        String lesseeProject = server.createProject(prefix + "-lessee", null);
        return new Parties(server.userToken(prefix + "-owner-user", ownerProject, "owner"), lesseeProject, ownerProject);
    }

    static String futureLease(TestClient http, Parties p, String node, int hoursAhead) {
        Instant start = Instant.now().plus(Duration.ofHours(hoursAhead));
        return http.post("/lease/v1/leases", p.owner(), Map.of("resource_uuid", node, "project_id", p.lesseeProject(),
                "start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201).json().path("uuid").asText();
    }

    static Connection connect(TestingEsiServer server) throws Exception {
        EsiConfig c = server.server().config();
        return DriverManager.getConnection(c.databaseUrl().orElseThrow(), c.databaseUser().orElseThrow(), c.databasePassword().orElseThrow());
    }

    static long recordEvent(Connection c, String type, String lease, String node, Parties p) throws Exception {
        try (PreparedStatement s = c.prepareStatement("""
                insert into event (event_type, event_time, object_type, object_uuid, resource_type, resource_uuid, lessee_id, owner_id)
                values (?, now(), 'lease', ?, 'ironic_node', ?, ?, ?) returning id""")) {
            s.setString(1, type);
            s.setObject(2, UUID.fromString(lease));
            s.setObject(3, UUID.fromString(node));
            s.setString(4, p.lesseeProject());
            s.setString(5, p.ownerProject());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void anEventCommittedAfterALaterOneIsStillDelivered() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(); TestingEsiServer server = TestingEsiServer.start()) {
            TestClient http = server.client();
            Parties p = parties(server, "late");
            http.post("/lease/v1/webhooks", p.owner(), Map.of("url", receiver.url("/late"), "secret", "late-secret-1")).expect(201);
            String node = http.post("/baremetal/v1/nodes", p.owner(), Map.of("name", "late-n1", "driver", "fake-hardware"))
                    .expect(201).json().path("uuid").asText();
            String first = futureLease(http, p, node, 1);
            receiver.await("/late", "lease.created", first, WAIT);

            try (Connection slow = connect(server)) {
                slow.setAutoCommit(false);
                // A transaction takes its event id now and commits only after a later event committed.
                long early = recordEvent(slow, "esi_leap.lease.fulfill.end", first, node, p);
                String second = futureLease(http, p, node, 3);
                Thread.sleep(1500);
                // Held back while the older transaction runs: it might still add events before this one.
                assertThat(receiver.delivered("/late").stream().filter(r -> r.json().path("lease").path("uuid").asText().equals(second)))
                        .isEmpty();
                slow.commit();
                WebhookReceiver.Received late = receiver.await("/late", "lease.started", first, WAIT);
                assertThat(late.json().path("event_id").asLong()).isEqualTo(early);
                WebhookReceiver.Received later = receiver.await("/late", "lease.created", second, WAIT);
                assertThat(later.json().path("event_id").asLong()).isGreaterThan(early);
            }
        }
    }

    @Test
    void deliveriesAndUnreadEventsSurviveARestart() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            receiver.answer("/restart", () -> 503);
            TestingEsiServer first = TestingEsiServer.start();
            Parties p;
            String lease;
            String node;
            String hook;
            try {
                TestClient http = first.client();
                p = parties(first, "restart");
                hook = http.post("/lease/v1/webhooks", p.owner(), Map.of("url", receiver.url("/restart"), "secret", "restart-secret-1"))
                        .expect(201).json().path("id").asText();
                node = http.post("/baremetal/v1/nodes", p.owner(), Map.of("name", "restart-n1", "driver", "fake-hardware"))
                        .expect(201).json().path("uuid").asText();
                lease = futureLease(http, p, node, 1);
                Instant deadline = Instant.now().plus(WAIT);
                while (receiver.attempts("/restart").isEmpty() && Instant.now().isBefore(deadline)) {
                    Thread.sleep(50);
                }
                assertThat(receiver.attempts("/restart")).isNotEmpty();
                Thread.sleep(200); // let the failed attempt be recorded
            } finally {
                first.close();
            }
            String started;
            try (Connection c = connect(first)) {
                // An event recorded by an instance that died before it could tell anyone.
                started = Long.toString(recordEvent(c, "esi_leap.lease.fulfill.end", lease, node, p));
                try (ResultSet rs = c.createStatement().executeQuery(
                        "select count(*), max(last_error) from webhook_delivery where webhook_id = '" + hook + "'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                    assertThat(rs.getString(2)).isEqualTo("HTTP 503");
                }
            }
            receiver.answer("/restart", () -> 200);
            try (TestingEsiServer second = TestingEsiServer.sharing(first, Clock.systemUTC())) {
                WebhookReceiver.Received created = receiver.await("/restart", "lease.created", lease, Duration.ofSeconds(75));
                assertThat(created.verifies("restart-secret-1")).isTrue();
                WebhookReceiver.Received s = receiver.await("/restart", "lease.started", lease, WAIT);
                assertThat(s.json().path("event_id").asText()).isEqualTo(started);
            }
        }
    }

    @Test
    void twoInstancesSendEachDeliveryOnce() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(); TestingEsiServer a = TestingEsiServer.start();
             TestingEsiServer b = TestingEsiServer.sharing(a, Clock.systemUTC())) {
            Parties p = parties(a, "twice");
            // A slow receiver widens the window in which a second sender could pick the same row.
            receiver.answer("/twice", () -> {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 200;
            });
            a.client().post("/lease/v1/webhooks", p.owner(), Map.of("url", receiver.url("/twice"), "secret", "twice-secret-1")).expect(201);
            List<String> leases = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                TestClient http = (i % 2 == 0 ? a : b).client();
                http.post("/baremetal/v1/nodes", p.owner(), Map.of("name", "twice-n" + i, "driver", "fake-hardware")).expect(201);
                leases.add(futureLease(http, p, "twice-n" + i, 1));
            }
            for (String l : leases) {
                receiver.await("/twice", "lease.created", l, WAIT);
            }
            Thread.sleep(1500);
            var got = receiver.attempts("/twice");
            assertThat(got).hasSize(leases.size());
            assertThat(got.stream().map(WebhookReceiver.Received::delivery).distinct()).hasSize(leases.size());
        }
    }

    @Test
    void signatureIsHmacSha256AndBackOffGrowsWithinBounds() {
        // RFC 4231, test case 2.
        assertThat(Notifier.sign("Jefe", "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        for (int attempt = 1; attempt <= Notifier.MAX_ATTEMPTS; attempt++) {
            long base = Math.min(Notifier.MAX_BACKOFF.toMillis(), 1000L << (attempt - 1));
            Duration d = Notifier.backoff(attempt);
            assertThat(d.toMillis()).isBetween(base / 2, base);
        }
        assertThat(Notifier.backoff(40)).isLessThanOrEqualTo(Notifier.MAX_BACKOFF);
    }
}
