package org.esi.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.lease.LeaseService;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LeaseService#claimWindows} writes a match's leases, holds and events set-based: the database's guards still
 * decide each row of those statements (the bid's quantity, overlap on one offer), and the rows are the ones a claim
 * of one window after the other wrote. The bids here ask for a class nobody offers, so the matcher leaves them alone.
 */
class SetBasedClaimTest {
    private static TestingEsiServer a;
    private static TestClient http;
    private static String admin;
    private static String owner;
    private static Jdbi jdbi;
    private static final Instant T = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start();
        http = a.client();
        admin = a.adminToken();
        owner = a.createProject("set-owner", null);
        jdbi = a.server().database().jdbi();
    }

    @AfterAll
    static void stop() {
        a.close();
    }

    @AfterEach
    void ledgerSumsStayZero() {
        jdbi.useHandle(LedgerChecks::assertBalanced);
    }

    @Test
    void aStatementOfMoreLeasesThanTheBidAsksForIsRefusedWhole() {
        String project = lessee("over");
        UUID bid = bid(project, 2);
        List<LeaseService.Window> three = List.of(window("over-1", "1"), window("over-2", "1"), window("over-3", "1"));
        assertThatThrownBy(() -> claim(project, bid, three)).hasMessageContaining("already has its 2 lease(s)"); // the V26 trigger, on the third row
        assertThat(count("select count(*) from lease where bid_uuid = cast(:b as uuid)", bid)).isZero();
        assertThat(count("select count(*) from market_hold where bid_uuid = cast(:b as uuid)", bid)).isZero();
    }

    @Test
    void twoOverlappingWindowsOfOneOfferAreAConflictAndNothingIsWritten() {
        String project = lessee("overlap");
        UUID bid = bid(project, 2);
        LeaseService.Window w = window("overlap-1", null);
        LeaseService.Window later = new LeaseService.Window(w.offer(), w.start().plus(30, ChronoUnit.MINUTES), w.end().plus(30, ChronoUnit.MINUTES));
        assertThatThrownBy(() -> claim(project, bid, List.of(w, later)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThat(count("select count(*) from lease where bid_uuid = cast(:b as uuid)", bid)).isZero();
    }

    @Test
    void eachPricedLeaseHasItsOwnHoldTransactionAndItsEventsComeInClaimOrder() {
        String project = lessee("rows");
        UUID bid = bid(project, 3);
        List<LeaseService.Window> windows = List.of(window("rows-1", "2"), window("rows-2", null), window("rows-3", "3"));
        List<Event> recorded = claim(project, bid, windows);
        assertThat(recorded).extracting(Event::eventType).containsOnly("esi_leap.lease.create").hasSize(3);
        assertThat(count("select count(*) from lease where bid_uuid = cast(:b as uuid)", bid)).isEqualTo(3);
        assertThat(count("select count(distinct hold_transaction) from market_hold where bid_uuid = cast(:b as uuid)", bid)).isEqualTo(2);
        assertThat(count("select count(*) from market_entry where bid_uuid = cast(:b as uuid)", bid)).isEqualTo(4);
        // As one window after the other: for each lease (in offer order), its hold's event, then its own.
        List<String> types = jdbi.withHandle(h -> h.createQuery("""
                        select e.event_type from event e where e.id >= :first and (e.object_uuid in (select uuid from lease where bid_uuid = :b)
                          or e.object_uuid in (select hold_transaction from market_hold where bid_uuid = :b)) order by e.id""")
                .bind("first", recorded.get(0).id() - 1).bind("b", bid).mapTo(String.class).list());
        List<String> expected = new ArrayList<>();
        windows.stream().sorted(java.util.Comparator.comparing(LeaseService.Window::offer)).forEach(w -> {
            if (!w.offer().equals(windows.get(1).offer())) {
                expected.add("esi.market.hold");
            }
            expected.add("esi_leap.lease.create");
        });
        assertThat(types).containsExactlyElementsOf(expected);
        assertThat(http.get("/market/v1/accounts/" + project, admin).expect(200).json().path("held").asText()).isEqualTo("5");
    }

    private static List<Event> claim(String project, UUID bid, List<LeaseService.Window> windows) {
        List<Event> recorded = new ArrayList<>();
        a.server().leases().inBookingTransaction(h -> a.server().leases().claimWindows(h,
                new LeaseService.WindowClaim(project, Set.of(project), 100_000, bid, "bid " + bid), windows, recorded));
        return recorded;
    }

    private static long count(String sql, UUID bid) {
        return jdbi.withHandle(h -> h.createQuery(sql).bind("b", bid.toString()).mapTo(Long.class).one());
    }

    private static String lessee(String name) {
        String project = a.createProject(name + "-lessee", null);
        http.post("/market/v1/accounts/" + project + "/grants", admin, Map.of("amount", "100")).expect(201);
        return project;
    }

    private static UUID bid(String project, int quantity) {
        String token = a.userToken(project + "-user", project, "lessee");
        return UUID.fromString(http.post("/market/v1/bids", token, Map.of("quantity", quantity, "resource_class", "nobody-offers-this",
                "start_time", T.toString(), "end_time", T.plus(1, ChronoUnit.HOURS).toString(), "max_price", "10"))
                .expect(201).json().path("uuid").asText());
    }

    /** A new node and its offer (priced or free), and the window of the first hour from T on it. */
    private static LeaseService.Window window(String node, String price) {
        http.post("/baremetal/v1/nodes", admin, Map.of("name", node, "driver", "fake-hardware", "owner", owner,
                "resource_class", "set-based")).expect(201);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("resource_uuid", node);
        if (price != null) {
            body.put("price", price);
        }
        body.put("start_time", T.toString());
        body.put("end_time", T.plus(4, ChronoUnit.HOURS).toString());
        UUID offer = UUID.fromString(http.post("/lease/v1/offers", admin, body).expect(201).json().path("uuid").asText());
        return new LeaseService.Window(offer, T, T.plus(1, ChronoUnit.HOURS));
    }
}
