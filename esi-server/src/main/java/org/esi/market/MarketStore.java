package org.esi.market;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL of the ledger. Balances and held credits are moved by the database's triggers (V22), never here. */
public final class MarketStore {
    public static final String MINT = "mint";
    public static final String ESCROW = "escrow";
    public static final String OPERATOR = "operator";

    /** Whether an account id is one of the system accounts rather than a project. */
    public static boolean isSystem(String account) {
        return MINT.equals(account) || ESCROW.equals(account) || OPERATOR.equals(account);
    }

    /** The node a lease is of, for the resource of a ledger event. */
    public Optional<UUID> nodeOfLease(Handle h, UUID lease) {
        return h.createQuery("select resource_uuid from lease where uuid = :l").bind("l", lease).mapTo(UUID.class).findOne();
    }
    private final Jdbi jdbi;

    public MarketStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** An account with its project's name (null for a system account or a deleted project). */
    public record AccountView(Account account, String projectName) {}

    /** The locked rows of a transaction's accounts: balance and held as they are under the lock. */
    public record Locked(String id, long balance, long held) {}

    /**
     * Creates the project accounts that do not exist yet, then locks all of {@code ids} in one stable order
     * (by id), so two transactions touching the same accounts never wait for each other in a circle.
     */
    public Map<String, Locked> lock(Handle h, Collection<String> ids, Instant now) {
        TreeSet<String> sorted = new TreeSet<>(ids);
        for (String id : sorted) {
            if (!id.equals(MINT) && !id.equals(ESCROW) && !id.equals(OPERATOR)) {
                h.createUpdate("insert into market_account (id, kind, created_at) values (:id, 'project', :now) on conflict (id) do nothing")
                        .bind("id", id).bind("now", Columns.utc(now)).execute();
            }
        }
        Map<String, Locked> out = new LinkedHashMap<>();
        h.createQuery("select id, balance, held from market_account where id = any(:ids) order by id for update")
                .bind("ids", sorted.toArray(new String[0]))
                .map((rs, c) -> new Locked(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .forEach(l -> out.put(l.id(), l));
        return out;
    }

    public void insertTransaction(Handle h, UUID id, EntryKind kind, Instant now) {
        h.createUpdate("insert into market_transaction (id, kind, created_at) values (:id, :k, :now)")
                .bind("id", id).bind("k", kind.word()).bind("now", Columns.utc(now)).execute();
    }

    /** Writes one entry; the database moves the account's balance and answers the balance after it. */
    public Entry insertEntry(Handle h, UUID tx, String account, EntryKind kind, long amount, String counterparty, UUID lease,
                             UUID bid, UUID hold, String memo, Instant now) {
        return h.createQuery("""
                        insert into market_entry (transaction_id, account_id, kind, amount, counterparty, lease_uuid, bid_uuid, hold_id, memo, created_at)
                        values (:tx, :a, :k, :amount, :cp, :lease, :bid, :hold, :memo, :now) returning *""")
                .bind("tx", tx).bind("a", account).bind("k", kind.word()).bind("amount", amount).bind("cp", counterparty)
                .bind("lease", lease).bind("bid", bid).bind("hold", hold).bind("memo", memo).bind("now", Columns.utc(now))
                .map((rs, c) -> entry(rs)).one();
    }

    public Optional<Entry> entryOf(Handle h, UUID tx, String account) {
        return h.createQuery("select * from market_entry where transaction_id = :tx and account_id = :a order by id limit 1")
                .bind("tx", tx).bind("a", account).map((rs, c) -> entry(rs)).findOne();
    }

    public Optional<AccountView> account(String projectId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select a.id, a.balance, a.held, p.name from market_account a left join project p on p.id = a.id
                        where a.id = :id and a.kind = 'project'""")
                .bind("id", projectId).map((rs, c) -> view(rs)).findOne());
    }

    /** Project accounts (all, or one project's) in id order, after {@code marker} when given. */
    public List<AccountView> accounts(Optional<String> project, Optional<String> marker, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select a.id, a.balance, a.held, p.name from market_account a left join project p on p.id = a.id
                        where a.kind = 'project' and (cast(:p as text) is null or a.id = cast(:p as text))
                          and (cast(:m as text) is null or a.id > cast(:m as text))
                        order by a.id limit :limit""")
                .bind("p", project.orElse(null)).bind("m", marker.orElse(null)).bind("limit", limit)
                .map((rs, c) -> view(rs)).list());
    }

