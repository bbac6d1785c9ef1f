package org.esi.quota;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.lease.LeaseTimes;
import org.esi.testing.LeasingSetup;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-project quotas through the HTTP API on a real database: refusals are 403s that book nothing, the limits
 * count exact overlaps and calendar periods, and concurrent claims on two instances cannot pass a limit together.
 */
class QuotaTest {
    private static TestingEsiServer server;
    private static TestingEsiServer second;
    private static TestClient http;
    private static String admin;
    /** A Monday 00:00 UTC a few weeks ahead: every window of these tests is in the future, so no lease starts. */
    private static Instant monday;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        second = TestingEsiServer.sharing(server, Clock.systemUTC());
        http = server.client();
        admin = server.adminToken();
        monday = Instant.now().plus(15, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC).toLocalDate()
                .with(TemporalAdjusters.next(DayOfWeek.MONDAY)).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    @AfterAll
    static void stop() {
        second.close();
        server.close();
    }

    @Test
    void theNodeLimitCountsTheExactOverlapAndARefusalBooksNothing() {
        LeasingSetup s = LeasingSetup.create(server, "qn");
        String o2 = s.offerAnotherNode(server, "qn-node-2");
        String o3 = s.offerAnotherNode(server, "qn-node-3");
        putQuota("qn-lessee", Map.of("max_leased_nodes", 2)).expect(200);
        Instant t = monday;
        claim(s.lesseeToken(), s.offer(), t.plusSeconds(3600), t.plusSeconds(2 * 3600)).expect(201);
        claim(s.lesseeToken(), s.offer(), t.plusSeconds(3 * 3600), t.plusSeconds(4 * 3600)).expect(201);
        // Overlaps both leases, but never both at once: 2 nodes at most, not 3.
        claim(s.lesseeToken(), o2, t, t.plusSeconds(5 * 3600)).expect(201);

        int leasesBefore = leases(s.lesseeToken()).size();
        TestClient.Response refused = claim(s.lesseeToken(), o3, t.plusSeconds(5400), t.plusSeconds(9000)).expect(403);
        assertThat(refused.json().path("faultcode").asText()).isEqualTo("Client");
        assertThat(refused.json().path("faultstring").asText()).isEqualTo("Quota exceeded: project qn-lessee may hold at most 2 leased nodes"
                + " at once; this lease would make 3 from " + LeaseTimes.format(t.plusSeconds(5400)));
        assertThat(leases(s.lesseeToken())).hasSize(leasesBefore);
        // The offer is still free from now on without a gap (its availabilities start at the current instant).
        JsonNode free = http.get("/lease/v1/offers/" + o3, s.lesseeToken()).expect(200).json().path("availabilities");
        assertThat(free).hasSize(1);
        assertThat(free.get(0).get(1).asText()).isEqualTo(LeaseTimes.format(LeaseTimes.FOREVER));

        // Back to back with the first lease's end (half-open windows): 2 at once, admitted.
        claim(s.lesseeToken(), o3, t.plusSeconds(2 * 3600), t.plusSeconds(3 * 3600)).expect(201);
        // The limit is the lessee's own: the admin books for the project past it.
        http.post("/baremetal/v1/nodes", s.ownerToken(), Map.of("name", "qn-node-4", "driver", "fake-hardware")).expect(201);
        http.post("/lease/v1/leases", admin, Map.of("resource_uuid", "qn-node-4", "project_id", "qn-lessee",
                "start_time", t.toString(), "end_time", t.plusSeconds(5 * 3600).toString())).expect(201);
        assertThat(leases(s.lesseeToken())).hasSize(leasesBefore + 2);
    }

