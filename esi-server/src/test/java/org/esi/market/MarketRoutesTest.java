package org.esi.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
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

class MarketRoutesTest {
    private static TestingEsiServer server;
    private static TestingEsiServer second;
    private static TestClient http;
    private static String admin;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        second = TestingEsiServer.sharing(server, Clock.systemUTC());
        http = server.client();
        admin = server.adminToken();
    }

    @AfterAll
    static void stop() {
        second.close();
        server.close();
    }

    @Test
    void grantsAndTransfersMoveCreditsAndShowInTheAccountAndItsEntries() {
        String a = server.createProject("market-a", null);
        String b = server.createProject("market-b", null);
        String aToken = server.userToken("market-a-user", a, "lessee");
        String bToken = server.userToken("market-b-user", b, "lessee");
        JsonNode zero = http.get("/market/v1/accounts/" + a, aToken).expect(200).json();
        assertThat(zero.path("balance").asText()).isEqualTo("0");

        JsonNode grant = http.post("/market/v1/accounts/market-a/grants", admin, Map.of("amount", "12.5", "memo", "welcome")).expect(201).json();
        assertThat(grant.path("kind").asText()).isEqualTo("grant");
        assertThat(grant.path("amount").asText()).isEqualTo("12.5");
        assertThat(grant.path("balance_after").asText()).isEqualTo("12.5");
        assertThat(grant.path("counterparty").asText()).isEqualTo("mint");

        JsonNode t = http.post("/market/v1/transfers", aToken, Map.of("to", "market-b", "amount", 2.25, "memo", "thanks")).expect(201).json();
        assertThat(t.path("amount").asText()).isEqualTo("-2.25");
        assertThat(t.path("balance_after").asText()).isEqualTo("10.25");
        assertThat(t.path("counterparty").asText()).isEqualTo(b);

        JsonNode acct = http.get("/market/v1/accounts/" + b, bToken).expect(200).json();
        assertThat(acct.path("project").asText()).isEqualTo("market-b");
        assertThat(acct.path("balance").asText()).isEqualTo("2.25");
        assertThat(acct.path("available").asText()).isEqualTo("2.25");
        assertThat(acct.path("held").asText()).isEqualTo("0");

        JsonNode entries = http.get("/market/v1/accounts/" + a + "/entries", aToken).expect(200).json().path("entries");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).path("kind").asText()).isEqualTo("transfer");
        assertThat(entries.get(1).path("kind").asText()).isEqualTo("grant");
        JsonNode page = http.get("/market/v1/accounts/" + a + "/entries?limit=1", aToken).expect(200).json();
        assertThat(page.path("entries")).hasSize(1);
        assertThat(page.path("next").asText()).contains("marker=");
        assertThat(http.get("/market/v1/accounts/" + a + "/entries?kind=grant", aToken).expect(200).json().path("entries")).hasSize(1);

        // Others' accounts are not even visible; only the admin grants; the own list is one account.
        http.get("/market/v1/accounts/" + a, bToken).expect(404);
        http.get("/market/v1/accounts/" + a + "/entries", bToken).expect(404);
        http.post("/market/v1/accounts/" + b + "/grants", bToken, Map.of("amount", "1")).expect(403);
        assertThat(http.get("/market/v1/accounts", bToken).expect(200).json().path("accounts")).hasSize(1);
        assertThat(http.get("/market/v1/accounts", admin).expect(200).json().path("accounts").size()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void refusalsAreClientErrorsThatChangeNothing() {
        String c = server.createProject("market-c", null);
        String cToken = server.userToken("market-c-user", c, "lessee");
        http.post("/market/v1/accounts/" + c + "/grants", admin, Map.of("amount", "5")).expect(201);
        TestClient.Response broke = http.post("/market/v1/transfers", cToken, Map.of("to", "admin", "amount", "5.0001")).expect(402);
        assertThat(broke.json().path("faultstring").asText()).isEqualTo("insufficient credits: amount 5.0001, available 5");
        http.post("/market/v1/transfers", cToken, Map.of("to", c, "amount", "1")).expect(400);
        http.post("/market/v1/transfers", cToken, Map.of("to", "no-such-project", "amount", "1")).expect(404);
        for (Object bad : List.of("0", "-1", "1.00001", "1e3", "abc", "", 0, -2, 1.00001, true)) {
            http.post("/market/v1/transfers", cToken, Map.of("to", "admin", "amount", bad)).expect(400);
        }
        http.send("POST", "/market/v1/transfers", cToken, "{\"to\": \"admin\", \"amount\": 1e400}", Map.of()).expect(400);
        http.post("/market/v1/accounts/" + c + "/grants", admin, Map.of("amount", "1", "memo", "m".repeat(1025))).expect(400);
        http.post("/market/v1/accounts/no-such-project/grants", admin, Map.of("amount", "1")).expect(404);
        assertThat(http.get("/market/v1/accounts/" + c, cToken).expect(200).json().path("balance").asText()).isEqualTo("5");
        assertThat(http.get("/market/v1/accounts/" + c + "/entries", cToken).expect(200).json().path("entries")).hasSize(1);
    }

    @Test
    void theSameKeyReplaysTheFirstAnswerAndADifferentBodyIs422() {
        String d = server.createProject("market-d", null);
        String dToken = server.userToken("market-d-user", d, "lessee");
        Map<String, String> key = Map.of("Idempotency-Key", "grant-d-1");
        TestClient.Response first = http.send("POST", "/market/v1/accounts/" + d + "/grants", admin, Map.of("amount", "7"), key).expect(201);
        TestClient.Response again = second.client().send("POST", "/market/v1/accounts/" + d + "/grants", admin, Map.of("amount", "7"), key)
                .expect(201);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        http.send("POST", "/market/v1/accounts/" + d + "/grants", admin, Map.of("amount", "8"), key).expect(422);
        assertThat(http.get("/market/v1/accounts/" + d, dToken).expect(200).json().path("balance").asText()).isEqualTo("7");

        Map<String, String> tkey = Map.of("Idempotency-Key", "transfer-d-1");
        TestClient.Response t1 = http.send("POST", "/market/v1/transfers", dToken, Map.of("to", "admin", "amount", "3"), tkey).expect(201);
        TestClient.Response t2 = http.send("POST", "/market/v1/transfers", dToken, Map.of("to", "admin", "amount", "3"), tkey).expect(201);
        assertThat(t2.json()).isEqualTo(t1.json());
        http.send("POST", "/market/v1/transfers", dToken, Map.of("to", "admin", "amount", "3", "memo", "x"), tkey).expect(422);
        assertThat(http.get("/market/v1/accounts/" + d, dToken).expect(200).json().path("balance").asText()).isEqualTo("4");
        assertThat(http.get("/market/v1/accounts/" + d + "/entries", dToken).expect(200).json().path("entries")).hasSize(2);
    }

    @Test
    void aKeyWhoseFirstRequestIsStillRunningIs409AndNothingChanges() throws Exception {
        String g = server.createProject("market-g", null);
        String gToken = server.userToken("market-g-user", g, "lessee");
        http.post("/market/v1/accounts/" + g + "/grants", admin, Map.of("amount", "5")).expect(201);
        Map<String, String> key = Map.of("Idempotency-Key", "in-flight-1");
        // Another instance's request with this key, caught mid-transaction: it holds the key's lock.
        try (var h = second.server().database().jdbi().open()) {
            h.begin();
            h.createQuery("select pg_advisory_xact_lock(hashtextextended(:k, 1))").bind("k", g + "\n" + "in-flight-1")
                    .mapTo(String.class).one();
            TestClient.Response busy = http.send("POST", "/market/v1/transfers", gToken, Map.of("to", "admin", "amount", "1"), key);
            assertThat(busy.status()).isEqualTo(409);
            assertThat(busy.json().path("faultstring").asText()).contains("still being processed");
            h.rollback();
        }
        assertThat(http.get("/market/v1/accounts/" + g, gToken).expect(200).json().path("balance").asText()).isEqualTo("5");
        http.send("POST", "/market/v1/transfers", gToken, Map.of("to", "admin", "amount", "1"), key).expect(201);
        assertThat(http.get("/market/v1/accounts/" + g, gToken).expect(200).json().path("balance").asText()).isEqualTo("4");
    }

    @Test
    void transfersBothWaysAtOnceNeverDeadlock() throws Exception {
        String x = server.createProject("market-x", null);
        String y = server.createProject("market-y", null);
        String xToken = server.userToken("market-x-user", x, "lessee");
        String yToken = server.userToken("market-y-user", y, "lessee");
        http.post("/market/v1/accounts/" + x + "/grants", admin, Map.of("amount", "100")).expect(201);
        http.post("/market/v1/accounts/" + y + "/grants", admin, Map.of("amount", "100")).expect(201);
        for (TestClient.Response r : race(32, i -> {
            TestClient client = (i % 4 < 2 ? server : second).client();
            boolean fromX = i % 2 == 0;
            return () -> client.post("/market/v1/transfers", fromX ? xToken : yToken, Map.of("to", fromX ? y : x, "amount", "1"));
        })) {
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
        assertThat(http.get("/market/v1/accounts/" + x, admin).expect(200).json().path("balance").asText()).isEqualTo("100");
        assertThat(http.get("/market/v1/accounts/" + y, admin).expect(200).json().path("balance").asText()).isEqualTo("100");
    }

    @Test
    void concurrentHoldsOnTwoInstancesTakeExactlyWhatTheBalanceCovers() throws Exception {
        String z = server.createProject("market-z", null);
        http.post("/market/v1/accounts/" + z + "/grants", admin, Map.of("amount", "1")).expect(201);
        MarketService one = new MarketService(new MarketStore(server.server().database().jdbi()), Clock.systemUTC(), 0, new org.esi.event.EventStore(server.server().database().jdbi()), e -> { });
        MarketService two = new MarketService(new MarketStore(second.server().database().jdbi()), Clock.systemUTC(), 0, new org.esi.event.EventStore(second.server().database().jdbi()), e -> { });
        List<Boolean> held = race(32, i -> {
            MarketService m = i % 2 == 0 ? one : two;
            return () -> {
                try {
                    m.hold(z, 700, null, java.time.Instant.now().plusSeconds(3600), null); // 0.07 credit
                    return true;
                } catch (org.esi.http.ApiException e) {
                    assertThat(e.kind()).isEqualTo(org.esi.http.ErrorKind.PAYMENT_REQUIRED);
                    return false;
                }
            };
        });
        assertThat(held.stream().filter(b -> b).count()).isEqualTo(14); // 14 × 0.07 = 0.98 of 1
        JsonNode acct = http.get("/market/v1/accounts/" + z, admin).expect(200).json();
        assertThat(acct.path("balance").asText()).isEqualTo("0.02");
        assertThat(acct.path("held").asText()).isEqualTo("0.98");
    }

    @Test
    void aBalancePastWhatTheLedgerHoldsIsAClientErrorNotA500() {
        String big = server.createProject("market-big", null);
        long near = Long.MAX_VALUE - 10_000_000_000_000L; // room for the mint's other grants in this class
        var jdbi = server.server().database().jdbi();
        moveDirectly(jdbi, "mint", big, near);
        try {
            TestClient.Response r = http.post("/market/v1/accounts/" + big + "/grants", admin, Map.of("amount", "100000000000"));
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.json().path("faultstring").asText()).contains("largest balance");
            assertThat(http.get("/market/v1/accounts/" + big, admin).expect(200).json().path("balance").asText())
                    .isEqualTo(Money.format(near));
        } finally {
            moveDirectly(jdbi, big, "mint", near); // a correction is a new, balancing transaction
        }
    }

    private static void moveDirectly(org.jdbi.v3.core.Jdbi jdbi, String from, String to, long units) {
        jdbi.useTransaction(h -> {
            java.util.UUID tx = java.util.UUID.randomUUID();
            h.execute("insert into market_account (id, kind, created_at) values (?, 'project', now()) on conflict do nothing",
                    from.equals("mint") ? to : from);
            h.execute("insert into market_transaction (id, kind, created_at) values (?, 'grant', now())", tx);
            h.execute("insert into market_entry (transaction_id, account_id, kind, amount, counterparty, created_at) values (?, ?, 'grant', ?, ?, now())",
                    tx, from, -units, to);
            h.execute("insert into market_entry (transaction_id, account_id, kind, amount, counterparty, created_at) values (?, ?, 'grant', ?, ?, now())",
                    tx, to, units, from);
        });
    }

    @Test
    void concurrentSpendsOnTwoInstancesThatExceedTheBalanceSucceedExactlyAsFarAsItGoes() throws Exception {
        String e = server.createProject("market-e", null);
        String f = server.createProject("market-f", null);
        String eToken = server.userToken("market-e-user", e, "lessee");
        http.post("/market/v1/accounts/" + e + "/grants", admin, Map.of("amount", "10")).expect(201);
        int spends = 32;
        List<TestClient.Response> answers = race(spends, i -> {
            TestClient client = (i % 2 == 0 ? server : second).client();
            return () -> client.post("/market/v1/transfers", eToken, Map.of("to", f, "amount", "0.75"));
        });
        for (TestClient.Response a : answers) {
            assertThat(a.status()).as(a.body()).isIn(201, 402);
            if (a.status() == 402) {
                assertThat(a.json().path("faultstring").asText()).startsWith("insufficient credits: amount 0.75, available ");
            }
        }
        long ok = answers.stream().filter(a -> a.status() == 201).count();
        assertThat(ok).isEqualTo(13); // 13 × 0.75 = 9.75 of 10
        assertThat(answers.size() - ok).isEqualTo(spends - 13);
        assertThat(http.get("/market/v1/accounts/" + e, admin).expect(200).json().path("balance").asText()).isEqualTo("0.25");
        assertThat(http.get("/market/v1/accounts/" + f, admin).expect(200).json().path("balance").asText()).isEqualTo("9.75");
    }

    /** Runs {@code n} tasks at once (all released together) and answers their results in order. */
    private static <T> List<T> race(int n, java.util.function.IntFunction<java.util.concurrent.Callable<T>> task) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                java.util.concurrent.Callable<T> t = task.apply(i);
                futures.add(pool.submit(() -> {
                    go.await();
                    return t.call();
                }));
            }
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