    /** An account's entries, newest first, older than entry {@code before} when given. */
    public List<Entry> entries(String account, Optional<EntryKind> kind, Optional<Instant> since, Optional<Instant> until,
                               Optional<Long> before, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from market_entry where account_id = :a
                          and (cast(:k as text) is null or kind = cast(:k as text))
                          and (cast(:since as timestamptz) is null or created_at >= cast(:since as timestamptz))
                          and (cast(:until as timestamptz) is null or created_at < cast(:until as timestamptz))
                          and (cast(:before as bigint) is null or id < cast(:before as bigint))
                        order by id desc limit :limit""")
                .bind("a", account).bind("k", kind.map(EntryKind::word).orElse(null))
                .bind("since", since.map(Columns::utc).orElse(null)).bind("until", until.map(Columns::utc).orElse(null))
                .bind("before", before.orElse(null)).bind("limit", limit)
                .map((rs, c) -> entry(rs)).list());
    }

    public void insertHold(Handle h, Hold hold, UUID tx, String memo) {
        h.createUpdate("""
                        insert into market_hold (id, payer, amount, lease_uuid, bid_uuid, memo, expires_at, created_at, hold_transaction)
                        values (:id, :payer, :amount, :lease, :bid, :memo, :exp, :now, :tx)""")
                .bind("id", hold.id()).bind("payer", hold.payer()).bind("amount", hold.amount()).bind("lease", hold.leaseUuid()).bind("bid", hold.bidUuid())
                .bind("memo", memo).bind("exp", Columns.utc(hold.expiresAt())).bind("now", Columns.utc(hold.createdAt()))
                .bind("tx", tx).execute();
    }

    /**
     * Many holds of one payer written together, each as {@link MarketService#hold} writes one: its own transaction
     * ({@code hold_transaction} is unique), its two entries (payer, then escrow, hold after hold, so the entry
     * trigger moves the payer's balance step by step as one-by-one holds would) and the hold row. Three statements
     * whatever the number; the deferred triggers check every transaction and hold at commit as before.
     */
    public void insertHolds(Handle h, List<Hold> holds, List<UUID> txs, List<String> memos, Instant now) {
        int n = holds.size();
        String[] accounts = new String[2 * n];
        String[] counterparties = new String[2 * n];
        Long[] amounts = new Long[2 * n];
        UUID[] entryTx = new UUID[2 * n];
        UUID[] entryLease = new UUID[2 * n];
        UUID[] entryBid = new UUID[2 * n];
        UUID[] entryHold = new UUID[2 * n];
        String[] entryMemo = new String[2 * n];
        for (int i = 0; i < n; i++) {
            Hold hold = holds.get(i);
            for (int side = 0; side < 2; side++) {
                int k = 2 * i + side;
                accounts[k] = side == 0 ? hold.payer() : ESCROW;
                counterparties[k] = side == 0 ? ESCROW : hold.payer();
                amounts[k] = side == 0 ? -hold.amount() : hold.amount();
                entryTx[k] = txs.get(i);
                entryLease[k] = hold.leaseUuid();
                entryBid[k] = hold.bidUuid();
                entryHold[k] = hold.id();
                entryMemo[k] = memos.get(i);
            }
        }
        h.createUpdate("insert into market_transaction (id, kind, created_at) select t, :k, :now from unnest(cast(:ids as uuid[])) with ordinality u(t, i) order by i")
                .bind("ids", txs.toArray(UUID[]::new)).bind("k", EntryKind.HOLD.word()).bind("now", Columns.utc(now)).execute();
        h.createUpdate("""
                        insert into market_entry (transaction_id, account_id, kind, amount, counterparty, lease_uuid, bid_uuid, hold_id, memo, created_at)
                        select tx, a, :k, amount, cp, lease, bid, hold, memo, :now
                        from unnest(cast(:tx as uuid[]), cast(:a as text[]), cast(:amount as bigint[]), cast(:cp as text[]),
                          cast(:lease as uuid[]), cast(:bid as uuid[]), cast(:hold as uuid[]), cast(:memo as text[])) with ordinality
                          e(tx, a, amount, cp, lease, bid, hold, memo, i)
                        order by i""")
                .bind("tx", entryTx).bind("a", accounts).bind("amount", amounts).bind("cp", counterparties).bind("lease", entryLease)
                .bind("bid", entryBid).bind("hold", entryHold).bind("memo", entryMemo).bind("k", EntryKind.HOLD.word())
                .bind("now", Columns.utc(now)).execute();
        h.createUpdate("""
                        insert into market_hold (id, payer, amount, lease_uuid, bid_uuid, memo, expires_at, created_at, hold_transaction)
                        select id, payer, amount, lease, bid, memo, exp, :now, tx
                        from unnest(cast(:id as uuid[]), cast(:payer as text[]), cast(:amount as bigint[]), cast(:lease as uuid[]),
                          cast(:bid as uuid[]), cast(:memo as text[]), cast(:exp as timestamptz[]), cast(:tx as uuid[])) with ordinality
                          u(id, payer, amount, lease, bid, memo, exp, tx, i)
                        order by i""")
                .bind("id", holds.stream().map(Hold::id).toArray(UUID[]::new))
                .bind("payer", holds.stream().map(Hold::payer).toArray(String[]::new))
                .bind("amount", holds.stream().map(Hold::amount).toArray(Long[]::new))
                .bind("lease", holds.stream().map(Hold::leaseUuid).toArray(UUID[]::new))
                .bind("bid", holds.stream().map(Hold::bidUuid).toArray(UUID[]::new))
                .bind("memo", memos.toArray(String[]::new))
                .bind("exp", holds.stream().map(x -> x.expiresAt().toString()).toArray(String[]::new))
                .bind("tx", txs.toArray(UUID[]::new)).bind("now", Columns.utc(now)).execute();
    }

    public Optional<Hold> hold(Handle h, UUID id) {
        return h.createQuery("select * from market_hold where id = :id").bind("id", id).map((rs, c) -> hold(rs)).findOne();
    }

    /** A lease's holds that have not ended, locked, oldest first (the order they are posted in). */
    public List<Hold> heldForLease(Handle h, UUID lease) {
        return h.createQuery("select * from market_hold where lease_uuid = :l and status = 'held' order by created_at, id for update")
                .bind("l", lease).map((rs, c) -> hold(rs)).list();
    }

    public Optional<Hold> hold(UUID id) {
        return jdbi.withHandle(h -> hold(h, id));
    }

    /** Ends a held hold; false when it had already ended (the row's guard would refuse a second end anyway). */
    public boolean endHold(Handle h, UUID id, HoldStatus status, String payee, Long posted, UUID tx, Instant now) {
        return h.createUpdate("""
                        update market_hold set status = :s, payee = :payee, posted_amount = :posted, end_transaction = :tx, ended_at = :now
                        where id = :id and status = 'held'""")
                .bind("s", status.word()).bind("payee", payee).bind("posted", posted).bind("tx", tx).bind("now", Columns.utc(now))
                .bind("id", id).execute() == 1;
    }

    /** Holds due to expire, skipping those another instance is ending now. */
    public List<UUID> dueHolds(Instant now, int limit) {
        return jdbi.withHandle(h -> h.createQuery("select id from market_hold where status = 'held' and expires_at <= :now order by expires_at limit :limit")
                .bind("now", Columns.utc(now)).bind("limit", limit).mapTo(UUID.class).list());
    }

    private static AccountView view(ResultSet rs) throws SQLException {
        return new AccountView(new Account(rs.getString(1), rs.getLong(2), rs.getLong(3)), rs.getString(4));
    }

    private static Entry entry(ResultSet rs) throws SQLException {
        return new Entry(rs.getLong("id"), rs.getObject("transaction_id", UUID.class), rs.getString("account_id"),
                EntryKind.of(rs.getString("kind")).orElseThrow(), rs.getLong("amount"), rs.getLong("balance_after"),
                rs.getString("counterparty"), rs.getObject("lease_uuid", UUID.class), rs.getObject("bid_uuid", UUID.class),
                rs.getObject("hold_id", UUID.class), rs.getString("memo"), Columns.instant(rs, "created_at"));
    }

    private static Hold hold(ResultSet rs) throws SQLException {
        long posted = rs.getLong("posted_amount");
        Long postedAmount = rs.wasNull() ? null : posted;
        return new Hold(rs.getObject("id", UUID.class), rs.getString("payer"), rs.getLong("amount"), HoldStatus.of(rs.getString("status")),
                rs.getString("payee"), postedAmount, rs.getObject("lease_uuid", UUID.class), rs.getObject("bid_uuid", UUID.class), Columns.instant(rs, "expires_at"),
                Columns.instant(rs, "created_at"), rs.getTimestamp("ended_at") == null ? null : Columns.instant(rs, "ended_at"));
    }
}
