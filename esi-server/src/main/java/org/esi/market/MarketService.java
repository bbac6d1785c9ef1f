package org.esi.market;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.esi.event.Event;
import org.esi.event.EventListener;
import org.esi.event.EventStore;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.http.IdempotencyKeys;
import org.esi.lease.LeaseTimes;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.Handle;

/**
 * The ledger's operations. Each is one database transaction that locks the accounts it touches (in id order,
 * see {@link MarketStore#lock}), checks what the caller may spend under those locks, and writes balanced entries;
 * the database refuses anything that would break an invariant even if this class were wrong.
 *
 * <p>Holds move credits from the payer to escrow; they end once: posted (part or all to a payee, the operator's fee
 * out of it, the rest back), voided (all back, a refund) or expired (all back, when their time ran out).
 */
public final class MarketService {
    /** Holds one {@link #expireDue} call ends at the most. */
    static final int EXPIRE_BATCH = 1000;
    private final MarketStore store;
    private final Clock clock;
    /** market.fee-percent as basis points (1/100 of a percent) of each posted hold, to the operator account. */
    private final int feeBasisPoints;
    private final EventStore events;
    /** Told of each event after the ledger transaction that recorded it commits (the webhook notifier). */
    private final EventListener listener;

    public MarketService(MarketStore store, Clock clock, int feeBasisPoints, EventStore events, EventListener listener) {
        if (feeBasisPoints < 0 || feeBasisPoints > 10_000) {
            throw new IllegalArgumentException("fee must be 0 to 100 percent");
        }
        this.events = events;
        this.listener = listener;
        this.store = store;
        this.clock = clock;
        this.feeBasisPoints = feeBasisPoints;
    }

    public MarketStore store() {
        return store;
    }

    /** The entry a POST answers with, and whether an earlier request with the same key made it. */
    public record Posted(Entry entry, boolean replayed) {}

    /** Mints {@code amount} into a project's account. */
    public Posted grant(String projectId, long amount, String memo, Optional<IdempotencyKeys.Key> key) {
        Instant now = now();
        return writeAndPublish(h -> {
            Optional<Posted> earlier = replay(h, key, projectId, now);
            if (earlier.isPresent()) {
                return earlier.get();
            }
            store.lock(h, List.of(MarketStore.MINT, projectId), now);
            UUID tx = UUID.randomUUID();
            store.insertTransaction(h, tx, EntryKind.GRANT, now);
            store.insertEntry(h, tx, MarketStore.MINT, EntryKind.GRANT, -amount, projectId, null, null, null, memo, now);
            Entry e = store.insertEntry(h, tx, projectId, EntryKind.GRANT, amount, MarketStore.MINT, null, null, null, memo, now);
            record(h, "esi.market.grant", tx, null, projectId, null, now);
            key.ifPresent(k -> IdempotencyKeys.remember(h, k, tx, now));
            return new Posted(e, false);
        });
    }

    /** Moves {@code amount} from one project to another; 402 when the payer cannot cover it. */
    public Posted transfer(String from, String to, long amount, String memo, Optional<IdempotencyKeys.Key> key) {
        if (from.equals(to)) {
            throw ApiException.badRequest("A transfer needs two different projects; 'to' is the paying project itself");
        }
        Instant now = now();
        return writeAndPublish(h -> {
            Optional<Posted> earlier = replay(h, key, from, now);
            if (earlier.isPresent()) {
                return earlier.get();
            }
            Map<String, MarketStore.Locked> locked = store.lock(h, List.of(from, to), now);
            requireCovers(locked.get(from), amount, "amount");
            UUID tx = UUID.randomUUID();
            store.insertTransaction(h, tx, EntryKind.TRANSFER, now);
            Entry e = store.insertEntry(h, tx, from, EntryKind.TRANSFER, -amount, to, null, null, null, memo, now);
            store.insertEntry(h, tx, to, EntryKind.TRANSFER, amount, from, null, null, null, memo, now);
            record(h, "esi.market.transfer", tx, null, from, to, now);
            key.ifPresent(k -> IdempotencyKeys.remember(h, k, tx, now));
            return new Posted(e, false);
        });
    }

