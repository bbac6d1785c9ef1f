package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Offer, claim, start, end: the leasing path end to end on a real server. */
class LeaseSmokeTest {
    static TestingEsiServer server;
    static TestClient http;
    static String owner;
    static String lessee;
    static String lesseeProject;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        String ownerProject = server.createProject("smoke-owner", null);
        lesseeProject = server.createProject("smoke-lessee", null);
        owner = server.userToken("smoke-owner-user", ownerProject, "owner");
        lessee = server.userToken("smoke-lessee-user", lesseeProject, "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void claimStartsAndEndsOnTime() throws Exception {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "smoke-n1", "driver", "fake-hardware", "resource_class", "gpu")).expect(201);
        JsonNode offer = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", "smoke-n1")).expect(201).json();
        assertThat(offer.path("status").asText()).isEqualTo("available");
        assertThat(offer.path("end_time").asText()).isEqualTo("9999-12-31T23:59:59.999999");

        Instant start = Instant.now().plusSeconds(1);
        Instant end = start.plusSeconds(2);
        JsonNode lease = http.post("/lease/v1/offers/" + offer.path("uuid").asText() + "/claim", lessee,
                Map.of("start_time", start.toString(), "end_time", end.toString())).expect(201).json();
        assertThat(lease.path("status").asText()).isEqualTo("created");
        String uuid = lease.path("uuid").asText();

        JsonNode active = waitForStatus(uuid, "active", Duration.ofSeconds(5));
        assertThat(LeaseTimes.parse(active.path("fulfill_time").asText(), "f")).isBetween(start, start.plusMillis(1000));
        JsonNode node = http.get("/baremetal/v1/nodes/smoke-n1", owner).expect(200).json();
        assertThat(node.path("lessee").asText()).isEqualTo(lesseeProject);

        JsonNode expired = waitForStatus(uuid, "expired", Duration.ofSeconds(5));
        assertThat(LeaseTimes.parse(expired.path("expire_time").asText(), "e")).isBetween(end, end.plusMillis(1000));
        node = http.get("/baremetal/v1/nodes/smoke-n1", owner).expect(200).json();
        assertThat(node.path("lessee").isNull()).isTrue();
        assertThat(node.path("properties").has("lease_uuid")).isFalse();

        JsonNode events = http.get("/lease/v1/events?resource_uuid=" + node.path("uuid").asText(), owner).expect(200).json();
        assertThat(events.path("events").findValuesAsText("event_type")).containsSubsequence(
                "esi_leap.offer.create", "esi_leap.lease.create", "esi_leap.lease.fulfill.start", "esi_leap.lease.fulfill.end",
                "esi_leap.lease.delete.start", "esi_leap.lease.delete.end");
    }

    @Test
    void overlappingClaimIsConflict() {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "smoke-n2", "driver", "fake-hardware")).expect(201);
        String offer = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", "smoke-n2")).expect(201).json().path("uuid").asText();
        Instant s = Instant.now().plus(Duration.ofDays(1));
        http.post("/lease/v1/offers/" + offer + "/claim", lessee, Map.of("start_time", s.toString(), "end_time", s.plusSeconds(3600).toString())).expect(201);
        TestClient.Response clash = http.post("/lease/v1/offers/" + offer + "/claim", lessee,
                Map.of("start_time", s.plusSeconds(1800).toString(), "end_time", s.plusSeconds(7200).toString()));
        clash.expect(409);
        assertThat(clash.json().path("faultcode").asText()).isEqualTo("Client");
        http.post("/lease/v1/offers/" + offer + "/claim", lessee,
                Map.of("start_time", s.plusSeconds(3600).toString(), "end_time", s.plusSeconds(7200).toString())).expect(201);
    }

    private static JsonNode waitForStatus(String uuid, String status, Duration max) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        JsonNode l;
        do {
            l = http.get("/lease/v1/leases/" + uuid, lessee).expect(200).json();
            if (l.path("status").asText().equals(status)) {
                return l;
            }
            Thread.sleep(50);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("lease " + uuid + " did not reach " + status + ": " + l);
    }
}
