package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.esi.testing.LeasingSetup;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node in maintenance (where a failed attestation puts it) or failed is never handed to a lessee:
 * it cannot be offered, and a lease due to start on it waits until its owner mends it.
 */
class UnfitNodeLeaseTest {
    static TestingEsiServer server;
    static TestClient http;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aNodeInMaintenanceCannotBeOfferedAndNothingIsBooked() {
        LeasingSetup s = LeasingSetup.create(server, "unfit-offer");
        String node = "unfit-offer-spare";
        http.post("/baremetal/v1/nodes", s.ownerToken(), Map.of("name", node, "driver", "fake-hardware")).expect(201);
        http.put("/baremetal/v1/nodes/" + node + "/maintenance", s.ownerToken(), Map.of("reason", "Attestation failed: PCR 7 differs"))
                .expect(202);
        TestClient.Response r = http.post("/lease/v1/offers", s.ownerToken(), Map.of("resource_uuid", node));
        r.expect(409);
        assertThat(r.body()).contains("maintenance").contains("PCR 7 differs");
        JsonNode offers = http.get("/lease/v1/offers?resource_uuid=" + node, s.ownerToken()).expect(200).json().path("offers");
        assertThat(offers).isEmpty();
        // Nor leased out directly.
        String lesseeProject = server.createProject("unfit-direct", null);
        TestClient.Response direct = http.post("/lease/v1/leases", s.ownerToken(), Map.of("resource_uuid", node, "project_id", lesseeProject));
        direct.expect(409);
        assertThat(direct.body()).contains("cannot be leased").contains("maintenance");
        assertThat(http.get("/lease/v1/leases?resource_uuid=" + node, s.ownerToken()).expect(200).json().path("leases")).isEmpty();
        http.delete("/baremetal/v1/nodes/" + node + "/maintenance", s.ownerToken()).expect(202);
        http.post("/lease/v1/offers", s.ownerToken(), Map.of("resource_uuid", node)).expect(201);
    }

    @Test
    void aLeaseDueOnANodeThatWentIntoMaintenanceWaitsAndStartsOnceItIsOut() throws Exception {
        LeasingSetup s = LeasingSetup.create(server, "unfit-lease");
        Instant start = Instant.now().plusSeconds(2);
        String lease = http.post("/lease/v1/offers/" + s.offer() + "/claim", s.lesseeToken(),
                Map.of("start_time", start.toString(), "end_time", start.plus(Duration.ofHours(1)).toString())).expect(201)
                .json().path("uuid").asText();
        http.put("/baremetal/v1/nodes/" + s.nodeName() + "/maintenance", s.ownerToken(), Map.of("reason", "disk replaced")).expect(202);
        awaitLease(s, lease, "wait fulfill");
        assertThat(http.get("/baremetal/v1/nodes/" + s.nodeName(), s.ownerToken()).expect(200).json().path("lessee").isNull()).isTrue();
        http.delete("/baremetal/v1/nodes/" + s.nodeName() + "/maintenance", s.ownerToken()).expect(202);
        server.server().scheduler().wake();
        awaitLease(s, lease, "active");
    }

    private static JsonNode awaitLease(LeasingSetup s, String lease, String status) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        JsonNode l;
        do {
            l = http.get("/lease/v1/leases/" + lease, s.lesseeToken()).expect(200).json();
            if (l.path("status").asText().equals(status)) {
                return l;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("lease did not reach " + status + ": " + l);
    }
}
