package org.esi.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esi.lease.LeaseTimes;
import org.esi.testing.Poll;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bids and the matcher against real PostgreSQL, two instances on one database (both run the matcher): which offers a
 * bid takes, in which order bids are served, what a failed match leaves (nothing), and the ledger after it all.
 * Each test has its own resource class, so the bids of one never see the offers of another.
 */
class BidMatcherTest {
    private static TestingEsiServer a;
    private static TestingEsiServer b;
    private static TestClient http;
    private static String admin;
    private static String owner;
    private static Jdbi jdbi;
    /** A day ahead on the hour: every fixed window below starts there, so none expires while a test runs. */
    private static final Instant T = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start();
        b = TestingEsiServer.sharing(a, Clock.systemUTC());
        http = a.client();
        admin = a.adminToken();
        owner = a.createProject("bid-owner", null);
        jdbi = a.server().database().jdbi();
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    /** Whatever a test did, the ledger still balances: every account, every transaction, the whole. */
    @AfterEach
    void ledgerSumsStayZero() {
        jdbi.useHandle(LedgerChecks::assertBalanced);
    }

    @Test
    void backToBackWindowsOnOneOfferAreBothLeasedWithoutOverlap() throws Exception {
        String lessee = lessee("b2b");
        String offer = offer("b2b-node", "b2b", Map.of(), null, T, T.plus(4, ChronoUnit.HOURS));
        JsonNode first = bid(lessee, fixed(1, "b2b", T, T.plus(2, ChronoUnit.HOURS)));
        JsonNode second = bid(lessee, fixed(1, "b2b", T.plus(2, ChronoUnit.HOURS), T.plus(4, ChronoUnit.HOURS)));
        JsonNode m1 = awaitStatus(first, lessee, "matched");
        JsonNode m2 = awaitStatus(second, lessee, "matched");
        JsonNode l1 = lease(m1.path("leases").get(0).asText());
        JsonNode l2 = lease(m2.path("leases").get(0).asText());
        assertThat(l1.path("offer_uuid").asText()).isEqualTo(offer);
        assertThat(l2.path("offer_uuid").asText()).isEqualTo(offer);
        requireWindow(l1, T, T.plus(2, ChronoUnit.HOURS));
        requireWindow(l2, T.plus(2, ChronoUnit.HOURS), T.plus(4, ChronoUnit.HOURS));
        assertThat(m1.path("cost").asText()).isEqualTo("0");
    }

