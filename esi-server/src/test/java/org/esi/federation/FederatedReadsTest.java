package org.esi.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three sites, A, B and C, each with its own database; A registers B and C, and they register A. A lessee at A
 * lists offers everywhere, claims one at C through A, and still gets A's and C's offers once B is gone.
 */
class FederatedReadsTest {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final long DEADLINE_MS = 2000;
    private static TestingEsiServer a;
    private static TestingEsiServer b;
    private static TestingEsiServer c;
    private static String lessee;
    private static boolean bClosed;

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "a", "ESI_FEDERATION_PEER_TIMEOUT", DEADLINE_MS + "ms"), CLOCK);
        b = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "b"), CLOCK);
        c = TestingEsiServer.start(Map.of("ESI_FEDERATION_SITE_NAME", "c"), CLOCK);
        String aAdmin = a.adminToken();
        register(a, aAdmin, "b", b);
        register(a, aAdmin, "c", c);
        register(b, b.adminToken(), "a", a);
        register(c, c.adminToken(), "a", a);
        lessee = a.userToken("reads-lessee", a.createProject("reads-lessees", null), "lessee");
    }

    @AfterAll
    static void stop() {
        c.close();
        if (!bClosed) {
            b.close();
        }
        a.close();
    }

    /** As two admins do it: the one reads the other's key from its /federation/v1/key and registers it. */
    static void register(TestingEsiServer at, String admin, String name, TestingEsiServer peer) {
        JsonNode key = peer.client().get("/federation/v1/key", null).expect(200).json();
        at.client().post("/federation/v1/peers", admin, Map.of("name", name, "url", peer.url(), "public_key", key.path("public_key").asText()))
                .expect(201);
    }

    private static String offerAt(TestingEsiServer site, String node) {
        String owner = site.userToken(node + "-owner", site.createProject(node + "-owners", null), "owner");
        site.client().post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
        return site.client().post("/lease/v1/offers", owner, Map.of("resource_uuid", node)).expect(201).json().path("uuid").asText();
    }

    private static Map<String, String> sitesOf(JsonNode answer) {
        Map<String, String> out = new HashMap<>();
        answer.path("sites").forEach(s -> out.put(s.path("name").asText(), s.path("status").asText()));
        return out;
    }

    private static Map<String, String> offerSites(JsonNode answer) {
        Map<String, String> out = new HashMap<>();
        answer.path("offers").forEach(o -> out.put(o.path("uuid").asText(), o.path("site").asText()));
        return out;
    }

    @Test
    void aLesseeAtAListsAndClaimsEverywhereAndADeadPeerOnlyShowsInSites() {
        String atA = offerAt(a, "reads-node-a");
        String atB = offerAt(b, "reads-node-b");
        String atC = offerAt(c, "reads-node-c");

        // Without site, today's answer: no site or sites fields.
        JsonNode plain = a.client().get("/lease/v1/offers", lessee).expect(200).json();
        assertThat(plain.has("sites")).isFalse();
        assertThat(plain.path("offers").findValuesAsText("uuid")).contains(atA).doesNotContain(atB, atC);
        assertThat(plain.path("offers").findValues("site")).isEmpty();

        JsonNode all = a.client().get("/lease/v1/offers?site=all&status=available", lessee).expect(200).json();
        assertThat(sitesOf(all)).containsEntry("a", "ok").containsEntry("b", "ok").containsEntry("c", "ok");
        assertThat(offerSites(all)).containsEntry(atA, "a").containsEntry(atB, "b").containsEntry(atC, "c");
        all.path("sites").forEach(s -> assertThat(s.path("latency_ms").isNumber()).isTrue());

        JsonNode onlyC = a.client().get("/lease/v1/offers?site=c", lessee).expect(200).json();
        assertThat(sitesOf(onlyC)).isEqualTo(Map.of("c", "ok"));
        assertThat(offerSites(onlyC)).containsEntry(atC, "c").doesNotContainKeys(atA, atB);

        // Claimed through A: the lease is C's, for A's project's shadow there.
        Instant start = Instant.now().plusSeconds(1);
        JsonNode lease = a.client().post("/lease/v1/offers/" + atC + "/claim?site=c", lessee,
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(3600).toString())).expect(201).json();
        assertThat(lease.path("site").asText()).isEqualTo("c");
        assertThat(lease.path("offer_uuid").asText()).isEqualTo(atC);
        JsonNode project = c.adminGet("/identity/v3/projects/" + lease.path("project_id").asText()).path("project");
        assertThat(project.path("name").asText()).isEqualTo("a/reads-lessees");
        assertThat(a.client().get("/lease/v1/leases", lessee).expect(200).json().path("leases").findValuesAsText("uuid"))
                .doesNotContain(lease.path("uuid").asText());
        JsonNode leases = a.client().get("/lease/v1/leases?site=all", lessee).expect(200).json();
        assertThat(sitesOf(leases)).containsEntry("a", "ok").containsEntry("b", "ok").containsEntry("c", "ok");
        Map<String, String> leaseSites = new HashMap<>();
        leases.path("leases").forEach(l -> leaseSites.put(l.path("uuid").asText(), l.path("site").asText()));
        assertThat(leaseSites).containsEntry(lease.path("uuid").asText(), "c");

        b.close();
        bClosed = true;
        long began = System.nanoTime();
        JsonNode without = a.client().get("/lease/v1/offers?site=all", lessee).expect(200).json();
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertThat(tookMs).isLessThan(DEADLINE_MS + 3000);
        assertThat(sitesOf(without)).containsEntry("a", "ok").containsEntry("c", "ok");
        assertThat(sitesOf(without).get("b")).isIn("timeout", "error");
        assertThat(offerSites(without)).containsEntry(atA, "a").doesNotContainKey(atB);
        assertThat(offerSites(without).values()).contains("c");

        // A claim at a dead peer: 502, and nothing at A.
        a.client().post("/lease/v1/offers/" + atB + "/claim?site=b", lessee, Map.of()).expect(502);
    }

    /** A peer that takes connections and never answers: reported as timeout once the deadline passes, and no later. */
    @Test
    void aSilentPeerIsATimeoutAtItsDeadline() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            JsonNode key = c.client().get("/federation/v1/key", null).expect(200).json();
            String admin = a.adminToken();
            a.client().post("/federation/v1/peers", admin, Map.of("name", "silent", "url", "http://127.0.0.1:" + silent.getLocalPort(),
                    "public_key", key.path("public_key").asText())).expect(201);
            try {
                long began = System.nanoTime();
                JsonNode answer = a.client().get("/lease/v1/offers?site=silent", lessee).expect(200).json();
                long tookMs = (System.nanoTime() - began) / 1_000_000;
                assertThat(sitesOf(answer)).isEqualTo(Map.of("silent", "timeout"));
                assertThat(answer.path("offers").size()).isZero();
                assertThat(tookMs).isLessThan(DEADLINE_MS + 3000);
            } finally {
                a.client().delete("/federation/v1/peers/silent", admin).expect(204);
            }
        }
    }

    @Test
    void anUnknownSiteIs400() {
        a.client().get("/lease/v1/offers?site=nowhere", lessee).expect(400);
        a.client().get("/lease/v1/leases?site=nowhere", lessee).expect(400);
        a.client().get("/lease/v1/offers?site=" + "x".repeat(100), lessee).expect(400);
        a.client().post("/lease/v1/offers/" + java.util.UUID.randomUUID() + "/claim?site=nowhere", lessee, Map.of()).expect(400);
    }
}