    /** A hold in its own transaction. */
    public Hold hold(String payer, long amount, UUID lease, Instant expiresAt, String memo) {
        return writeAndPublish(h -> hold(h, payer, amount, lease, expiresAt, memo));
    }

    /**
     * Within the caller's transaction (a claim's, so the lease and its hold exist together or not at all): moves
     * {@code amount} from the payer to escrow until the hold ends; 402 when the payer cannot cover it.
     */
    public Hold hold(Handle h, String payer, long amount, UUID lease, Instant expiresAt, String memo) {
        return hold(h, payer, amount, lease, null, expiresAt, memo);
    }

    /** As {@link #hold(Handle, String, long, UUID, Instant, String)}, for a lease a bid's match made: the hold and its entries name the bid. */
    public Hold hold(Handle h, String payer, long amount, UUID lease, UUID bid, Instant expiresAt, String memo) {
        if (amount <= 0) {
            throw new IllegalArgumentException("a hold is of a positive amount");
        }
        Instant now = now();
        Map<String, MarketStore.Locked> locked = store.lock(h, List.of(payer), now);
        requireCovers(locked.get(payer), amount, "cost");
        UUID tx = UUID.randomUUID();
        Hold hold = new Hold(UUID.randomUUID(), payer, amount, HoldStatus.HELD, null, null, lease, bid, expiresAt, now, null);
        store.insertTransaction(h, tx, EntryKind.HOLD, now);
        store.insertEntry(h, tx, payer, EntryKind.HOLD, -amount, MarketStore.ESCROW, lease, bid, hold.id(), memo, now);
        store.insertEntry(h, tx, MarketStore.ESCROW, EntryKind.HOLD, amount, payer, lease, bid, hold.id(), memo, now);
        store.insertHold(h, hold, tx, memo);
        record(h, "esi.market.hold", tx, lease, payer, null, now);
        return hold;
    }

    /** One hold of {@link #holdAll}: what {@link #hold(Handle, String, long, UUID, UUID, Instant, String)} takes, and the lease's node. */
    public record HoldFor(long amount, UUID lease, UUID node, Instant expiresAt, String memo) {}

    /**
     * Within the caller's transaction: the holds of one payer (a bid's match), as that many {@link #hold} calls in
     * that order would write them (the same rows, and 402 for the first one the payer cannot cover after the ones
     * before it), but with one lock of the payer's account and a few set-based statements. Answers the holds' events,
     * not recorded yet, in order: the caller records them with its own.
     */
    public List<Event> holdAll(Handle h, String payer, UUID bid, List<HoldFor> holds) {
        Instant now = now();
        MarketStore.Locked locked = store.lock(h, List.of(payer), now).get(payer);
        long available = locked == null ? 0 : locked.balance();
        List<Hold> rows = new java.util.ArrayList<>(holds.size());
        List<UUID> txs = new java.util.ArrayList<>(holds.size());
        List<String> memos = new java.util.ArrayList<>(holds.size());
        List<Event> events = new java.util.ArrayList<>(holds.size());
        for (HoldFor f : holds) {
            if (f.amount() <= 0) {
                throw new IllegalArgumentException("a hold is of a positive amount");
            }
            requireCovers(available, f.amount(), "cost");
            available -= f.amount();
            UUID tx = UUID.randomUUID();
            rows.add(new Hold(UUID.randomUUID(), payer, f.amount(), HoldStatus.HELD, null, null, f.lease(), bid, f.expiresAt(), now, null));
            txs.add(tx);
            memos.add(f.memo());
            events.add(new Event(0, "esi.market.hold", now, "market_transaction", tx, f.node() == null ? null : "ironic_node", f.node(),
                    MarketStore.isSystem(payer) ? null : payer, null));
        }
        if (!rows.isEmpty()) {
            store.insertHolds(h, rows, txs, memos, now);
        }
        return events;
    }

    /** Posts {@code amount} (0 to the hold's amount) of a hold to {@code payee}; the rest goes back to the payer. */
    public Hold post(UUID holdId, String payee, long amount) {
        return writeAndPublish(h -> post(h, holdId, payee, amount));
    }