    @Test
    void nodeHoursCountPerCalendarPeriodIncludingLeasesAcrossAnEdgeAndEndedLeasesOnlyForTheirUsedTime() {
        LeasingSetup s = LeasingSetup.create(server, "qh");
        String o2 = s.offerAnotherNode(server, "qh-node-2");
        String o3 = s.offerAnotherNode(server, "qh-node-3");
        putQuota("qh-lessee", Map.of("max_node_hours", "10", "period", "week")).expect(200);
        Instant t = monday;
        Instant lastWeek = t.minus(7, ChronoUnit.DAYS);
        // 2 hours in the week before, 3 in this one.
        claim(s.lesseeToken(), s.offer(), t.minusSeconds(2 * 3600), t.plusSeconds(3 * 3600)).expect(201);
        String seven = claim(s.lesseeToken(), o2, t.plusSeconds(3600), t.plusSeconds(8 * 3600)).expect(201).json().path("uuid").asText();
        int before = leases(s.lesseeToken()).size();
        TestClient.Response over = claim(s.lesseeToken(), o3, t.plusSeconds(10 * 3600), t.plusSeconds(10 * 3600 + 60)).expect(403);
        assertThat(over.json().path("faultstring").asText()).isEqualTo("Quota exceeded: project qh-lessee may use at most 10 node-hours"
                + " per week; this lease would make 10.0167 node-hours in the week from " + LeaseTimes.format(t));
        assertThat(leases(s.lesseeToken())).hasSize(before);
        // The week before has 8 hours left, not one more.
        claim(s.lesseeToken(), o3, t.minusSeconds(11 * 3600), t.minusSeconds(3 * 3600)).expect(201);
        TestClient.Response full = claim(s.lesseeToken(), o2, t.minusSeconds(12 * 3600), t.minusSeconds(11 * 3600)).expect(403);
        assertThat(full.json().path("faultstring").asText()).endsWith("would make 11 node-hours in the week from " + LeaseTimes.format(lastWeek));

        // The 7-hour lease ended after 1 hour: only that hour counts, so 6 more fit this week.
        endedAt(seven, t.plusSeconds(2 * 3600));
        claim(s.lesseeToken(), o3, t.plusSeconds(10 * 3600), t.plusSeconds(16 * 3600)).expect(201);
        claim(s.lesseeToken(), o3, t.plusSeconds(16 * 3600), t.plusSeconds(16 * 3600 + 1)).expect(403);
        JsonNode shown = http.get("/market/v1/quotas/qh-lessee", s.lesseeToken()).expect(200).json();
        assertThat(shown.path("max_node_hours").asText()).isEqualTo("10");
        assertThat(shown.path("period").asText()).isEqualTo("week");
    }

    @Test
    void aDailyLimitRefusesTheDayItWouldPassAndNamesIt() {
        LeasingSetup s = LeasingSetup.create(server, "qd");
        String o2 = s.offerAnotherNode(server, "qd-node-2");
        putQuota("qd-lessee", Map.of("max_node_hours", 5.5, "period", "day")).expect(200);
        Instant d = monday.plus(2, ChronoUnit.DAYS);
        // 4 hours on one day, 1 on the next.
        claim(s.lesseeToken(), s.offer(), d.plusSeconds(20 * 3600), d.plusSeconds(25 * 3600)).expect(201);
        TestClient.Response r = claim(s.lesseeToken(), o2, d.plusSeconds(26 * 3600), d.plusSeconds(31 * 3600)).expect(403);
        assertThat(r.json().path("faultstring").asText()).isEqualTo("Quota exceeded: project qd-lessee may use at most 5.5 node-hours"
                + " per day; this lease would make 6 node-hours in the day from " + LeaseTimes.format(d.plus(1, ChronoUnit.DAYS)));
        claim(s.lesseeToken(), o2, d.plusSeconds(26 * 3600), d.plusSeconds(30 * 3600 + 1800)).expect(201);
        // A lease ended before it started counts nothing.
        String cancelled = claim(s.lesseeToken(), s.offer(), d.plusSeconds(50 * 3600), d.plusSeconds(55 * 3600)).expect(201).json().path("uuid").asText();
        http.delete("/lease/v1/leases/" + cancelled, s.lesseeToken()).expect(200);
        claim(s.lesseeToken(), o2, d.plusSeconds(49 * 3600), d.plusSeconds(54 * 3600)).expect(201);
    }

