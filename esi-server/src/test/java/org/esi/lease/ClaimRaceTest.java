package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
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
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No double booking across service instances: 32 claims of overlapping windows on one offer, sent at
 * once through HTTP to two instances sharing one database. The windows are built so the outcome is
 * known: 8 disjoint one-hour slots, each claimed by 4 requests (some exactly the slot, some shifted by
 * half an hour so they straddle two slots). Exactly one claim per slot region can win; every loser must
 * get 409 and overlap a winner; the database must hold no overlapping live leases.
 */
class ClaimRaceTest {
    static TestingEsiServer a;
    static TestingEsiServer b;
    static String owner;
    static String lessee;

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start();
        b = TestingEsiServer.sharing(a, Clock.systemUTC());
        String ownerProject = a.createProject("race-owner", null);
        String lesseeProject = a.createProject("race-lessee", null);
        owner = a.userToken("race-owner-user", ownerProject, "owner");
        lessee = a.userToken("race-lessee-user", lesseeProject, "lessee");
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    record Window(Instant start, Instant end) {
        boolean overlaps(Window o) {
            return start.isBefore(o.end) && o.start.isBefore(end);
        }
    }

    @Test
    void thirtyTwoRacingClaimsFromTwoInstances() throws Exception {
        a.client().post("/baremetal/v1/nodes", owner, Map.of("name", "race-node", "driver", "fake-hardware")).expect(201);
        String offer = a.client().post("/lease/v1/offers", owner, Map.of("resource_uuid", "race-node")).expect(201).json().path("uuid").asText();
        Instant base = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        List<Window> windows = new ArrayList<>();
        for (int slot = 0; slot < 8; slot++) {
            Instant s = base.plus(Duration.ofHours(slot));
            windows.add(new Window(s, s.plus(Duration.ofHours(1))));
            windows.add(new Window(s, s.plus(Duration.ofHours(1))));
            windows.add(new Window(s.plus(Duration.ofMinutes(30)), s.plus(Duration.ofMinutes(90))));
            windows.add(new Window(s.plus(Duration.ofMinutes(15)), s.plus(Duration.ofMinutes(45))));
        }
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestClient.Response>> sent = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            TestClient http = (i % 2 == 0 ? a : b).client();
            Window w = windows.get(i);
            sent.add(pool.submit(() -> {
                go.await();
                return http.post("/lease/v1/offers/" + offer + "/claim", lessee,
                        Map.of("start_time", w.start().toString(), "end_time", w.end().toString()));
            }));
        }
        go.countDown();
        List<Window> winners = new ArrayList<>();
        List<Window> losers = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            TestClient.Response r = sent.get(i).get();
            if (r.status() == 201) {
                winners.add(windows.get(i));
            } else {
                assertThat(r.status()).as("loser answer: " + r.body()).isEqualTo(409);
                assertThat(r.json().path("faultcode").asText()).isEqualTo("Client");
                losers.add(windows.get(i));
            }
        }
        pool.shutdown();

        for (int i = 0; i < winners.size(); i++) {
            for (int j = i + 1; j < winners.size(); j++) {
                assertThat(winners.get(i).overlaps(winners.get(j))).as("winners overlap: " + winners.get(i) + " " + winners.get(j)).isFalse();
            }
        }
        for (Window l : losers) {
            assertThat(winners.stream().anyMatch(l::overlaps)).as("a loser that overlaps no winner: " + l).isTrue();
        }
        assertThat(winners.size() + losers.size()).isEqualTo(32);
        assertThat(winners).isNotEmpty();

        var cfg = a.server().config();
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow());
             ResultSet rs = c.createStatement().executeQuery("""
                     select count(*) from lease x join lease y on x.uuid < y.uuid and x.resource_uuid = y.resource_uuid
                     where x.status not in ('expired', 'deleted') and y.status not in ('expired', 'deleted')
                       and tstzrange(x.start_time, x.end_time) && tstzrange(y.start_time, y.end_time)""")) {
            rs.next();
            assertThat(rs.getLong(1)).as("overlapping live leases in the database").isZero();
        }
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(),
                cfg.databasePassword().orElseThrow());
             ResultSet rs = c.createStatement().executeQuery("select count(*) from lease where offer_uuid = '" + offer + "'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(winners.size());
        }
    }

    @Test
    void directLeasesAndOffersRaceOnOneNode() throws Exception {
        a.client().post("/baremetal/v1/nodes", owner, Map.of("name", "race-node-2", "driver", "fake-hardware")).expect(201);
        Instant s = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> sent = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            TestClient http = (i % 2 == 0 ? a : b).client();
            boolean asOffer = i % 3 == 0;
            sent.add(pool.submit(() -> {
                go.await();
                Map<String, Object> body = asOffer
                        ? Map.of("resource_uuid", "race-node-2", "start_time", s.toString(), "end_time", s.plus(Duration.ofHours(2)).toString())
                        : Map.of("resource_uuid", "race-node-2", "project_id", "race-lessee", "start_time", s.plus(Duration.ofHours(1)).toString(),
                                "end_time", s.plus(Duration.ofHours(3)).toString());
                return http.post(asOffer ? "/lease/v1/offers" : "/lease/v1/leases", owner, body).status();
            }));
        }
        go.countDown();
        int won = 0;
        for (Future<Integer> f : sent) {
            int status = f.get();
            assertThat(status).isIn(201, 409);
            won += status == 201 ? 1 : 0;
        }
        pool.shutdown();
        // All sixteen windows overlap each other, offers and leases alike: exactly one may hold the node.
        assertThat(won).isEqualTo(1);
    }
}
