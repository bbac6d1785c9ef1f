package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rules of leasing-api.md, one test per rule, black-box over HTTP. */
class LeasingRulesTest {
    static TestingEsiServer server;
    static TestClient http;
    static String admin;
    static String owner;
    static String lessee;
    static String child;
    static String stranger;
    static String ownerProject;
    static String lesseeProject;
    static String childProject;
    static int nodes;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        http = server.client();
        admin = server.adminToken();
        ownerProject = server.createProject("rules-owner", null);
        lesseeProject = server.createProject("rules-lessee", null);
        childProject = server.createProject("rules-lessee-child", lesseeProject);
        String strangerProject = server.createProject("rules-stranger", null);
        owner = server.userToken("rules-owner-user", ownerProject, "owner");
        lessee = server.userToken("rules-lessee-user", lesseeProject, "lessee");
        child = server.userToken("rules-child-user", childProject, "lessee");
        stranger = server.userToken("rules-stranger-user", strangerProject, "lessee");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String node() {
        String name = "rules-n" + (nodes++);
        http.post("/baremetal/v1/nodes", owner, Map.of("name", name, "driver", "fake-hardware", "resource_class", "gpu",
                "properties", Map.of("cpus", 32, "capabilities", "boot_mode:uefi"))).expect(201);
        return name;
    }

