package org.esi.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.lease.LeaseService;
import org.esi.lease.LeaseTimes;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Priced offers through the leasing API: the claim holds the cost, the lease's end settles it, 402 changes nothing. */
class PricedLeaseTest {
    /** 3,600 credits per node-hour: one credit a second, so short real leases cost whole credits. */
    static final String PER_SECOND = "3600";
    static final long PER_SECOND_UNITS = 3600 * Money.UNITS_PER_CREDIT;
    private static TestingEsiServer server;
    private static TestingEsiServer second;
    private static TestClient http;
    private static String admin;
    private static String owner;
    private static String ownerProject;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        second = TestingEsiServer.sharing(server, Clock.systemUTC());
        http = server.client();
        admin = server.adminToken();
        ownerProject = server.createProject("priced-owner", null);
        owner = server.userToken("priced-owner-user", ownerProject, "owner");
    }

    @AfterAll
    static void stop() {
        second.close();
        server.close();
    }

    private record Lessee(String project, String token) {}

    private static Lessee lessee(String name, String credits) {
        String p = server.createProject(name, null);
        if (credits != null) {
            http.post("/market/v1/accounts/" + p + "/grants", admin, Map.of("amount", credits)).expect(201);
        }
        return new Lessee(p, server.userToken(name + "-user", p, "lessee"));
    }

    private static String offer(String node, String price, String resourceClass) {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware", "resource_class", resourceClass)).expect(201);
        Map<String, Object> body = new java.util.HashMap<>(Map.of("resource_uuid", node));
        if (price != null) {
            body.put("price", price);
        }
        JsonNode o = http.post("/lease/v1/offers", owner, body).expect(201).json();
        if (price != null) {
            assertThat(o.path("price").asText()).isEqualTo(price);
        } else {
            assertThat(o.has("price")).isFalse();
        }
        return o.path("uuid").asText();
    }

    private static JsonNode account(String project) {
        return http.get("/market/v1/accounts/" + project, admin).expect(200).json();
    }

    private static List<String> kinds(String project) {
        return http.get("/market/v1/accounts/" + project + "/entries", admin).expect(200).json().path("entries").findValuesAsText("kind");
    }

    @Test
    void aClaimHoldsItsCostAndItsEndPaysTheOwnerForTheTimeTheLesseeHadIt() throws Exception {
        Lessee l = lessee("priced-a", "10");
        long ownerBefore = Money.parse(account(ownerProject).path("balance").asText(), "b");
        String offer = offer("priced-n1", PER_SECOND, "priced");
        Instant start = Instant.now().plusSeconds(1);
        JsonNode lease = http.post("/lease/v1/offers/" + offer + "/claim", l.token(),
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(2).toString())).expect(201).json();
        assertThat(lease.path("price").asText()).isEqualTo(PER_SECOND);
        assertThat(lease.path("cost").asText()).isEqualTo("2");
        JsonNode held = account(l.project());
        assertThat(held.path("balance").asText()).isEqualTo("8");
        assertThat(held.path("held").asText()).isEqualTo("2");

        JsonNode ended = await(l.token(), lease.path("uuid").asText(), "expired");
        Instant from = LeaseTimes.parse(ended.path("fulfill_time").asText(), "f");
        Instant to = LeaseTimes.parse(ended.path("expire_time").asText(), "e");
        Instant leaseEnd = LeaseTimes.parse(ended.path("end_time").asText(), "e");
        long owed = LeaseService.cost(PER_SECOND_UNITS, from.isAfter(start) ? from : start, to.isBefore(leaseEnd) ? to : leaseEnd);
        assertThat(owed).isPositive().isLessThanOrEqualTo(2 * Money.UNITS_PER_CREDIT);
        JsonNode after = account(l.project());
        assertThat(after.path("held").asText()).isEqualTo("0");
        assertThat(Money.parse(after.path("balance").asText(), "b")).isEqualTo(10 * Money.UNITS_PER_CREDIT - owed);
        assertThat(Money.parse(account(ownerProject).path("balance").asText(), "b") - ownerBefore).isEqualTo(owed);
        assertThat(kinds(l.project())).startsWith("settle").contains("hold", "grant");

        JsonNode events = http.get("/lease/v1/events?event_type=esi.market", l.token()).expect(200).json().path("events");
        assertThat(events.findValuesAsText("event_type")).contains("esi.market.grant", "esi.market.hold", "esi.market.settle");
        assertThat(events.findValuesAsText("object_type")).containsOnly("market_transaction");
        assertLedgerBalances();
    }

    @Test
    void aClaimTheLesseeCannotPayIs402AndChangesNothing() {
        Lessee l = lessee("priced-b", "1");
        String offer = offer("priced-n2", PER_SECOND, "priced");
        Instant start = Instant.now().plus(Duration.ofDays(1));
        TestClient.Response r = http.post("/lease/v1/offers/" + offer + "/claim", l.token(),
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(2).toString()));
        assertThat(r.status()).isEqualTo(402);
        assertThat(r.json().path("faultstring").asText()).isEqualTo("insufficient credits: cost 2, available 1");
        assertThat(http.get("/lease/v1/leases?project_id=" + l.project(), l.token()).expect(200).json().path("leases")).isEmpty();
        assertThat(http.get("/lease/v1/offers/" + offer, l.token()).expect(200).json().path("availabilities")).hasSize(1);
        assertThat(account(l.project()).path("balance").asText()).isEqualTo("1");
        assertThat(kinds(l.project())).containsExactly("grant");
        // Nothing was booked: with one more credit the very same window is free to claim.
        http.post("/market/v1/accounts/" + l.project() + "/grants", admin, Map.of("amount", "1")).expect(201);
        http.post("/lease/v1/offers/" + offer + "/claim", l.token(),
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(2).toString())).expect(201);
        assertThat(account(l.project()).path("balance").asText()).isEqualTo("0");
    }

    @Test
    void aLeaseCancelledBeforeItStartsIsRefundedInFullAndAnExtensionHoldsTheDifference() {
        Lessee l = lessee("priced-c", "5");
        long ownerBefore = Money.parse(account(ownerProject).path("balance").asText(), "b");
        String offer = offer("priced-n3", "1", "priced");
        Instant start = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        JsonNode lease = http.post("/lease/v1/offers/" + offer + "/claim", l.token(),
                Map.of("start_time", start.toString(), "end_time", start.plus(Duration.ofHours(2)).toString())).expect(201).json();
        String uuid = lease.path("uuid").asText();
        assertThat(lease.path("cost").asText()).isEqualTo("2");
        assertThat(account(l.project()).path("balance").asText()).isEqualTo("3");

        // Two more hours (the owner or an admin moves a lease's end) hold two more credits; two more again than the
        // balance covers is 402 and the lease keeps its end.
        JsonNode longer = http.patch("/lease/v1/leases/" + uuid, admin,
                Map.of("end_time", LeaseTimes.format(start.plus(Duration.ofHours(4))))).expect(200).json();
        assertThat(longer.path("cost").asText()).isEqualTo("4");
        assertThat(account(l.project()).path("balance").asText()).isEqualTo("1");
        TestClient.Response tooLong = http.patch("/lease/v1/leases/" + uuid, admin,
                Map.of("end_time", LeaseTimes.format(start.plus(Duration.ofHours(6)))));
        assertThat(tooLong.status()).isEqualTo(402);
        JsonNode kept = http.get("/lease/v1/leases/" + uuid, l.token()).expect(200).json();
        assertThat(kept.path("end_time").asText()).isEqualTo(LeaseTimes.format(start.plus(Duration.ofHours(4))));
        assertThat(kept.path("cost").asText()).isEqualTo("4");

        http.delete("/lease/v1/leases/" + uuid, l.token()).expect(200);
        JsonNode after = account(l.project());
        assertThat(after.path("balance").asText()).isEqualTo("5");
        assertThat(after.path("held").asText()).isEqualTo("0");
        assertThat(Money.parse(account(ownerProject).path("balance").asText(), "b")).isEqualTo(ownerBefore);
        assertThat(kinds(l.project())).containsExactly("refund", "refund", "hold", "hold", "grant");
        assertLedgerBalances();
    }

    @Test
    void theSameIdempotencyKeyTwiceIsOneLeaseAndOneCharge() {
        Lessee l = lessee("priced-d", "10");
        String offer = offer("priced-n4", "1", "priced");
        Instant start = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        Map<String, Object> body = Map.of("start_time", start.toString(), "end_time", start.plus(Duration.ofHours(3)).toString());
        Map<String, String> key = Map.of("Idempotency-Key", "priced-claim-1");
        JsonNode first = http.send("POST", "/lease/v1/offers/" + offer + "/claim", l.token(), body, key).expect(201).json();
        TestClient.Response again = second.client().send("POST", "/lease/v1/offers/" + offer + "/claim", l.token(), body, key).expect(201);
        assertThat(again.json().path("uuid")).isEqualTo(first.path("uuid"));
        assertThat(account(l.project()).path("balance").asText()).isEqualTo("7");
        assertThat(kinds(l.project())).containsExactly("hold", "grant");
    }

    @Test
    void freeOffersNeedNoCredits() {
        Lessee l = lessee("priced-e", null);
        String offer = offer("priced-n5", null, "priced");
        JsonNode lease = http.post("/lease/v1/offers/" + offer + "/claim", l.token(), Map.of()).expect(201).json();
        assertThat(lease.has("price")).isFalse();
        assertThat(lease.has("cost")).isFalse();
        assertThat(kinds(l.project())).isEmpty();
    }

    @Test
    void badPricesAre400AndCreateNoOffer() {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", "priced-bad", "driver", "fake-hardware")).expect(201);
        for (Object bad : List.of("-1", "1.00001", "abc", "", true, -3)) {
            http.post("/lease/v1/offers", owner, Map.of("resource_uuid", "priced-bad", "price", bad)).expect(400);
        }
        assertThat(http.get("/lease/v1/offers?resource_uuid=priced-bad", owner).expect(200).json().path("offers")).isEmpty();
    }

    /**
     * 32 claims of distinct offers costing 3 credits each, from a project with 40, sent at once to two instances: exactly
     * the 13 that fit win, the other 19 are 402, and the account ends with 1 credit and 39 held.
     */
    @Test
    void racingClaimsAcrossTwoInstancesTakeExactlyWhatTheBalanceCovers() throws Exception {
        Lessee l = lessee("priced-race", "40");
        List<String> offers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            offers.add(offer("priced-race-" + i, "1", "race"));
        }
        Instant start = Instant.now().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
        Map<String, Object> body = Map.of("start_time", start.toString(), "end_time", start.plus(Duration.ofHours(3)).toString());
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestClient.Response>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                TestClient client = (i % 2 == 0 ? server : second).client();
                String o = offers.get(i);
                sent.add(pool.submit(() -> {
                    go.await();
                    return client.post("/lease/v1/offers/" + o + "/claim", l.token(), body);
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
                    assertThat(r.status()).as(r.body()).isEqualTo(402);
                    refused++;
                }
            }
            assertThat(won).isEqualTo(13);
            assertThat(refused).isEqualTo(19);
        } finally {
            pool.shutdownNow();
        }
        JsonNode acct = account(l.project());
        assertThat(acct.path("balance").asText()).isEqualTo("1");
        assertThat(acct.path("held").asText()).isEqualTo("39");
        assertThat(http.get("/lease/v1/leases?project_id=" + l.project(), l.token()).expect(200).json().path("leases")).hasSize(13);
        assertLedgerBalances();
    }

    @Test
    void usageAndThePriceIndexShowWhatWasLentAndAsked() throws Exception {
        for (String p : List.of("1", "2", "4")) {
            offer("index-" + p, p, "index-rc");
        }
        offer("index-free", null, "index-rc");
        JsonNode prices = http.get("/market/v1/prices?resource_class=index-rc", admin).expect(200).json().path("prices");
        assertThat(prices).hasSize(1);
        assertThat(prices.get(0).path("offers").asInt()).isEqualTo(3);
        assertThat(prices.get(0).path("free_offers").asInt()).isEqualTo(1);
        assertThat(prices.get(0).path("min").asText()).isEqualTo("1");
        assertThat(prices.get(0).path("median").asText()).isEqualTo("2");
        assertThat(prices.get(0).path("max").asText()).isEqualTo("4");

        Lessee l = lessee("priced-usage", "10");
        String offer = offer("usage-n1", PER_SECOND, "usage");
        Instant start = Instant.now().plusSeconds(1);
        JsonNode lease = http.post("/lease/v1/offers/" + offer + "/claim", l.token(),
                Map.of("start_time", start.toString(), "end_time", start.plusSeconds(2).toString())).expect(201).json();
        await(l.token(), lease.path("uuid").asText(), "expired");
        long spent = 10 * Money.UNITS_PER_CREDIT - Money.parse(account(l.project()).path("balance").asText(), "b");
        JsonNode usage = http.get("/market/v1/usage", l.token()).expect(200).json().path("projects");
        assertThat(usage).hasSize(1);
        JsonNode mine = usage.get(0);
        assertThat(mine.path("project").asText()).isEqualTo("priced-usage");
        // The report values each lease's time as settlement does: the same credits, to the 1/10,000.
        assertThat(Money.parse(mine.path("credits_spent").asText(), "s")).isEqualTo(spent);
        assertThat(Money.parse(mine.path("node_hours_used").asText(), "h")).isBetween(1L, 6L); // up to 2 s: 0.0005 h
        assertThat(mine.path("by_owner").get(0).path("project").asText()).isEqualTo("priced-owner");

        JsonNode lent = http.get("/market/v1/usage?project=priced-owner", owner).expect(200).json().path("projects").get(0);
        JsonNode node = null;
        for (JsonNode n : lent.path("by_node")) {
            if (n.path("node").asText().equals("usage-n1")) {
                node = n;
            }
        }
        assertThat(node).isNotNull();
        assertThat(Money.parse(node.path("credits_earned").asText(), "e")).isEqualTo(spent);
        http.get("/market/v1/usage?project=priced-owner", l.token()).expect(403);
        http.get("/market/v1/usage?start=2026-01-02T00:00:00&end=2026-01-01T00:00:00", l.token()).expect(400);

        TestClient.Response csv = http.send("GET", "/market/v1/usage", l.token(), null, Map.of("Accept", "text/csv")).expect(200);
        String[] lines = csv.body().split("\r\n");
        assertThat(lines[0]).isEqualTo("project_id,project,role,counterparty_id,counterparty,node_uuid,node,node_hours,credits");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).startsWith(l.project() + ",priced-usage,lessee," + ownerProject + ",priced-owner,")
                .contains(",usage-n1,").endsWith("," + Money.format(spent));
    }

    private static JsonNode await(String token, String lease, String status) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(15);
        JsonNode l;
        do {
            l = http.get("/lease/v1/leases/" + lease, token).expect(200).json();
            if (l.path("status").asText().equals(status)) {
                return l;
            }
            Thread.sleep(50);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("lease " + lease + " did not become " + status + ": " + l);
    }

    /** Every account, mint included, sums to zero; every hold's end balanced what it held. */
    private static void assertLedgerBalances() {
        server.server().database().jdbi().useHandle(LedgerChecks::assertBalanced);
    }
}