    @Test
    void aBidTakesExactlyItsQuantityOfTheCheapestOffersAndPaysTheirAskingPrice() throws Exception {
        String project = a.createProject("cheap-lessee", null);
        String lessee = lesseeOf(project);
        grant(project, "100");
        Map<String, String> byPrice = new LinkedHashMap<>();
        for (String price : List.of("5", "1", "3", "2", "4", "9")) {
            byPrice.put(offer("cheap-" + price, "cheap", Map.of(), price, null, null), price);
        }
        JsonNode bid = bid(lessee, with(fixed(3, "cheap", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 4.5));
        JsonNode matched = awaitStatus(bid, lessee, "matched");
        assertThat(matched.path("leases")).hasSize(3);
        Set<String> prices = new HashSet<>();
        for (JsonNode l : matched.path("leases")) {
            JsonNode lease = lease(l.asText());
            prices.add(byPrice.get(lease.path("offer_uuid").asText()));
            assertThat(lease.path("project_id").asText()).isEqualTo(project);
        }
        assertThat(prices).containsExactlyInAnyOrder("1", "2", "3");
        assertThat(matched.path("cost").asText()).isEqualTo("6"); // asking prices 1 + 2 + 3 for one hour, not 3 × 4.5
        JsonNode account = http.get("/market/v1/accounts/" + project, lessee).expect(200).json();
        assertThat(account.path("held").asText()).isEqualTo("6");
        assertThat(account.path("balance").asText()).isEqualTo("94");
        // Every hold and hold entry of the match names the bid.
        String uuid = bid.path("uuid").asText();
        jdbi.useHandle(h -> {
            assertThat(h.createQuery("select count(*) from market_hold where bid_uuid = cast(:b as uuid)").bind("b", uuid)
                    .mapTo(Long.class).one()).isEqualTo(3);
            assertThat(h.createQuery("select count(*) from market_entry where bid_uuid = cast(:b as uuid) and kind = 'hold'").bind("b", uuid)
                    .mapTo(Long.class).one()).isEqualTo(6);
        });

        // Of what is left only the offer at 4 is within 4.5 (5 and 9 are not): a bid for two is not met, and stays open.
        JsonNode more = bid(lessee, with(fixed(2, "cheap", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 4.5));
        a.server().bidMatcher().runOnce();
        JsonNode open = show(more, lessee);
        assertThat(open.path("status").asText()).isEqualTo("open");
        assertThat(open.path("leases")).isEmpty();
        assertThat(http.get("/market/v1/accounts/" + project, lessee).expect(200).json().path("held").asText()).isEqualTo("6");
    }

    @Test
    void allOrNothingThatCannotBeMetLeasesNothingHoldsNothingAndStaysOpen() throws Exception {
        String project = a.createProject("aon-lessee", null);
        String lessee = lesseeOf(project);
        grant(project, "50");
        offer("aon-1", "aon", Map.of(), "1", null, null);
        offer("aon-2", "aon", Map.of(), "1", null, null);
        JsonNode bid = bid(lessee, with(fixed(3, "aon", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 2));
        a.server().bidMatcher().runOnce();
        b.server().bidMatcher().runOnce();
        JsonNode open = show(bid, lessee);
        assertThat(open.path("status").asText()).isEqualTo("open");
        assertThat(open.path("leases")).isEmpty();
        assertThat(leaseCount(project)).isZero();
        JsonNode account = http.get("/market/v1/accounts/" + project, lessee).expect(200).json();
        assertThat(account.path("held").asText()).isEqualTo("0");
        assertThat(account.path("balance").asText()).isEqualTo("50");
    }

    @Test
    void aPartialBidTakesWhatFitsAndTheRestLater() throws Exception {
        String lessee = lessee("part");
        offer("part-1", "part", Map.of(), null, null, null);
        offer("part-2", "part", Map.of(), null, null, null);
        JsonNode bid = bid(lessee, with(fixed(3, "part", T, T.plus(1, ChronoUnit.HOURS)), "all_or_nothing", false));
        JsonNode partial = awaitStatus(bid, lessee, "partially matched");
        assertThat(partial.path("leases")).hasSize(2);
        offer("part-3", "part", Map.of(), null, null, null);
        offer("part-4", "part", Map.of(), null, null, null);
        JsonNode matched = awaitStatus(bid, lessee, "matched");
        assertThat(matched.path("leases")).hasSize(3); // never more than asked, though a fourth offer is free
    }

    @Test
    void propertiesFilterTheNodes() throws Exception {
        String lessee = lessee("props");
        offer("props-small", "props", Map.of("cpus", 8), null, null, null);
        String big = offer("props-big", "props", Map.of("cpus", 64), null, null, null);
        JsonNode bid = bid(lessee, with(fixed(1, "props", T, T.plus(1, ChronoUnit.HOURS)), "properties", List.of("cpus>=32")));
        JsonNode matched = awaitStatus(bid, lessee, "matched");
        assertThat(lease(matched.path("leases").get(0).asText()).path("offer_uuid").asText()).isEqualTo(big);
    }

    @Test
    void competingBidsAreServedHighestMaxPriceFirstThenOldest() throws Exception {
        String lessee = lessee("compete");
        JsonNode olderAtThree = bid(lessee, with(fixed(1, "compete", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 3));
        JsonNode newerAtThree = bid(lessee, with(fixed(1, "compete", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 3));
        JsonNode newestAtFive = bid(lessee, with(fixed(1, "compete", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 5));
        offer("compete-1", "compete", Map.of(), null, null, null);
        offer("compete-2", "compete", Map.of(), null, null, null);
        awaitStatus(newestAtFive, lessee, "matched");
        awaitStatus(olderAtThree, lessee, "matched");
        a.server().bidMatcher().runOnce();
        assertThat(show(newerAtThree, lessee).path("status").asText()).isEqualTo("open");
    }

    @Test
    void aFlexibleBidGetsTheEarliestStartWhereAllFit() throws Exception {
        String lessee = lessee("flex");
        String other = a.userToken("flex-other-user", a.createProject("flex-other", null), "lessee");
        offer("flex-1", "flex", Map.of(), null, T, T.plus(10, ChronoUnit.HOURS));
        String busy = offer("flex-2", "flex", Map.of(), null, T, T.plus(10, ChronoUnit.HOURS));
        // flex-2 is taken for the first three hours: both machines are free together from T+3h on.
        http.post("/lease/v1/offers/" + busy + "/claim", other, Map.of("start_time", T.toString(),
                "end_time", T.plus(3, ChronoUnit.HOURS).toString())).expect(201);
        JsonNode bid = bid(lessee, Map.of("quantity", 2, "resource_class", "flex", "duration", "PT2H",
                "not_before", T.toString(), "not_after", T.plus(10, ChronoUnit.HOURS).toString()));
        JsonNode matched = awaitStatus(bid, lessee, "matched");
        for (JsonNode l : matched.path("leases")) {
            requireWindow(lease(l.asText()), T.plus(3, ChronoUnit.HOURS), T.plus(5, ChronoUnit.HOURS));
        }
        assertThat(matched.path("duration").asText()).isEqualTo("PT2H");
    }

    @Test
    void aLesseeThatCannotPayGetsNoLeaseAndItsBidSaysWhy() throws Exception {
        String project = a.createProject("poor-lessee", null);
        String lessee = lesseeOf(project);
        grant(project, "5");
        offer("poor-1", "poor", Map.of(), "10", null, null);
        JsonNode bid = bid(lessee, with(fixed(1, "poor", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 10));
        JsonNode refused = Poll.until(() -> show(bid, lessee), j -> !j.path("last_error").isNull(), Duration.ofSeconds(10), JsonNode::toString);
        assertThat(refused.path("status").asText()).isEqualTo("open");
        assertThat(refused.path("last_error").asText()).isEqualTo("insufficient credits: cost 10, available 5");
        assertThat(refused.path("leases")).isEmpty();
        assertThat(leaseCount(project)).isZero();
        assertThat(http.get("/market/v1/accounts/" + project, lessee).expect(200).json().path("held").asText()).isEqualTo("0");
        grant(project, "5");
        JsonNode matched = awaitStatus(bid, lessee, "matched");
        assertThat(matched.path("last_error").isNull()).isTrue();
        assertThat(matched.path("cost").asText()).isEqualTo("10");
    }

    @Test
    void cancelOpenBidsOnlyAndExpireOnTime() throws Exception {
        String lessee = lessee("end");
        JsonNode open = bid(lessee, fixed(1, "end", T, T.plus(1, ChronoUnit.HOURS)));
        JsonNode cancelled = http.delete("/market/v1/bids/" + open.path("uuid").asText(), lessee).expect(200).json();
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        http.delete("/market/v1/bids/" + open.path("uuid").asText(), lessee).expect(409);

        offer("end-1", "end", Map.of(), null, null, null);
        JsonNode matched = awaitStatus(bid(lessee, fixed(1, "end", T, T.plus(1, ChronoUnit.HOURS))), lessee, "matched");
        http.delete("/market/v1/bids/" + matched.path("uuid").asText(), lessee).expect(409);

        JsonNode soon = bid(lessee, with(fixed(1, "end-none", T, T.plus(1, ChronoUnit.HOURS)), "expires_at",
                Instant.now().plusSeconds(1).toString()));
        JsonNode expired = awaitStatus(soon, lessee, "expired");
        assertThat(expired.path("last_error").asText()).isEqualTo("expired at its expires_at");
        // A window that starts soon and is never met expires once its start has passed.
        JsonNode late = bid(lessee, with(fixed(1, "end-none", Instant.now().plusSeconds(1), Instant.now().plusSeconds(3600)),
                "expires_at", Instant.now().plusSeconds(3600).toString()));
        assertThat(awaitStatus(late, lessee, "expired").path("last_error").asText()).isEqualTo("its window can no longer be met");
        http.delete("/market/v1/bids/" + late.path("uuid").asText(), lessee).expect(409);

        // Each step is an event on the bidder's event list.
        assertThat(eventTypes(open, lessee)).containsExactly("esi.market.bid.create", "esi.market.bid.cancel");
        assertThat(eventTypes(matched, lessee)).containsExactly("esi.market.bid.create", "esi.market.bid.matched");
        assertThat(eventTypes(soon, lessee)).containsExactly("esi.market.bid.create", "esi.market.bid.expire");
    }

    private static List<String> eventTypes(JsonNode bid, String token) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : http.get("/lease/v1/events?event_type=esi.market.bid", token).expect(200).json().path("events")) {
            if (e.path("object_uuid").asText().equals(bid.path("uuid").asText())) {
                assertThat(e.path("object_type").asText()).isEqualTo("market_bid");
                out.add(e.path("event_type").asText());
            }
        }
        return out;
    }

    @Test
    void badBidsAre400AndWhoMaySeeWhat() {
        String lessee = lessee("bad");
        String member = a.userToken("bad-member-user", a.createProject("bad-member", null), "member");
        Instant s = T;
        Instant e = T.plus(1, ChronoUnit.HOURS);
        for (Map<String, Object> body : List.of(
                Map.<String, Object>of("resource_class", "x", "start_time", s.toString(), "end_time", e.toString()),
                fixed(0, "x", s, e), fixed(1001, "x", s, e), with(fixed(1, "x", s, e), "quantity", 1.5),
                fixed(1, "x", e, s), with(fixed(1, "x", s, e), "duration", "PT1H"),
                Map.<String, Object>of("quantity", 1, "resource_class", "x", "start_time", s.toString()),
                Map.<String, Object>of("quantity", 1, "resource_class", "x", "duration", "PT3H", "not_before", s.toString(),
                        "not_after", s.plus(2, ChronoUnit.HOURS).toString()),
                Map.<String, Object>of("quantity", 1, "resource_class", "x", "duration", "P1X", "not_after", e.toString()),
                with(fixed(1, "x", s, e), "properties", List.of("cpus>>3")), with(fixed(1, "x", s, e), "max_price", "-1"),
                with(fixed(1, "x", s, e), "max_price", "0.00001"), with(fixed(1, "x", s, e), "all_or_nothing", "yes"),
                with(fixed(1, "x", s, e), "expires_at", Instant.now().minusSeconds(5).toString()),
                fixed(1, "x", Instant.now().minusSeconds(3600), e), fixed(1, "", s, e))) {
            TestClient.Response r = http.post("/market/v1/bids", lessee, body);
            assertThat(r.status()).as(body + " → " + r.body()).isEqualTo(400);
        }
        http.post("/market/v1/bids", member, fixed(1, "x", s, e)).expect(403);
        JsonNode mine = bid(lessee, fixed(1, "bad-none", s, e));
        http.get("/market/v1/bids/" + mine.path("uuid").asText(), member).expect(404);
        http.delete("/market/v1/bids/" + mine.path("uuid").asText(), member).expect(404);
        assertThat(http.get("/market/v1/bids", member).expect(200).json().path("bids")).isEmpty();
        assertThat(http.get("/market/v1/bids", lessee).expect(200).json().path("bids")).hasSize(1);
        assertThat(http.get("/market/v1/bids?status=open", admin).expect(200).json().path("bids").size()).isGreaterThanOrEqualTo(1);
        http.get("/market/v1/bids?status=bogus", lessee).expect(400);
        assertThat(mine.path("max_price").asText()).isEqualTo("0");
        assertThat(mine.path("all_or_nothing").asBoolean()).isTrue();
        assertThat(mine.path("expires_at").asText()).isEqualTo(LeaseTimes.format(s));
    }

    @Test
    void theSameIdempotencyKeyMakesOneBid() {
        String lessee = lessee("idem");
        Map<String, String> key = Map.of("Idempotency-Key", "bid-idem-1");
        Map<String, Object> body = fixed(1, "idem-none", T, T.plus(1, ChronoUnit.HOURS));
        JsonNode first = http.send("POST", "/market/v1/bids", lessee, body, key).expect(201).json();
        TestClient.Response again = b.client().send("POST", "/market/v1/bids", lessee, body, key).expect(201);
        assertThat(again.json().path("uuid").asText()).isEqualTo(first.path("uuid").asText());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        http.send("POST", "/market/v1/bids", lessee, fixed(2, "idem-none", T, T.plus(1, ChronoUnit.HOURS)), key).expect(422);
        assertThat(http.get("/market/v1/bids", lessee).expect(200).json().path("bids")).hasSize(1);
    }

    /**
     * Eight bids for two machines each, twelve offers, both instances matching at once (their own loops and extra
     * rounds from four threads) while the offers appear: exactly the six highest bids get exactly two leases each,
     * every offer is leased once, and no node has overlapping leases.
     */
    @Test
    void twoInstancesMatchingTheSameBidsLeaseEachWindowOnce() throws Exception {
        List<String> lessees = List.of(lessee("race-a"), lessee("race-b"));
        List<JsonNode> bids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            bids.add(bid(lessees.get(i % 2), with(fixed(2, "race", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 1 + i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        AtomicBoolean going = new AtomicBoolean(true);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> rounds = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            TestingEsiServer s = t % 2 == 0 ? a : b;
            rounds.add(pool.submit(() -> {
                go.await();
                while (going.get()) {
                    s.server().bidMatcher().runOnce();
                }
                return null;
            }));
        }
        List<Future<String>> offers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = i;
            offers.add(pool.submit(() -> {
                go.await();
                return offer("race-" + n, "race", Map.of(), null, null, null);
            }));
        }
        go.countDown();
        Set<String> offerIds = new HashSet<>();
        for (Future<String> f : offers) {
            offerIds.add(f.get());
        }
        for (int i = 2; i < 8; i++) {
            awaitStatus(bids.get(i), lessees.get(i % 2), "matched");
        }
        going.set(false);
        for (Future<?> f : rounds) {
            f.get();
        }
        pool.shutdown();
        for (int i = 0; i < 8; i++) {
            JsonNode now = show(bids.get(i), lessees.get(i % 2));
            assertThat(now.path("leases")).as("bid " + i).hasSize(i < 2 ? 0 : 2);
        }
        jdbi.useHandle(h -> {
            List<UUID> leased = h.createQuery("""
                    select l.offer_uuid from lease l join market_bid b on b.uuid = l.bid_uuid where b.resource_class = 'race'""")
                    .mapTo(UUID.class).list();
            assertThat(leased).hasSize(12).doesNotHaveDuplicates();
            assertThat(leased.stream().map(UUID::toString).toList()).containsExactlyInAnyOrderElementsOf(offerIds);
            assertThat(h.createQuery("""
                    select count(*) from lease x join lease y on x.resource_uuid = y.resource_uuid and x.uuid < y.uuid
                    where x.status not in ('expired', 'deleted') and y.status not in ('expired', 'deleted')
                      and tstzrange(x.start_time, x.end_time) && tstzrange(y.start_time, y.end_time)""").mapTo(Long.class).one()).isZero();
        });
    }

    // --- helpers

    private static String lessee(String prefix) {
        return lesseeOf(a.createProject(prefix + "-lessee", null));
    }

    /** A token of a new user with the lessee role on the project (named after it). */
    private static String lesseeOf(String projectId) {
        String name = jdbi.withHandle(h -> h.createQuery("select name from project where id = :p").bind("p", projectId).mapTo(String.class).one());
        return a.userToken(name + "-user", projectId, "lessee");
    }

    // claimWindows writes a match's leases, holds and events set-based: the database's guards still decide each row of
    // those statements (the bid's quantity, overlap on one offer), and the rows are those of one window after the other.

    @Test
    void aStatementOfMoreLeasesThanTheBidAsksForIsRefusedWhole() {
        String project = paying("over");
        UUID bid = unmatchable(project, 2);
        List<org.esi.lease.LeaseService.Window> three = List.of(window("over-1", "1"), window("over-2", "1"), window("over-3", "1"));
        assertThatThrownBy(() -> claim(project, bid, three)).hasMessageContaining("already has its 2 lease(s)"); // the V26 trigger, on the third row
        assertThat(count("select count(*) from lease where bid_uuid = cast(:b as uuid)", bid)).isZero();
        assertThat(count("select count(*) from market_hold where bid_uuid = cast(:b as uuid)", bid)).isZero();
    }

    @Test
    void twoOverlappingWindowsOfOneOfferAreAConflictAndNothingIsWritten() {
        String project = paying("overlap");
        UUID bid = unmatchable(project, 2);
        org.esi.lease.LeaseService.Window w = window("overlap-1", null);
        org.esi.lease.LeaseService.Window later = new org.esi.lease.LeaseService.Window(w.offer(), w.start().plus(30, ChronoUnit.MINUTES), w.end().plus(30, ChronoUnit.MINUTES));
        assertThatThrownBy(() -> claim(project, bid, List.of(w, later)))
                .isInstanceOfSatisfying(org.esi.http.ApiException.class, e -> assertThat(e.kind()).isEqualTo(org.esi.http.ErrorKind.CONFLICT));
        assertThat(count("select count(*) from lease where bid_uuid = cast(:b as uuid)", bid)).isZero();
    }

    @Test
    void eachPricedLeaseHasItsOwnHoldTransactionAndItsEventsComeInClaimOrder() {
        String project = paying("rows");
        UUID bid = unmatchable(project, 3);
        List<org.esi.lease.LeaseService.Window> windows = List.of(window("rows-1", "2"), window("rows-2", null), window("rows-3", "3"));
        List<org.esi.event.Event> recorded = claim(project, bid, windows);
        assertThat(recorded).extracting(org.esi.event.Event::eventType).containsOnly("esi_leap.lease.create").hasSize(3);
        assertThat(count("select count(*) from lease where bid_uuid = cast(:b as uuid)", bid)).isEqualTo(3);
        assertThat(count("select count(distinct hold_transaction) from market_hold where bid_uuid = cast(:b as uuid)", bid)).isEqualTo(2);
        assertThat(count("select count(*) from market_entry where bid_uuid = cast(:b as uuid)", bid)).isEqualTo(4);
        // As one window after the other: for each lease (in offer order), its hold's event, then its own.
        List<String> types = jdbi.withHandle(h -> h.createQuery("""
                        select e.event_type from event e where e.id >= :first and (e.object_uuid in (select uuid from lease where bid_uuid = :b)
                          or e.object_uuid in (select hold_transaction from market_hold where bid_uuid = :b)) order by e.id""")
                .bind("first", recorded.get(0).id() - 1).bind("b", bid).mapTo(String.class).list());
        List<String> expected = new ArrayList<>();
        windows.stream().sorted(java.util.Comparator.comparing(org.esi.lease.LeaseService.Window::offer)).forEach(w -> {
            if (!w.offer().equals(windows.get(1).offer())) {
                expected.add("esi.market.hold");
            }
            expected.add("esi_leap.lease.create");
        });
        assertThat(types).containsExactlyElementsOf(expected);
        assertThat(http.get("/market/v1/accounts/" + project, admin).expect(200).json().path("held").asText()).isEqualTo("5");
    }

    private static List<org.esi.event.Event> claim(String project, UUID bid, List<org.esi.lease.LeaseService.Window> windows) {
        List<org.esi.event.Event> recorded = new ArrayList<>();
        a.server().leases().inBookingTransaction(h -> a.server().leases().claimWindows(h,
                new org.esi.lease.LeaseService.WindowClaim(project, Set.of(project), 100_000, bid, "bid " + bid), windows, recorded));
        return recorded;
    }

    private static long count(String sql, UUID bid) {
        return jdbi.withHandle(h -> h.createQuery(sql).bind("b", bid.toString()).mapTo(Long.class).one());
    }

    /** A new node and its offer from T for 4 hours (priced or free), and the window of its first hour. */
    private static org.esi.lease.LeaseService.Window window(String node, String price) {
        UUID offer = UUID.fromString(offer(node, "set-based", Map.of(), price, T, T.plus(4, ChronoUnit.HOURS)));
        return new org.esi.lease.LeaseService.Window(offer, T, T.plus(1, ChronoUnit.HOURS));
    }

    /** A project with 100 credits. */
    private static String paying(String name) {
        String project = a.createProject(name + "-payer", null);
        grant(project, "100");
        return project;
    }

    /** An open bid of the project for a class nobody offers: the matchers leave it to the test's own claims. */
    private static UUID unmatchable(String project, int quantity) {
        return UUID.fromString(bid(lesseeOf(project), with(fixed(quantity, "nobody-offers-this", T, T.plus(1, ChronoUnit.HOURS)), "max_price", 10))
                .path("uuid").asText());
    }

    private static void requireWindow(JsonNode lease, Instant start, Instant end) {
        assertThat(lease.path("start_time").asText()).isEqualTo(LeaseTimes.format(start));
        assertThat(lease.path("end_time").asText()).isEqualTo(LeaseTimes.format(end));
    }

    /** A node of the owner with a resource class and properties, and an offer of it; answers the offer's UUID. */
    private static String offer(String node, String resourceClass, Map<String, Object> properties, String price, Instant start, Instant end) {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", node, "driver", "fake-hardware", "owner", owner,
                "resource_class", resourceClass, "properties", properties)).expect(201);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("resource_uuid", node);
        if (price != null) {
            body.put("price", price);
        }
        if (start != null) {
            body.put("start_time", start.toString());
            body.put("end_time", end.toString());
        }
        return http.post("/lease/v1/offers", admin, body).expect(201).json().path("uuid").asText();
    }

    private static void grant(String project, String amount) {
        http.post("/market/v1/accounts/" + project + "/grants", admin, Map.of("amount", amount)).expect(201);
    }

    private static Map<String, Object> fixed(int quantity, String resourceClass, Instant start, Instant end) {
        return Map.of("quantity", quantity, "resource_class", resourceClass, "start_time", start.toString(), "end_time", end.toString());
    }

    private static Map<String, Object> with(Map<String, Object> body, String field, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(body);
        m.put(field, value);
        return m;
    }

    private static JsonNode bid(String token, Map<String, Object> body) {
        JsonNode created = http.post("/market/v1/bids", token, body).expect(201).json();
        assertThat(created.path("status").asText()).isEqualTo("open");
        return created;
    }

    private static JsonNode show(JsonNode bid, String token) {
        return http.get("/market/v1/bids/" + bid.path("uuid").asText(), token).expect(200).json();
    }

    private static JsonNode awaitStatus(JsonNode bid, String token, String status) throws InterruptedException {
        return Poll.until(() -> show(bid, token), j -> j.path("status").asText().equals(status), Duration.ofSeconds(15),
                j -> "bid never became " + status + ": " + j);
    }

    private static JsonNode lease(String uuid) {
        return http.get("/lease/v1/leases/" + uuid, admin).expect(200).json();
    }

    private static long leaseCount(String project) {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from lease where project_id = :p").bind("p", project)
                .mapTo(Long.class).one());
    }
}