    static Instant day(int d) {
        return Instant.now().plus(d, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
    }

    static String offer(String node, Instant s, Instant e) {
        return http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node, "start_time", s.toString(), "end_time", e.toString()))
                .expect(201).json().path("uuid").asText();
    }

    static TestClient.Response claim(String token, String offer, Instant s, Instant e) {
        return http.post("/lease/v1/offers/" + offer + "/claim", token, Map.of("start_time", s.toString(), "end_time", e.toString()));
    }

    @Test
    void touchingWindowsDoNotConflictAndOfferBoundsAreUsable() {
        String n = node();
        Instant s = day(2);
        String o = offer(n, s, s.plus(Duration.ofHours(4)));
        claim(lessee, o, s, s.plus(Duration.ofHours(2))).expect(201);
        claim(lessee, o, s.plus(Duration.ofHours(2)), s.plus(Duration.ofHours(4))).expect(201);
        claim(lessee, o, s.minus(Duration.ofHours(1)), s).expect(409);
        claim(lessee, o, s.plus(Duration.ofHours(3)), s.plus(Duration.ofHours(5))).expect(409);
    }

    @Test
    void aClaimAnswersWhatReadingTheLeaseShowsAndTakesTheWindowFromTheOffer() {
        String n = node();
        Instant s = day(4);
        String o = offer(n, s, s.plus(Duration.ofHours(6)));
        JsonNode claimed = http.post("/lease/v1/offers/" + o + "/claim", lessee, Map.of("start_time", s.plus(Duration.ofHours(1)).toString(),
                "end_time", s.plus(Duration.ofHours(2)).toString(), "name", "answer-check", "properties", Map.of("b", 1, "a", "x"))).expect(201).json();
        JsonNode read = http.get("/lease/v1/leases/" + claimed.path("uuid").asText(), lessee).expect(200).json();
        assertThat(claimed).isEqualTo(read);
        assertThat(claimed.path("project").asText()).isEqualTo("rules-lessee");
        assertThat(claimed.path("owner").asText()).isEqualTo("rules-owner");
        assertThat(claimed.path("resource").asText()).isEqualTo(n);
        assertThat(claimed.path("resource_properties").has("capabilities")).isFalse();
        JsonNode avail = http.get("/lease/v1/offers/" + o, lessee).expect(200).json().path("availabilities");
        assertThat(avail.toString()).isEqualTo("[[\"" + LeaseTimes.format(s) + "\",\"" + LeaseTimes.format(s.plus(Duration.ofHours(1)))
                + "\"],[\"" + LeaseTimes.format(s.plus(Duration.ofHours(2))) + "\",\"" + LeaseTimes.format(s.plus(Duration.ofHours(6))) + "\"]]");
    }

    @Test
    void claimDefaultsStopAtTheNextLeaseOrTheOfferEnd() {
        String n = node();
        Instant s = day(3);
        String o = offer(n, s, s.plus(Duration.ofDays(10)));
        claim(lessee, o, s.plus(Duration.ofHours(5)), s.plus(Duration.ofHours(6))).expect(201);
        JsonNode l = http.post("/lease/v1/offers/" + o + "/claim", lessee, Map.of("start_time", s.toString())).expect(201).json();
        assertThat(l.path("end_time").asText()).isEqualTo(LeaseTimes.format(s.plus(Duration.ofHours(5))));
        String o2 = offer(node(), s, s.plus(Duration.ofDays(2)));
        JsonNode l2 = http.post("/lease/v1/offers/" + o2 + "/claim", lessee, Map.of("start_time", s.toString())).expect(201).json();
        assertThat(l2.path("end_time").asText()).isEqualTo(LeaseTimes.format(s.plus(Duration.ofDays(2))));
        String o3 = offer(node(), s, s.plus(Duration.ofDays(30)));
        JsonNode l3 = http.post("/lease/v1/offers/" + o3 + "/claim", lessee, Map.of("start_time", s.toString())).expect(201).json();
        assertThat(l3.path("end_time").asText()).isEqualTo(LeaseTimes.format(s.plus(Duration.ofDays(7))));
    }

    @Test
    void directLeaseDefaultsToSevenDaysAndLongLeasesAreForAdmins() {
        String n = node();
        Instant s = day(40);
        JsonNode l = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", "rules-lessee", "start_time", s.toString()))
                .expect(201).json();
        assertThat(l.path("end_time").asText()).isEqualTo(LeaseTimes.format(s.plus(Duration.ofDays(7))));
        assertThat(l.path("project").asText()).isEqualTo("rules-lessee");
        assertThat(l.path("owner").asText()).isEqualTo("rules-owner");
        String n2 = node();
        Map<String, Object> longLease = Map.of("resource_uuid", n2, "project_id", lesseeProject, "start_time", s.toString(),
                "end_time", s.plus(Duration.ofDays(22)).toString());
        http.post("/lease/v1/leases", owner, longLease).expect(403);
        http.post("/lease/v1/leases", admin, longLease).expect(201);
    }

    @Test
    void offersRestrictedToAProjectAreOpenToItsChildrenOnly() {
        String n = node();
        Instant s = day(5);
        String o = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", n, "lessee_id", "rules-lessee",
                "start_time", s.toString(), "end_time", s.plus(Duration.ofDays(1)).toString())).expect(201).json().path("uuid").asText();
        http.get("/lease/v1/offers/" + o, stranger).expect(404);
        claim(stranger, o, s, s.plus(Duration.ofHours(1))).expect(404);
        assertThat(http.get("/lease/v1/offers", child).json().path("offers").findValuesAsText("uuid")).contains(o);
        claim(child, o, s, s.plus(Duration.ofHours(1))).expect(201);
        claim(lessee, o, s.plus(Duration.ofHours(1)), s.plus(Duration.ofHours(2))).expect(201);
    }

    @Test
    void leasesAreVisibleToTheirLesseeAndOwnerOnly() {
        String n = node();
        Instant s = day(6);
        String l = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", lesseeProject, "start_time", s.toString()))
                .expect(201).json().path("uuid").asText();
        http.get("/lease/v1/leases/" + l, lessee).expect(200);
        http.get("/lease/v1/leases/" + l, owner).expect(200);
        http.get("/lease/v1/leases/" + l, stranger).expect(404);
        http.delete("/lease/v1/leases/" + l, stranger).expect(404);
        http.patch("/lease/v1/leases/" + l, lessee, Map.of("end_time", s.plus(Duration.ofDays(1)).toString())).expect(403);
        assertThat(http.get("/lease/v1/leases", stranger).json().path("leases").findValuesAsText("uuid")).doesNotContain(l);
        assertThat(http.get("/lease/v1/leases", lessee).json().path("leases").findValuesAsText("uuid")).contains(l);
        assertThat(http.get("/lease/v1/leases?view=all", admin).json().path("leases").findValuesAsText("uuid")).contains(l);
        http.get("/lease/v1/leases?view=all", lessee).expect(403);
    }

    @Test
    void updatingTheEndChecksTheAddedWindow() {
        String n = node();
        Instant s = day(8);
        String o = offer(n, s, s.plus(Duration.ofDays(2)));
        String a = claim(lessee, o, s, s.plus(Duration.ofHours(2))).expect(201).json().path("uuid").asText();
        claim(lessee, o, s.plus(Duration.ofHours(3)), s.plus(Duration.ofHours(4))).expect(201);
        http.patch("/lease/v1/leases/" + a, owner, Map.of("end_time", s.plus(Duration.ofHours(3)).toString())).expect(200);
        http.patch("/lease/v1/leases/" + a, owner, Map.of("end_time", s.plus(Duration.ofHours(4)).toString())).expect(409);
        http.patch("/lease/v1/leases/" + a, owner, Map.of("end_time", s.plus(Duration.ofDays(3)).toString())).expect(409);
        http.patch("/lease/v1/leases/" + a, owner, Map.of("end_time", s.plus(Duration.ofHours(1)).toString(), "name", "x")).expect(400);
        JsonNode events = http.get("/lease/v1/events?event_type=esi_leap.lease.update", owner).json();
        assertThat(events.path("events").findValuesAsText("object_uuid")).contains(a);
    }

    @Test
    void deletingAnOfferCancelsItsLeases() {
        String n = node();
        Instant s = day(9);
        String o = offer(n, s, s.plus(Duration.ofDays(1)));
        String l = claim(lessee, o, s, s.plus(Duration.ofHours(2))).expect(201).json().path("uuid").asText();
        TestClient.Response del = http.delete("/lease/v1/offers/" + o, owner);
        del.expect(200);
        assertThat(del.body()).isEqualTo("null");
        assertThat(http.get("/lease/v1/leases/" + l, lessee).json().path("status").asText()).isEqualTo("deleted");
        assertThat(http.get("/lease/v1/offers/" + o + "?", owner).json().path("status").asText()).isEqualTo("deleted");
        http.delete("/lease/v1/offers/" + o, owner).expect(409);
    }

    @Test
    void subLeasesLiveInsideAnActiveParentOneLevelDeep() throws Exception {
        String n = node();
        Instant s = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.MICROS);
        String parent = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", lesseeProject,
                "start_time", s.toString(), "end_time", s.plus(Duration.ofHours(10)).toString())).expect(201).json().path("uuid").asText();
        // Not active yet: the node is not the lessee's to see, let alone divide.
        http.post("/lease/v1/leases", lessee, Map.of("resource_uuid", n, "project_id", childProject,
                "start_time", s.plus(Duration.ofHours(1)).toString(), "end_time", s.plus(Duration.ofHours(2)).toString())).expect(404);
        awaitStatus(parent, "active");
        Instant a = s.plus(Duration.ofHours(1));
        JsonNode sub = http.post("/lease/v1/leases", lessee, Map.of("resource_uuid", n, "project_id", childProject,
                "start_time", a.toString(), "end_time", a.plus(Duration.ofHours(2)).toString())).expect(201).json();
        assertThat(sub.path("parent_lease_uuid").asText()).isEqualTo(parent);
        assertThat(sub.path("owner_id").asText()).isEqualTo(lesseeProject);
        // Siblings may not overlap; the window must lie inside the parent.
        http.post("/lease/v1/leases", lessee, Map.of("resource_uuid", n, "project_id", childProject,
                "start_time", a.plus(Duration.ofHours(1)).toString(), "end_time", a.plus(Duration.ofHours(3)).toString())).expect(409);
        http.post("/lease/v1/leases", lessee, Map.of("resource_uuid", n, "project_id", childProject,
                "start_time", a.toString(), "end_time", s.plus(Duration.ofHours(11)).toString())).expect(409);
        // A sub-offer works the same way, and it cannot overlap the sub-lease either.
        http.post("/lease/v1/offers", lessee, Map.of("resource_uuid", n, "start_time", a.toString(),
                "end_time", a.plus(Duration.ofHours(1)).toString())).expect(409);
        String subOffer = http.post("/lease/v1/offers", lessee, Map.of("resource_uuid", n, "start_time", a.plus(Duration.ofHours(4)).toString(),
                "end_time", a.plus(Duration.ofHours(5)).toString())).expect(201).json().path("uuid").asText();
        // Ending the parent ends its children first.
        http.delete("/lease/v1/leases/" + parent, owner).expect(200);
        awaitStatus(parent, "deleted");
        assertThat(http.get("/lease/v1/leases/" + sub.path("uuid").asText(), lessee).json().path("status").asText()).isEqualTo("deleted");
        assertThat(http.get("/lease/v1/offers/" + subOffer, lessee).json().path("status").asText()).isEqualTo("deleted");
    }

    @Test
    void subLeaseEndReturnsTheNodeToTheParentsLessee() throws Exception {
        String n = node();
        Instant s = Instant.now().plusSeconds(1);
        String parent = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", lesseeProject,
                "start_time", s.toString(), "end_time", s.plus(Duration.ofHours(10)).toString())).expect(201).json().path("uuid").asText();
        awaitStatus(parent, "active");
        Instant a = Instant.now().plusSeconds(1);
        String sub = http.post("/lease/v1/leases", lessee, Map.of("resource_uuid", n, "project_id", childProject,
                "start_time", a.toString(), "end_time", a.plusSeconds(2).toString())).expect(201).json().path("uuid").asText();
        awaitStatus(sub, "active");
        assertThat(http.get("/baremetal/v1/nodes/" + n, owner).json().path("lessee").asText()).isEqualTo(childProject);
        awaitStatus(sub, "expired");
        JsonNode node = http.get("/baremetal/v1/nodes/" + n, owner).json();
        assertThat(node.path("lessee").asText()).isEqualTo(lesseeProject);
        assertThat(node.path("properties").path("lease_uuid").asText()).isEqualTo(parent);
    }

    @Test
    void namesLookUpAndAmbiguityIsAConflict() {
        String n = node();
        Instant s = day(12);
        http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", lesseeProject, "name", "twin",
                "start_time", s.toString(), "end_time", s.plus(Duration.ofHours(1)).toString())).expect(201);
        assertThat(http.get("/lease/v1/leases/twin", owner).expect(200).json().path("name").asText()).isEqualTo("twin");
        http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", lesseeProject, "name", "twin",
                "start_time", s.plus(Duration.ofHours(2)).toString(), "end_time", s.plus(Duration.ofHours(3)).toString())).expect(201);
        http.get("/lease/v1/leases/twin", owner).expect(409);
    }

    @Test
    void listsPageWithMarkers() {
        String n = node();
        Instant s = day(14);
        for (int i = 0; i < 5; i++) {
            http.post("/lease/v1/leases", owner, Map.of("resource_uuid", n, "project_id", lesseeProject, "purpose", "paging",
                    "start_time", s.plus(Duration.ofHours(i)).toString(), "end_time", s.plus(Duration.ofHours(i + 1)).toString())).expect(201);
        }
        List<String> seen = new ArrayList<>();
        String next = "/lease/v1/leases?purpose=paging&limit=2";
        int pages = 0;
        while (next != null) {
            JsonNode page = http.get(next, owner).expect(200).json();
            page.path("leases").forEach(l -> seen.add(l.path("uuid").asText()));
            next = page.has("next") ? page.path("next").asText().substring(http.base().length()) : null;
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(5).doesNotHaveDuplicates();
    }

    @Test
    void availabilitiesAreTheFreeGapsFromNow() throws Exception {
        String n = node();
        Instant now = Instant.now();
        Instant s = now.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        String o = offer(n, s, s.plus(Duration.ofHours(10)));
        Instant l1 = s.plus(Duration.ofHours(3));
        claim(lessee, o, l1, l1.plus(Duration.ofHours(1))).expect(201);
        Instant l2 = s.plus(Duration.ofHours(6));
        claim(lessee, o, l2, l2.plus(Duration.ofHours(1))).expect(201);
        JsonNode av = http.get("/lease/v1/offers/" + o, lessee).json().path("availabilities");
        assertThat(av).hasSize(3);
        Instant firstStart = LeaseTimes.parse(av.get(0).get(0).asText(), "a");
        assertThat(firstStart).isBetween(now.minusSeconds(1), Instant.now().plusSeconds(1));
        assertThat(av.get(0).get(1).asText()).isEqualTo(LeaseTimes.format(l1));
        assertThat(av.get(1).get(0).asText()).isEqualTo(LeaseTimes.format(l1.plus(Duration.ofHours(1))));
        assertThat(av.get(2).get(1).asText()).isEqualTo(LeaseTimes.format(s.plus(Duration.ofHours(10))));
        // An availability query finds the offer for a free window and not for a taken one.
        String free = "/lease/v1/offers?available_start_time=" + LeaseTimes.format(l1.plus(Duration.ofHours(1)))
                + "&available_end_time=" + LeaseTimes.format(l2);
        assertThat(http.get(free, lessee).json().path("offers").findValuesAsText("uuid")).contains(o);
        String taken = "/lease/v1/offers?available_start_time=" + LeaseTimes.format(l1) + "&available_end_time=" + LeaseTimes.format(l2);
        assertThat(http.get(taken, lessee).json().path("offers").findValuesAsText("uuid")).doesNotContain(o);
    }

    @Test
    void timesAcceptCommonFormsAndPrintAsUpstream() {
        String n = node();
        JsonNode o = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", n, "start_time", "2030-01-02 03:04:05",
                "end_time", "2030-01-03T05:04:05+02:00")).expect(201).json();
        assertThat(o.path("start_time").asText()).isEqualTo("2030-01-02T03:04:05");
        assertThat(o.path("end_time").asText()).isEqualTo("2030-01-03T03:04:05");
        JsonNode l = claim(lessee, o.path("uuid").asText(), Instant.parse("2030-01-02T04:00:00.250Z"), Instant.parse("2030-01-02T05:00:00Z"))
                .expect(201).json();
        assertThat(l.path("start_time").asText()).isEqualTo("2030-01-02T04:00:00.250000");
        assertThat(l.path("resource_properties").has("capabilities")).isFalse();
        assertThat(l.path("resource_class").asText()).isEqualTo("gpu");
        JsonNode open = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node())).expect(201).json();
        assertThat(open.path("end_time").asText()).isEqualTo("9999-12-31T23:59:59.999999");
        http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node(), "start_time", "yesterday")).expect(400);
    }

    @Test
    void filtersAndUnknownParameters() {
        http.get("/lease/v1/leases?purpose=anything", owner).expect(200);
        http.get("/lease/v1/leases?colour=blue", owner).expect(400);
        http.get("/lease/v1/offers?status=any", owner).expect(200);
        http.get("/lease/v1/offers?status=sideways", owner).expect(400);
        http.get("/lease/v1/offers?start_time=2030-01-01", owner).expect(400);
        TestClient.Response r = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", node(), "project_id", lesseeProject, "status", "active"));
        r.expect(400);
        assertThat(r.json().path("faultcode").asText()).isEqualTo("Client");
    }

    @Test
    void leasingNodeViewShowsOffersAndLeases() {
        String n = node();
        Instant s = day(20);
        String o = offer(n, s, s.plus(Duration.ofDays(1)));
        String l = claim(lessee, o, s, s.plus(Duration.ofHours(2))).expect(201).json().path("uuid").asText();
        JsonNode view = null;
        for (JsonNode x : http.get("/lease/v1/nodes", owner).expect(200).json().path("nodes")) {
            if (x.path("name").asText().equals(n)) {
                view = x;
            }
        }
        assertThat(view).isNotNull();
        assertThat(view.path("maintenance").asText()).isEqualTo("False");
        assertThat(view.path("owner").asText()).isEqualTo("rules-owner");
        assertThat(view.path("future_offers").findValuesAsText("")).isEmpty();
        assertThat(view.path("future_offers").toString()).contains(o);
        assertThat(view.path("future_leases").toString()).contains(l);
        JsonNode schedule = http.get("/lease/v1/nodes/" + n + "/schedule?start=" + LeaseTimes.format(s.minus(Duration.ofDays(1)))
                + "&end=" + LeaseTimes.format(s.plus(Duration.ofDays(2))), owner).expect(200).json();
        assertThat(schedule.path("offers").findValuesAsText("uuid")).contains(o);
        assertThat(schedule.path("leases").findValuesAsText("uuid")).contains(l);
        http.get("/lease/v1/nodes/" + n + "/schedule", stranger).expect(404);
    }

    private static void awaitStatus(String lease, String status) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            if (status.equals(http.get("/lease/v1/leases/" + lease, admin).json().path("status").asText())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("lease " + lease + " never reached " + status);
    }
}