    public Hold post(Handle h, UUID holdId, String payee, long amount) {
        Hold held = heldForEnd(h, holdId);
        if (amount < 0 || amount > held.amount()) {
            throw ApiException.badRequest("A hold of " + Money.format(held.amount()) + " can post 0 to " + Money.format(held.amount())
                    + ", not " + Money.format(amount));
        }
        Instant now = now();
        long fee = fee(amount);
        // The operator's row only when there is a fee for it: otherwise every settlement would take turns on it.
        store.lock(h, fee > 0 ? List.of(held.payer(), payee, MarketStore.OPERATOR) : List.of(held.payer(), payee), now);
        UUID tx = UUID.randomUUID();
        store.insertTransaction(h, tx, EntryKind.SETTLE, now);
        if (amount - fee > 0) {
            move(h, tx, EntryKind.SETTLE, MarketStore.ESCROW, payee, amount - fee, held, now);
        }
        if (fee > 0) {
            move(h, tx, EntryKind.FEE, MarketStore.ESCROW, MarketStore.OPERATOR, fee, held, now);
        }
        if (held.amount() - amount > 0) {
            move(h, tx, EntryKind.SETTLE, MarketStore.ESCROW, held.payer(), held.amount() - amount, held, now);
        }
        end(h, held, HoldStatus.POSTED, payee, amount, tx, now);
        record(h, "esi.market.settle", tx, held.leaseUuid(), held.payer(), payee, now);
        return store.hold(h, holdId).orElseThrow();
    }

    /** Gives a hold's credits back to its payer (a refund). */
    public Hold voidHold(UUID holdId) {
        return writeAndPublish(h -> giveBack(h, holdId, HoldStatus.VOIDED));
    }

    public Hold voidHold(Handle h, UUID holdId) {
        return giveBack(h, holdId, HoldStatus.VOIDED);
    }

    /** Ends every held hold whose time ran out, each in its own transaction; answers how many this call ended. */
    public int expireDue() {
        int n = 0;
        for (UUID id : store.dueHolds(now(), EXPIRE_BATCH)) {
            try {
                Hold h = writeAndPublish(handle -> giveBack(handle, id, HoldStatus.EXPIRED));
                if (h.status() == HoldStatus.EXPIRED) {
                    n++;
                }
            } catch (ApiException e) {
                // Ended meanwhile (posted, voided, or expired by another instance): nothing to do.
                if (e.kind() != ErrorKind.CONFLICT) {
                    throw e;
                }
            }
        }
        return n;
    }

    private Hold giveBack(Handle h, UUID holdId, HoldStatus status) {
        Hold held = heldForEnd(h, holdId);
        Instant now = now();
        if (status == HoldStatus.EXPIRED && held.expiresAt().isAfter(now)) {
            throw ApiException.conflict("Hold " + holdId + " is not due to expire until " + LeaseTimes.format(held.expiresAt()));
        }
        store.lock(h, List.of(held.payer()), now);
        UUID tx = UUID.randomUUID();
        store.insertTransaction(h, tx, EntryKind.REFUND, now);
        move(h, tx, EntryKind.REFUND, MarketStore.ESCROW, held.payer(), held.amount(), held, now);
        end(h, held, status, null, null, tx, now);
        record(h, status == HoldStatus.EXPIRED ? "esi.market.hold.expire" : "esi.market.refund", tx, held.leaseUuid(), held.payer(), null, now);
        return store.hold(h, holdId).orElseThrow();
    }

    /** The hold, locked, if it is still held; 404 or 409 otherwise. */
    private Hold heldForEnd(Handle h, UUID holdId) {
        Hold held = h.createQuery("select id from market_hold where id = :id for update").bind("id", holdId).mapTo(UUID.class).findOne()
                .flatMap(id -> store.hold(h, id))
                .orElseThrow(() -> ApiException.notFound("Hold " + holdId + " could not be found."));
        if (held.status() != HoldStatus.HELD) {
            throw ApiException.conflict("Hold " + holdId + " has already ended: it is " + held.status().word());
        }
        return held;
    }

