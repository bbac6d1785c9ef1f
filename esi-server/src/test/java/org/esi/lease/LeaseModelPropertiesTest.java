package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.esi.testing.MutableClock;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;

/**
 * Random sequences of claim / direct lease / extend / cancel / expire against a simple in-memory
 * model of the leasing rules: the service and the model must agree on every answer, and the database
 * must never hold overlapping live leases on a node. Time is a clock the test moves; "expire" moves it
 * forward and runs the lifecycle. jqwik prints the seed and a shrunk sequence when they disagree.
 */
class LeaseModelPropertiesTest {
    static final MutableClock clock = new MutableClock();
    static TestingEsiServer server;
    static TestClient http;
    static String owner;
    static String lessee;
    static String lesseeProject;
    static String ownerProject;
    static final AtomicInteger nodes = new AtomicInteger();

    @BeforeContainer
    static void start() {
        // Tokens must outlive the hours the test moves its clock forward.
        server = TestingEsiServer.start(Map.of("ESI_TOKEN_LIFETIME", "3650d"), clock);
        http = server.client();
        ownerProject = server.createProject("model-owner", null);
        lesseeProject = server.createProject("model-lessee", null);
        owner = server.userToken("model-owner-user", ownerProject, "owner");
        lessee = server.userToken("model-lessee-user", lesseeProject, "lessee");
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    /** Hours relative to the try's origin; the offer covers [0, 48). */
    sealed interface Action permits Claim, Direct, Extend, Cancel, Expire {}

    record Claim(int from, int to) implements Action {}

    /** The owner's own lease on the node, outside the offer's container. */
    record Direct(int from, int to) implements Action {}

    record Extend(int which, int to) implements Action {}

    record Cancel(int which) implements Action {}

    record Expire(int hours) implements Action {}

    @Provide
    Arbitrary<List<Action>> sequences() {
        Arbitrary<Integer> hour = Arbitraries.integers().between(-6, 56);
        Arbitrary<Action> claim = Combinators.combine(hour, Arbitraries.integers().between(-2, 12)).as((a, len) -> new Claim(a, a + len));
        Arbitrary<Action> direct = Combinators.combine(hour, Arbitraries.integers().between(1, 12)).as((a, len) -> new Direct(a, a + len));
        Arbitrary<Action> extend = Combinators.combine(Arbitraries.integers().between(0, 9), hour).as(Extend::new);
        Arbitrary<Action> cancel = Arbitraries.integers().between(0, 9).map(Cancel::new);
        Arbitrary<Action> expire = Arbitraries.integers().between(1, 12).map(Expire::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, claim), net.jqwik.api.Tuple.of(2, direct), net.jqwik.api.Tuple.of(2, extend),
                net.jqwik.api.Tuple.of(2, cancel), net.jqwik.api.Tuple.of(1, expire)).list().ofMinSize(4).ofMaxSize(16);
    }

    /** A lease as the model sees it; {@code offer} tells which container it lives in. */
    static final class M {
        final String uuid;
        final boolean offer;
        Instant start;
        Instant end;
        boolean live = true;

        M(String uuid, boolean offer, Instant start, Instant end) {
            this.uuid = uuid;
            this.offer = offer;
            this.start = start;
            this.end = end;
        }
    }