    @Test
    void anExtensionPastALimitIs403AndLeavesTheLeaseAsItWas() {
        LeasingSetup s = LeasingSetup.create(server, "qe");
        String o2 = s.offerAnotherNode(server, "qe-node-2");
        putQuota("qe-lessee", Map.of("max_leased_nodes", 1)).expect(200);
        Instant t = monday.plus(3, ChronoUnit.DAYS);
        String x = claim(s.lesseeToken(), s.offer(), t.plusSeconds(3600), t.plusSeconds(2 * 3600)).expect(201).json().path("uuid").asText();
        claim(s.lesseeToken(), o2, t.plusSeconds(3 * 3600), t.plusSeconds(4 * 3600)).expect(201);
        // The owner moves lease ends (leasing's rule); the lessee's quota still binds the lease.
        TestClient.Response r = http.patch("/lease/v1/leases/" + x, s.ownerToken(), Map.of("end_time", t.plusSeconds(12600).toString()))
                .expect(403);
        assertThat(r.json().path("faultstring").asText()).isEqualTo("Quota exceeded: project qe-lessee may hold at most 1 leased node"
                + " at once; this lease would make 2 from " + LeaseTimes.format(t.plusSeconds(3 * 3600)));
        JsonNode lease = http.get("/lease/v1/leases/" + x, s.lesseeToken()).expect(200).json();
        assertThat(lease.path("end_time").asText()).isEqualTo(LeaseTimes.format(t.plusSeconds(2 * 3600)));
        // Up to the other lease's start: the lease being extended is not counted twice.
        http.patch("/lease/v1/leases/" + x, s.ownerToken(), Map.of("end_time", t.plusSeconds(3 * 3600).toString())).expect(200);

        // Booked before the limit was lowered, two leases overlap: an extension is judged by the time it adds only.
        putQuota("qe-lessee", Map.of("max_leased_nodes", 2)).expect(200);
        String y = claim(s.lesseeToken(), s.offer(), t.plusSeconds(5 * 3600), t.plusSeconds(7 * 3600)).expect(201).json().path("uuid").asText();
        String z = claim(s.lesseeToken(), o2, t.plusSeconds(6 * 3600), t.plusSeconds(8 * 3600)).expect(201).json().path("uuid").asText();
        putQuota("qe-lessee", Map.of("max_leased_nodes", 1)).expect(200);
        http.patch("/lease/v1/leases/" + y, s.ownerToken(), Map.of("end_time", t.plusSeconds(7 * 3600 + 1800).toString())).expect(403);
        http.patch("/lease/v1/leases/" + z, s.ownerToken(), Map.of("end_time", t.plusSeconds(9 * 3600).toString())).expect(200);
    }

    @Test
    void aMonthlyLimitCountsEachCalendarMonth() {
        LeasingSetup s = LeasingSetup.create(server, "qm");
        String o2 = s.offerAnotherNode(server, "qm-node-2");
        putQuota("qm-lessee", Map.of("max_node_hours", 3, "period", "month")).expect(200);
        Instant m = Instant.now().plus(20, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC).toLocalDate()
                .with(TemporalAdjusters.firstDayOfNextMonth()).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant before = m.atOffset(ZoneOffset.UTC).minusMonths(1).toInstant();
        // 1 hour in the month before, 2 in this one; then this month is full and the one before has 2 left.
        claim(s.lesseeToken(), s.offer(), m.minusSeconds(3600), m.plusSeconds(2 * 3600)).expect(201);
        claim(s.lesseeToken(), o2, m.plusSeconds(2 * 3600), m.plusSeconds(3 * 3600)).expect(201);
        TestClient.Response r = claim(s.lesseeToken(), o2, m.plusSeconds(3 * 3600), m.plusSeconds(3 * 3600 + 36)).expect(403);
        assertThat(r.json().path("faultstring").asText()).isEqualTo("Quota exceeded: project qm-lessee may use at most 3 node-hours"
                + " per month; this lease would make 3.01 node-hours in the month from " + LeaseTimes.format(m));
        claim(s.lesseeToken(), o2, m.minusSeconds(3 * 3600), m.minusSeconds(3600)).expect(201);
        TestClient.Response prev = claim(s.lesseeToken(), o2, m.minusSeconds(4 * 3600), m.minusSeconds(3 * 3600)).expect(403);
        assertThat(prev.json().path("faultstring").asText()).endsWith("in the month from " + LeaseTimes.format(before));
    }

