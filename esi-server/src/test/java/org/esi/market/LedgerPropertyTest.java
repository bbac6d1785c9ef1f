package org.esi.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.testing.MutableClock;
import org.esi.testing.TestingEsiServer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random grants, transfers, holds, posts, voids and expiries against a plain in-memory model: after every step the
 * ledger sums to zero, no balance but the mint's is negative, every hold has ended at most once and as the model
 * says, and every balance (and held amount) is the model's. Then the database's own guards, tried head-on.
 */
class LedgerPropertyTest {
    private static TestingEsiServer server;
    private static Jdbi jdbi;
    private static final MutableClock clock = new MutableClock();
    private static MarketService market;

    @BeforeAll
    static void start() {
        server = TestingEsiServer.start();
        jdbi = server.server().database().jdbi();
        market = new MarketService(new MarketStore(jdbi), clock, 250, new org.esi.event.EventStore(jdbi), e -> { }); // a 2.5 % fee, so the operator account is exercised
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The model: balances by account, and each hold's amount, payer and whether it is still held. */
    private record ModelHold(String payer, long amount, java.time.Instant expiresAt) {}

    @Test
    void randomOperationsKeepEveryInvariantAndMatchTheModel() {
        for (long seed = 1; seed <= 4; seed++) {
            run(new Random(seed), "s" + seed + "-");
        }
    }

    private void run(Random rnd, String prefix) {
        List<String> projects = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            projects.add(server.createProject("ledger-" + prefix + i, null));
        }
        Map<String, Long> balance = new HashMap<>();
        Map<String, Long> held = new HashMap<>();
        Map<UUID, ModelHold> open = new LinkedHashMap<>();
        Map<UUID, HoldStatus> ended = new HashMap<>();
        for (String p : projects) {
            balance.put(p, 0L);
            held.put(p, 0L);
        }
        // Holds an earlier run left open are not this run's model's: let them expire first.
        clock.advance(Duration.ofHours(2));
        market.expireDue();
        long mint0 = accountBalance("mint");
        long operator0 = accountBalance("operator");
        long escrow0 = accountBalance("escrow");
        long mint = 0;
        long operator = 0;
        for (int step = 0; step < 150; step++) {
            String a = projects.get(rnd.nextInt(projects.size()));
            String b = projects.get(rnd.nextInt(projects.size()));
            long amount = 1 + rnd.nextInt(50_000);
            switch (rnd.nextInt(7)) {
                case 0 -> {
                    market.grant(a, amount, "g", Optional.empty());
                    balance.merge(a, amount, Long::sum);
                    mint -= amount;
                }
                case 1 -> {
                    if (a.equals(b)) {
                        assertThatThrownBy(() -> market.transfer(a, b, amount, null, Optional.empty())).isInstanceOf(ApiException.class);
                    } else if (balance.get(a) < amount) {
                        expectPaymentRequired(() -> market.transfer(a, b, amount, null, Optional.empty()));
                    } else {
                        market.transfer(a, b, amount, null, Optional.empty());
                        balance.merge(a, -amount, Long::sum);
                        balance.merge(b, amount, Long::sum);
                    }
                }
                case 2, 3 -> {
                    java.time.Instant expires = clock.instant().plus(Duration.ofMinutes(1 + rnd.nextInt(30)));
                    if (balance.get(a) < amount) {
                        expectPaymentRequired(() -> market.hold(a, amount, UUID.randomUUID(), expires, null));
                    } else {
                        Hold h = market.hold(a, amount, UUID.randomUUID(), expires, "h");
                        open.put(h.id(), new ModelHold(a, amount, expires));
                        balance.merge(a, -amount, Long::sum);
                        held.merge(a, amount, Long::sum);
                    }
                }
                case 4 -> {
                    UUID id = pick(rnd, open, ended);
                    if (id == null) {
                        continue;
                    }
                    ModelHold m = open.get(id);
                    if (m == null) {
                        assertEnded(() -> market.post(id, b, 1));
                        continue;
                    }
                    long posted = rnd.nextInt(4) == 0 ? m.amount() : (long) rnd.nextInt((int) m.amount() + 1);
                    long fee = market.fee(posted);
                    market.post(id, b, posted);
                    open.remove(id);
                    ended.put(id, HoldStatus.POSTED);
                    held.merge(m.payer(), -m.amount(), Long::sum);
                    balance.merge(b, posted - fee, Long::sum);
                    operator += fee;
                    balance.merge(m.payer(), m.amount() - posted, Long::sum);
                }
                case 5 -> {
                    UUID id = pick(rnd, open, ended);
                    if (id == null) {
                        continue;
                    }
                    ModelHold m = open.get(id);
                    if (m == null) {
                        assertEnded(() -> market.voidHold(id));
                        continue;
                    }
                    market.voidHold(id);
                    open.remove(id);
                    ended.put(id, HoldStatus.VOIDED);
                    held.merge(m.payer(), -m.amount(), Long::sum);
                    balance.merge(m.payer(), m.amount(), Long::sum);
                }
                case 6 -> {
                    clock.advance(Duration.ofMinutes(rnd.nextInt(10)));
                    List<UUID> due = open.entrySet().stream().filter(e -> !e.getValue().expiresAt().isAfter(clock.instant()))
                            .map(Map.Entry::getKey).toList();
                    assertThat(market.expireDue()).isEqualTo(due.size());
                    for (UUID id : due) {
                        ModelHold m = open.remove(id);
                        ended.put(id, HoldStatus.EXPIRED);
                        held.merge(m.payer(), -m.amount(), Long::sum);
                        balance.merge(m.payer(), m.amount(), Long::sum);
                    }
                }
                default -> throw new IllegalStateException();
            }
            long escrow = open.values().stream().mapToLong(ModelHold::amount).sum();
            check(projects, balance, held, mint0 + mint, operator0 + operator, escrow0 + escrow, open, ended);
        }
        // The run exercised every way a hold ends, not only refusals.
        assertThat(ended.values()).as("hold ends of run " + prefix).contains(HoldStatus.POSTED, HoldStatus.VOIDED, HoldStatus.EXPIRED);
    }

