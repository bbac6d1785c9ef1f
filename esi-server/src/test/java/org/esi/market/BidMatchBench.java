package org.esi.market;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esi.event.EventStore;
import org.esi.http.Jsons;
import org.esi.testing.TestingEsiServer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The matcher at scale, one server, one database: {@code ESI_BENCH_OFFERS} (10,000) free offer windows on as many
 * nodes of two resource classes (nine in ten priced 0.5 to 5 credits per node-hour, the rest free), then a matching
 * round over {@code ESI_BENCH_BIDS} (1,000) open bids (1 to 5 machines each, 4-hour windows over two days, a third
 * with a property filter, one in seven flexible, max prices 2 to 6, a quarter that may take fewer), against the same
 * round over a tenth as many bids in the same run. Seeding is SQL and not measured; the rounds are
 * {@link BidMatcher#runOnce()} of a matcher of the bench's own (the server's loop is stopped), leases and holds
 * included. Not part of the test suite: {@code bench/market.sh}.
 */
class BidMatchBench {
    static final int OFFERS = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_OFFERS", "10000"));
    static final int BIDS = Integer.parseInt(System.getenv().getOrDefault("ESI_BENCH_BIDS", "1000"));
    static final int LESSEES = 10;

    @Test
    void aMatchingRound() {
        try (TestingEsiServer server = TestingEsiServer.start()) {
            Jdbi jdbi = server.server().database().jdbi();
            server.server().bidMatcher().close(); // the bench's rounds are the only ones
            BidMatcher matcher = new BidMatcher(new BidStore(jdbi), new BidEvents(new EventStore(jdbi)), server.server().leases(),
                    Jsons.newMapper(), Clock.systemUTC());
            String owner = server.createProject("bench-owner", null);
            List<String> lessees = new ArrayList<>();
            String admin = server.adminToken();
            for (int i = 0; i < LESSEES; i++) {
                String p = server.createProject("bench-lessee-" + i, null);
                server.client().post("/market/v1/accounts/" + p + "/grants", admin, Map.of("amount", "1000000")).expect(201);
                lessees.add(p);
            }
            Instant start = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
            long t = System.nanoTime();
            seedOffers(jdbi, owner, start, OFFERS);
            System.out.printf("market: seeded %d free offer windows in %.1f s%n", OFFERS, seconds(System.nanoTime() - t));

            int small = Math.max(1, BIDS / 10);
            seedBids(jdbi, lessees, start, BIDS, small);
            plan(jdbi, "the decisions alone (read the free windows, plan every bid, nothing written)");
            plan(jdbi, "again, warm");
            jdbi.useHandle(h -> h.createUpdate("update market_bid set status = 'cancelled'").execute()); // set aside for the round below
            seedBids(jdbi, lessees, start, small, 0);
            // Statements run by the round itself (this thread), and by everyone (the notifier and lifecycle loops the
            // round's events wake included).
            Thread bench = Thread.currentThread();
            jdbi.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).setSqlLogger(new org.jdbi.v3.core.statement.SqlLogger() {
                @Override
                public void logAfterExecution(org.jdbi.v3.core.statement.StatementContext context) {
                    ALL_STATEMENTS.incrementAndGet();
                    if (Thread.currentThread() == bench) {
                        STATEMENTS.incrementAndGet();
                    }
                }
            });
            Measured base = round(matcher);
            jdbi.useHandle(h -> h.createUpdate("update market_bid set status = 'open' where status = 'cancelled'").execute());
            Measured full = round(matcher);
            Measured idle = round(matcher);
            for (Measured m : List.of(base, full)) {
                System.out.printf("market: round of %d bids: %.0f ms, %d matched with %d leases (%.0f leases/s, %.2f ms per lease;"
                                + " %d statements, %.1f per lease; %.1f per lease with the loops its events woke)%n", m.round.bids(), m.ms,
                        m.round.matched(), m.round.leases(), m.leasesPerSecond(), m.msPerLease(), m.statements,
                        (double) m.statements / Math.max(1, m.round.leases()), (double) m.all / Math.max(1, m.round.leases()));
            }
            System.out.printf("market: ratio %.1f x the time for %.1f x the bids (per lease: %.2f); a round with nothing to match"
                            + " (%d bids left open) %.0f ms%n", full.ms / base.ms, (double) full.round.bids() / base.round.bids(),
                    full.msPerLease() / base.msPerLease(), idle.round.bids(), idle.ms);
            jdbi.useHandle(h -> {
                long zero = LedgerChecks.total(h);
                long over = h.createQuery("select count(*) from market_bid b where (select count(*) from lease l where l.bid_uuid = b.uuid) > b.quantity")
                        .mapTo(Long.class).one();
                System.out.printf("market: ledger sum %d, bids with more leases than asked %d%n", zero, over);
            });
        }
    }

    /**
     * What a round decides, without the writes: the free windows read once, then every open bid planned in the
     * matcher's order against them, each plan taken out as a committed match would be.
     */
    private static void plan(Jdbi jdbi, String what) {
        BidStore store = new BidStore(jdbi);
        Instant now = Instant.now();
        long t = System.nanoTime();
        List<Bid> bids = store.matchable(BidMatcher.ROUND_BIDS);
        java.util.Set<String> classes = new java.util.HashSet<>();
        bids.forEach(b -> classes.add(b.resourceClass()));
        FreeWindows free = jdbi.withHandle(h -> FreeWindows.load(h, classes, now, Jsons.newMapper()));
        long loaded = System.nanoTime();
        int windows = 0;
        for (Bid b : bids) {
            List<org.esi.lease.LeaseService.Window> plan = free.plan(b, b.quantity(), java.util.Set.of(b.projectId()), now);
            if (!plan.isEmpty() && (!b.allOrNothing() || plan.size() == b.quantity())) {
                free.taken(plan);
                windows += plan.size();
            }
        }
        long done = System.nanoTime();
        System.out.printf("market: %s: %d bids, %d windows chosen in %.0f ms (reading the free windows %.0f ms, planning %.0f ms;"
                        + " %.0f bids/s)%n", what, bids.size(), windows, (done - t) / 1e6, (loaded - t) / 1e6, (done - loaded) / 1e6,
                bids.size() / ((done - t) / 1e9));
    }

    static final java.util.concurrent.atomic.AtomicLong ALL_STATEMENTS = new java.util.concurrent.atomic.AtomicLong();
    static final java.util.concurrent.atomic.AtomicLong STATEMENTS = new java.util.concurrent.atomic.AtomicLong();

    private record Measured(BidMatcher.Round round, double ms, long statements, long all) {
        double leasesPerSecond() {
            return round.leases() / (ms / 1000);
        }

        double msPerLease() {
            return ms / Math.max(1, round.leases());
        }
    }

    private static Measured round(BidMatcher matcher) {
        long before = STATEMENTS.get();
        long beforeAll = ALL_STATEMENTS.get();
        long t = System.nanoTime();
        BidMatcher.Round r = matcher.runOnce();
        return new Measured(r, (System.nanoTime() - t) / 1e6, STATEMENTS.get() - before, ALL_STATEMENTS.get() - beforeAll);
    }

    /** Nodes, their bookings and offers, as the API would write them (the free-gap rows come from the offer trigger). */
    private static void seedOffers(Jdbi jdbi, String owner, Instant start, int n) {
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                    insert into node (uuid, name, driver, resource_class, properties, owner, provision_state, created_at)
                    select md5('bench-node-' || i)::uuid, 'bench-' || i, 'fake-hardware', 'bench-' || (i % 2),
                      jsonb_build_object('cpus', 8 * (1 + i % 8), 'memory_mb', 65536 * (1 + i % 4)), :owner, 'available', now()
                    from generate_series(1, :n) i""").bind("owner", owner).bind("n", n).execute();
            h.createUpdate("""
                    insert into booking (uuid, node_uuid, container_id, during, live)
                    select md5('bench-offer-' || i)::uuid, md5('bench-node-' || i)::uuid, md5('bench-node-' || i)::uuid,
                      tstzrange(:s, :s + interval '30 days', '[)'), true
                    from generate_series(1, :n) i""").bind("s", start.atOffset(java.time.ZoneOffset.UTC)).bind("n", n).execute();
            h.createUpdate("""
                    insert into offer (uuid, project_id, resource_type, resource_uuid, start_time, end_time, status, properties,
                      created_at, due_at, free, price)
                    select md5('bench-offer-' || i)::uuid, :owner, 'ironic_node', md5('bench-node-' || i)::uuid, :s, :s + interval '30 days',
                      'available', '{}', now() + make_interval(secs => i / 1000.0), :s + interval '30 days',
                      tstzmultirange(tstzrange(:s, :s + interval '30 days', '[)')),
                      case when i % 10 = 0 then null else 5000 + (i * 7919) % 45000 end
                    from generate_series(1, :n) i""").bind("owner", owner).bind("s", start.atOffset(java.time.ZoneOffset.UTC)).bind("n", n).execute();
        });
    }

    /** {@code n} open bids, numbered from {@code from} (so two batches differ), oldest first. */
    private static void seedBids(Jdbi jdbi, List<String> lessees, Instant start, int n, int from) {
        jdbi.useHandle(h -> h.createUpdate("""
                insert into market_bid (uuid, project_id, quantity, resource_class, properties, start_time, end_time, duration_s,
                  not_before, not_after, max_price, all_or_nothing, expires_at, status, created_at, updated_at)
                select gen_random_uuid(), (cast(:lessees as text[]))[1 + i % :k], 1 + i % 5, 'bench-' || (i % 2),
                  case when i % 3 = 0 then array['cpus>=32'] else '{}' end,
                  case when i % 7 = 0 then null else :s + make_interval(hours => i % 48) end,
                  case when i % 7 = 0 then null else :s + make_interval(hours => i % 48 + 4) end,
                  case when i % 7 = 0 then 14400 end,
                  case when i % 7 = 0 then :s end,
                  case when i % 7 = 0 then :s + interval '3 days' end,
                  20000 + (i * 104729) % 40000, i % 4 <> 0, :s + interval '12 hours', 'open',
                  now() + make_interval(secs => i / 1000.0), now()
                from generate_series(:from + 1, :from + :n) i""")
                .bind("lessees", lessees.toArray(new String[0])).bind("k", lessees.size()).bind("s", start.atOffset(java.time.ZoneOffset.UTC))
                .bind("n", n).bind("from", from).execute());
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