    @Property(tries = 25)
    void serviceAgreesWithTheModel(@ForAll("sequences") List<Action> actions) throws Exception {
        // The test's clock runs ahead of tokens issued in earlier tries: log in afresh.
        owner = http.login("model-owner-user", "password-model-owner-user", ownerProject);
        lessee = http.login("model-lessee-user", "password-model-lessee-user", lesseeProject);
        String node = "model-" + nodes.incrementAndGet();
        http.post("/baremetal/v1/nodes", owner, Map.of("name", node, "driver", "fake-hardware")).expect(201);
        Instant origin = clock.instant().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.HOURS);
        Instant offerEnd = origin.plus(Duration.ofHours(48));
        String offer = http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node, "start_time", origin.toString(),
                "end_time", offerEnd.toString())).expect(201).json().path("uuid").asText();
        List<M> leases = new ArrayList<>();
        for (Action a : actions) {
            switch (a) {
                case Claim c -> {
                    Instant s = origin.plus(Duration.ofHours(c.from()));
                    Instant e = origin.plus(Duration.ofHours(c.to()));
                    int expected = !s.isBefore(e) ? 400
                            : s.isBefore(origin) || e.isAfter(offerEnd) ? 409
                            : overlapsLive(leases, true, s, e, null) ? 409 : 201;
                    TestClient.Response r = http.post("/lease/v1/offers/" + offer + "/claim", lessee, Map.of("start_time", s.toString(), "end_time", e.toString()));
                    assertThat(r.status()).as("%s -> %s", a, r.body()).isEqualTo(expected);
                    if (expected == 201) {
                        leases.add(new M(r.json().path("uuid").asText(), true, s, e));
                    }
                }
                case Direct d -> {
                    Instant s = origin.plus(Duration.ofHours(d.from()));
                    Instant e = origin.plus(Duration.ofHours(d.to()));
                    // The owner's direct lease shares the node's container with the (available) offer.
                    boolean offerLive = clock.instant().isBefore(offerEnd);
                    int expected = (offerLive && s.isBefore(offerEnd) && origin.isBefore(e)) || overlapsLive(leases, false, s, e, null) ? 409 : 201;
                    TestClient.Response r = http.post("/lease/v1/leases", owner, Map.of("resource_uuid", node, "project_id", lesseeProject,
                            "start_time", s.toString(), "end_time", e.toString()));
                    assertThat(r.status()).as("%s -> %s", a, r.body()).isEqualTo(expected);
                    if (expected == 201) {
                        leases.add(new M(r.json().path("uuid").asText(), false, s, e));
                    }
                }
                case Extend x -> {
                    if (leases.isEmpty()) {
                        continue;
                    }
                    M m = leases.get(x.which() % leases.size());
                    Instant e = origin.plus(Duration.ofHours(x.to()));
                    boolean started = !clock.instant().isBefore(m.start);
                    int expected = !m.live || (started && !clock.instant().isBefore(m.end)) ? 409
                            : !m.start.isBefore(e) ? 400
                            : m.offer && e.isAfter(offerEnd) ? 409
                            : overlapsLive(leases, m.offer, m.start, e, m) ? 409
                            : !m.offer && clock.instant().isBefore(offerEnd) && e.isAfter(origin) && m.start.isBefore(offerEnd) ? 409 : 200;
                    TestClient.Response r = http.patch("/lease/v1/leases/" + m.uuid, owner, Map.of("end_time", e.toString()));
                    assertThat(r.status()).as("%s on %s..%s -> %s", a, m.start, m.end, r.body()).isEqualTo(expected);
                    if (expected == 200) {
                        m.end = e;
                    }
                }
                case Cancel c -> {
                    if (leases.isEmpty()) {
                        continue;
                    }
                    M m = leases.get(c.which() % leases.size());
                    TestClient.Response r = http.delete("/lease/v1/leases/" + m.uuid, lessee);
                    assertThat(r.status()).as("%s -> %s", a, r.body()).isEqualTo(m.live ? 200 : 409);
                    m.live = false;
                }
                case Expire ex -> {
                    clock.advance(Duration.ofHours(ex.hours()));
                    settle();
                    Instant now = clock.instant();
                    leases.stream().filter(m -> m.live && !m.end.isAfter(now)).forEach(m -> m.live = false);
                }
            }
            assertNoOverlap(node);
        }
        for (M m : leases) {
            String status = http.get("/lease/v1/leases/" + m.uuid, owner).expect(200).json().path("status").asText();
            assertThat(LeaseStatus.of(status).live()).as("lease %s is %s", m.uuid, status).isEqualTo(m.live);
        }
    }

    private static boolean overlapsLive(List<M> leases, boolean inOffer, Instant s, Instant e, M except) {
        return leases.stream().filter(m -> m != except && m.live && m.offer == inOffer).anyMatch(m -> m.start.isBefore(e) && s.isBefore(m.end));
    }

    /** Runs the lifecycle until nothing is due at the test's time. */
    private static void settle() throws Exception {
        LeaseStore store = server.server().leases().store();
        for (int i = 0; i < 100; i++) {
            server.server().scheduler().runDue();
            if (store.dueLeases(clock.instant(), 1).isEmpty() && store.dueOffers(clock.instant(), 1).isEmpty()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the lifecycle did not settle");
    }

    private static void assertNoOverlap(String node) throws Exception {
        var cfg = server.server().config();
        try (Connection c = DriverManager.getConnection(cfg.databaseUrl().orElseThrow(), cfg.databaseUser().orElseThrow(), cfg.databasePassword().orElseThrow());
             ResultSet rs = c.createStatement().executeQuery("""
                     select count(*) from lease x join lease y on x.uuid < y.uuid and x.resource_uuid = y.resource_uuid
                     join node n on n.uuid = x.resource_uuid
                     where n.name = '""" + node + """
                     ' and x.status not in ('expired', 'deleted') and y.status not in ('expired', 'deleted')
                       and tstzrange(x.start_time, x.end_time) && tstzrange(y.start_time, y.end_time)""")) {
            rs.next();
            assertThat(rs.getLong(1)).as("overlapping live leases on " + node).isZero();
        }
    }
}