    private void end(Handle h, Hold held, HoldStatus status, String payee, Long posted, UUID tx, Instant now) {
        if (!store.endHold(h, held.id(), status, payee, posted, tx, now)) {
            throw ApiException.conflict("Hold " + held.id() + " has already ended");
        }
    }

    private void move(Handle h, UUID tx, EntryKind kind, String from, String to, long amount, Hold hold, Instant now) {
        store.insertEntry(h, tx, from, kind, -amount, to, hold.leaseUuid(), hold.bidUuid(), hold.id(), null, now);
        store.insertEntry(h, tx, to, kind, amount, from, hold.leaseUuid(), hold.bidUuid(), hold.id(), null, now);
    }

    /** The operator's share of a posted amount, rounded half-up to 1/10,000 credit. */
    long fee(long posted) {
        BigInteger[] qr = BigInteger.valueOf(posted).multiply(BigInteger.valueOf(feeBasisPoints)).divideAndRemainder(BigInteger.valueOf(10_000));
        return qr[0].longValueExact() + (qr[1].longValueExact() * 2 >= 10_000 ? 1 : 0);
    }

    private static void requireCovers(MarketStore.Locked payer, long amount, String what) {
        requireCovers(payer == null ? 0 : payer.balance(), amount, what);
    }

    private static void requireCovers(long available, long amount, String what) {
        if (available < amount) {
            throw new ApiException(ErrorKind.PAYMENT_REQUIRED, "insufficient credits: " + what + " " + Money.format(amount)
                    + ", available " + Money.format(available));
        }
    }

    /**
     * One ledger transaction. What the database refuses although this class checked it (a balance past a bigint,
     * a CHECK this class failed to foresee) is a client error with nothing changed, never a 500.
     */
    private <T> T write(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        try {
            return store.jdbi().inTransaction(work);
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            String state = SqlErrors.sqlState(e).orElse("");
            if (state.equals("22003")) {
                throw ApiException.conflict("The amount would take an account past the largest balance the ledger holds; nothing was changed");
            }
            if (state.equals("23514")) {
                throw new ApiException(ErrorKind.PAYMENT_REQUIRED, "insufficient credits: the ledger refused the change; nothing was changed");
            }
            throw e;
        }
    }

    /**
     * The event of one ledger transaction: its parties are the projects involved (system accounts are nobody's),
     * its resource the node of the lease it pays for. Kept until the transaction commits, then published.
     */
    private void record(Handle h, String type, UUID tx, UUID lease, String party, String otherParty, Instant now) {
        UUID node = lease == null ? null : store.nodeOfLease(h, lease).orElse(null);
        Event e = events.record(h, type, now, "market_transaction", tx, node == null ? null : "ironic_node", node,
                MarketStore.isSystem(party) ? null : party, otherParty == null || MarketStore.isSystem(otherParty) ? null : otherParty);
        List<Event> pending = PENDING.get();
        if (pending != null) {
            pending.add(e);
        } // else: inside a caller's transaction (a claim, a lease's end), whose own events wake the listeners
    }

    /** Events recorded by the ledger transaction this class runs on this thread, published once it commits. */
    private static final ThreadLocal<List<Event>> PENDING = new ThreadLocal<>();

    /** A ledger transaction of its own: its events are published after it commits (and dropped when it does not). */
    private <T> T writeAndPublish(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        List<Event> pending = new java.util.ArrayList<>();
        PENDING.set(pending);
        try {
            T result = write(h -> {
                pending.clear(); // a retried attempt starts over
                return work.withHandle(h);
            });
            PENDING.remove();
            for (Event e : pending) {
                listener.committed(e);
            }
            return result;
        } finally {
            PENDING.remove();
        }
    }

    private Optional<Posted> replay(Handle h, Optional<IdempotencyKeys.Key> key, String account, Instant now) {
        if (key.isEmpty()) {
            return Optional.empty();
        }
        return IdempotencyKeys.earlier(h, key.get(), now)
                .map(tx -> new Posted(store.entryOf(h, tx, account).orElseThrow(), true));
    }

    private Instant now() {
        return LeaseTimes.micros(clock.instant());
    }
}