    private static void check(List<String> projects, Map<String, Long> balance, Map<String, Long> held, long mint, long operator,
                              long escrow, Map<UUID, ModelHold> open, Map<UUID, HoldStatus> ended) {
        jdbi.useHandle(h -> {
            assertThat(h.createQuery("select coalesce(sum(balance), 0) from market_account").mapTo(Long.class).one()).isZero();
            assertThat(h.createQuery("select coalesce(sum(amount), 0) from market_entry").mapTo(Long.class).one()).isZero();
            assertThat(h.createQuery("select count(*) from market_account where kind <> 'mint' and balance < 0").mapTo(Long.class).one()).isZero();
            assertThat(h.createQuery("""
                    select count(*) from market_account a
                    where a.balance <> (select coalesce(sum(amount), 0) from market_entry e where e.account_id = a.id)""")
                    .mapTo(Long.class).one()).as("balances are the sums of their entries").isZero();
            assertThat(h.createQuery("select count(*) from (select transaction_id from market_entry group by transaction_id having sum(amount) <> 0) t")
                    .mapTo(Long.class).one()).isZero();
            // A hold's ends are its one end transaction: never two refunds or settlements for one hold.
            assertThat(h.createQuery("""
                    select count(*) from (select hold_id from market_entry where hold_id is not null group by hold_id
                    having count(distinct transaction_id) > 2) t""").mapTo(Long.class).one()).isZero();
        });
        for (String p : projects) {
            assertThat(accountBalance(p)).as("balance of " + p).isEqualTo(balance.get(p));
            long heldNow = jdbi.withHandle(h -> h.createQuery("select coalesce((select held from market_account where id = :id), 0)")
                    .bind("id", p).mapTo(Long.class).one());
            assertThat(heldNow).as("held of " + p).isEqualTo(held.get(p));
        }
        assertThat(accountBalance("mint")).isEqualTo(mint);
        assertThat(accountBalance("operator")).isEqualTo(operator);
        assertThat(accountBalance("escrow")).isEqualTo(escrow);
        for (UUID id : open.keySet()) {
            assertThat(market.store().hold(id).orElseThrow().status()).isEqualTo(HoldStatus.HELD);
        }
        for (Map.Entry<UUID, HoldStatus> e : ended.entrySet()) {
            assertThat(market.store().hold(e.getKey()).orElseThrow().status()).isEqualTo(e.getValue());
        }
    }

    @Test
    void theDatabaseRefusesWhatWouldBreakTheLedger() {
        String p = server.createProject("ledger-guards", null);
        market.grant(p, 100, null, Optional.empty());
        Hold hold = market.hold(p, 40, null, clock.instant().plusSeconds(60), null);
        market.voidHold(hold.id());
        // Entries are immutable.
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("update market_entry set amount = amount + 1 where account_id = ?", p)))
                .hasStackTraceContaining("immutable");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("delete from market_entry where account_id = ?", p)))
                .hasStackTraceContaining("immutable");
        // A transaction that does not sum to zero does not commit.
        assertThatThrownBy(() -> jdbi.useTransaction(h -> {
            UUID tx = UUID.randomUUID();
            h.execute("insert into market_transaction (id, kind, created_at) values (?, 'grant', now())", tx);
            h.execute("insert into market_entry (transaction_id, account_id, kind, amount, counterparty, created_at) values (?, 'mint', 'grant', -5, ?, now())", tx, p);
            h.execute("insert into market_entry (transaction_id, account_id, kind, amount, counterparty, created_at) values (?, ?, 'grant', 6, 'mint', now())", tx, p);
        })).hasStackTraceContaining("does not balance");
        // No project goes below zero, whatever writes the entry.
        assertThatThrownBy(() -> jdbi.useTransaction(h -> {
            UUID tx = UUID.randomUUID();
            h.execute("insert into market_transaction (id, kind, created_at) values (?, 'transfer', now())", tx);
            h.execute("insert into market_entry (transaction_id, account_id, kind, amount, counterparty, created_at) values (?, ?, 'transfer', -101, 'mint', now())", tx, p);
        })).hasStackTraceContaining("market_account_not_negative");
        // A hold ends once.
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("update market_hold set status = 'expired' where id = ?", hold.id())))
                .hasStackTraceContaining("already ended");
        assertThatThrownBy(() -> market.voidHold(hold.id())).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThat(accountBalance(p)).isEqualTo(100);
    }

    private static UUID pick(Random rnd, Map<UUID, ModelHold> open, Map<UUID, HoldStatus> ended) {
        List<UUID> all = new ArrayList<>(open.keySet());
        if (rnd.nextInt(4) == 0) {
            all.addAll(ended.keySet()); // now and then try to end a hold a second time
        }
        return all.isEmpty() ? null : all.get(rnd.nextInt(all.size()));
    }

    private static void expectPaymentRequired(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).kind()).isEqualTo(ErrorKind.PAYMENT_REQUIRED));
    }

    private static void assertEnded(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).kind()).isEqualTo(ErrorKind.CONFLICT));
    }

    private static long accountBalance(String id) {
        return jdbi.withHandle(h -> h.createQuery("select coalesce((select balance from market_account where id = :id), 0)")
                .bind("id", id).mapTo(Long.class).one());
    }
}