    @Test
    void periodsAreUtcCalendarPeriods() {
        Instant sunday = Instant.parse("2026-03-01T23:59:59.999999Z");
        assertThat(Period.DAY.startOf(sunday)).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(Period.WEEK.startOf(sunday)).isEqualTo(Instant.parse("2026-02-23T00:00:00Z"));
        assertThat(Period.WEEK.startOf(Instant.parse("2026-02-23T00:00:00Z"))).isEqualTo(Instant.parse("2026-02-23T00:00:00Z"));
        assertThat(Period.MONTH.startOf(sunday)).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(Period.MONTH.next(Instant.parse("2026-02-01T00:00:00Z"))).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(Period.WEEK.next(Instant.parse("2026-12-28T00:00:00Z"))).isEqualTo(Instant.parse("2027-01-04T00:00:00Z"));
    }

    @Test
    void onlyTheAdminSetsQuotasAndBadInputIs400AndChangesNothing() {
        String p = server.createProject("qa-project", null);
        String other = server.createProject("qa-other", null);
        String mine = server.userToken("qa-user", p, "lessee");
        String theirs = server.userToken("qa-other-user", other, "lessee");
        // No quota: shown without limits, to the project itself only.
        JsonNode none = http.get("/market/v1/quotas/qa-project", mine).expect(200).json();
        assertThat(none.path("max_leased_nodes").isNull()).isTrue();
        assertThat(none.path("leased_nodes").asInt()).isZero();
        http.get("/market/v1/quotas/qa-project", theirs).expect(404);
        http.put("/market/v1/quotas/qa-project", mine, Map.of("max_leased_nodes", 9)).expect(403);
        http.put("/market/v1/quotas/qa-project", theirs, Map.of("max_leased_nodes", 9)).expect(403);

        JsonNode set = putQuota(p, Map.of("max_leased_nodes", 3, "max_node_hours", "12.25", "period", "month")).expect(200).json();
        assertThat(set.path("project").asText()).isEqualTo("qa-project");
        assertThat(set.path("max_leased_nodes").asInt()).isEqualTo(3);
        assertThat(set.path("max_node_hours").asText()).isEqualTo("12.25");
        assertThat(set.path("period").asText()).isEqualTo("month");
        assertThat(set.path("node_hours").asText()).isEqualTo("0");
        assertThat(set.path("period_start").asText()).endsWith("-01T00:00:00");
        assertThat(http.get("/market/v1/quotas/" + p, mine).expect(200).json().path("max_node_hours").asText()).isEqualTo("12.25");
        http.get("/market/v1/quotas/qa-project", theirs).expect(404);
        http.delete("/market/v1/quotas/qa-project", mine).expect(403);
        assertThat(http.get("/market/v1/quotas", mine).expect(200).json().path("quotas")).hasSize(1);
        assertThat(http.get("/market/v1/quotas", theirs).expect(200).json().path("quotas").get(0).path("project").asText()).isEqualTo("qa-other");
        JsonNode all = http.get("/market/v1/quotas?limit=1", admin).expect(200).json();
        assertThat(all.path("quotas")).hasSize(1);

        List<Map<String, Object>> bad = new ArrayList<>();
        bad.add(Map.of());
        bad.add(Map.of("max_leased_nodes", 0));
        bad.add(Map.of("max_leased_nodes", -1));
        bad.add(Map.of("max_leased_nodes", 1.5));
        bad.add(Map.of("max_leased_nodes", "3"));
        bad.add(Map.of("max_leased_nodes", 99999999999L));
        bad.add(Map.of("max_node_hours", "5"));
        bad.add(Map.of("max_node_hours", "5", "period", "year"));
        bad.add(Map.of("max_node_hours", "0", "period", "day"));
        bad.add(Map.of("max_node_hours", "1.00001", "period", "day"));
        bad.add(Map.of("max_node_hours", "-1", "period", "day"));
        bad.add(Map.of("max_node_hours", "1e3", "period", "day"));
        bad.add(Map.of("max_node_hours", true, "period", "day"));
        bad.add(Map.of("max_leased_nodes", 1, "bogus", 1));
        Map<String, Object> nulls = new HashMap<>();
        nulls.put("max_leased_nodes", null);
        nulls.put("max_node_hours", null);
        bad.add(nulls);
        for (Map<String, Object> b : bad) {
            assertThat(putQuota(p, b).status()).as(b.toString()).isEqualTo(400);
        }
        http.send("PUT", "/market/v1/quotas/" + p, admin, "{\"max_node_hours\": 1e400, \"period\": \"day\"}", Map.of()).expect(400);
        putQuota("no-such-project", Map.of("max_leased_nodes", 1)).expect(404);
        assertThat(http.get("/market/v1/quotas/" + p, admin).expect(200).json().path("max_leased_nodes").asInt()).isEqualTo(3);

        http.delete("/market/v1/quotas/qa-project", admin).expect(204);
        http.delete("/market/v1/quotas/qa-project", admin).expect(404);
        assertThat(http.get("/market/v1/quotas/qa-project", mine).expect(200).json().path("max_leased_nodes").isNull()).isTrue();
    }

    @Test
    void sixteenConcurrentClaimsOnTwoInstancesGiveExactlyTheLimit() throws Exception {
        LeasingSetup s = LeasingSetup.create(server, "qr");
        List<String> offers = new ArrayList<>(List.of(s.offer()));
        for (int i = 2; i <= 16; i++) {
            offers.add(s.offerAnotherNode(server, "qr-node-" + i));
        }
        putQuota("qr-lessee", Map.of("max_leased_nodes", 5)).expect(200);
        Instant t = monday.plus(4, ChronoUnit.DAYS);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestClient.Response>> sent = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            TestClient client = (i % 2 == 0 ? server : second).client();
            String offer = offers.get(i);
            sent.add(pool.submit(() -> {
                go.await();
                return client.post("/lease/v1/offers/" + offer + "/claim", s.lesseeToken(),
                        Map.of("start_time", t.toString(), "end_time", t.plus(Duration.ofHours(2)).toString()));
            }));
        }
        go.countDown();
        int won = 0;
        int refused = 0;
        for (Future<TestClient.Response> f : sent) {
            TestClient.Response r = f.get();
            if (r.status() == 201) {
                won++;
            } else {
                assertThat(r.status()).as(r.body()).isEqualTo(403);
                assertThat(r.json().path("faultstring").asText()).startsWith("Quota exceeded: project qr-lessee may hold at most 5");
                refused++;
            }
        }
        pool.shutdown();
        assertThat(won).isEqualTo(5);
        assertThat(refused).isEqualTo(11);
        assertThat(leases(s.lesseeToken())).hasSize(5);
    }

    private static TestClient.Response putQuota(String project, Map<String, Object> body) {
        return http.put("/market/v1/quotas/" + project, admin, body);
    }

    private static TestClient.Response claim(String token, String offer, Instant start, Instant end) {
        return http.post("/lease/v1/offers/" + offer + "/claim", token, Map.of("start_time", start.toString(), "end_time", end.toString()));
    }

    private static JsonNode leases(String token) {
        return http.get("/lease/v1/leases", token).expect(200).json().path("leases");
    }

    /** The lease as the lifecycle leaves one that ended at {@code at}: expired then, its booking released. */
    private static void endedAt(String lease, Instant at) {
        server.server().database().jdbi().useHandle(h -> {
            h.createUpdate("update lease set status = 'expired', expire_time = :at, due_at = null where uuid = cast(:u as uuid)")
                    .bind("at", at.atOffset(ZoneOffset.UTC)).bind("u", lease).execute();
            h.createUpdate("update booking set live = false where uuid = cast(:u as uuid)").bind("u", lease).execute();
        });
    }
}
