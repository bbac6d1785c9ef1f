-- The market's double-entry ledger (market-api.md). Amounts are integers of 1/10,000 credit.
-- The database, not the service, guarantees the invariants: entries are immutable, every transaction's
-- entries sum to zero, no project (nor escrow, nor the operator) goes below zero, a hold ends exactly once.

-- One account per project (created on first use) and three system accounts: mint (the operator's source of
-- credits, the only account that may go negative), escrow (held credits) and operator (fees).
create table market_account (
    id          text primary key,
    kind        text not null check (kind in ('project', 'mint', 'escrow', 'operator')),
    -- The sum of the account's entries, kept by the entry trigger below under the account's row lock.
    balance     bigint not null default 0,
    -- Credits of this account's open holds (sitting in escrow), kept by the hold trigger below.
    held        bigint not null default 0 check (held >= 0),
    created_at  timestamptz not null,
    constraint market_account_not_negative check (kind = 'mint' or balance >= 0),
    constraint market_account_system_ids check ((kind = 'project') = (id not in ('mint', 'escrow', 'operator')))
);
insert into market_account (id, kind, created_at) values
    ('mint', 'mint', now()), ('escrow', 'escrow', now()), ('operator', 'operator', now());

create table market_transaction (
    id          uuid primary key,
    kind        text not null check (kind in ('grant', 'hold', 'settle', 'refund', 'transfer', 'fee')),
    created_at  timestamptz not null
);

create table market_entry (
    id              bigserial primary key,
    transaction_id  uuid not null references market_transaction (id),
    account_id      text not null references market_account (id),
    kind            text not null check (kind in ('grant', 'hold', 'settle', 'refund', 'transfer', 'fee')),
    amount          bigint not null check (amount <> 0),
    balance_after   bigint not null default 0,
    counterparty    text not null,
    lease_uuid      uuid,
    bid_uuid        uuid,
    hold_id         uuid,
    memo            text check (length(memo) <= 1024),
    created_at      timestamptz not null
);
create index market_entry_account on market_entry (account_id, id desc);
create index market_entry_transaction on market_entry (transaction_id);

-- Entries and transactions are never changed: corrections are new entries.
create function market_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'market ledger rows are immutable (% on %)', tg_op, tg_table_name using errcode = 'restrict_violation';
end $$;
create trigger market_entry_immutable before update or delete on market_entry
    for each row execute function market_immutable();
create trigger market_transaction_immutable before update or delete on market_transaction
    for each row execute function market_immutable();

-- Each entry moves its account's materialised balance in the same statement, under the account's row lock,
-- and records the balance after it; the CHECK on market_account refuses a negative balance.
create function market_entry_apply() returns trigger language plpgsql as $$
declare
    after bigint;
begin
    update market_account set balance = balance + new.amount where id = new.account_id returning balance into after;
    if not found then
        raise exception 'market account % does not exist', new.account_id using errcode = 'foreign_key_violation';
    end if;
    new.balance_after := after;
    return new;
end $$;
create trigger market_entry_apply before insert on market_entry
    for each row execute function market_entry_apply();

-- At commit: every transaction an entry was written for sums to zero, and has at least two entries.
create function market_transaction_balanced() returns trigger language plpgsql as $$
declare
    total numeric;
    n bigint;
begin
    select coalesce(sum(amount), 0), count(*) into total, n from market_entry where transaction_id = new.transaction_id;
    if total <> 0 or n < 2 then
        raise exception 'market transaction % does not balance (sum %, % entries)', new.transaction_id, total, n
            using errcode = 'check_violation';
    end if;
    return null;
end $$;
create constraint trigger market_entry_balanced after insert on market_entry
    deferrable initially deferred for each row execute function market_transaction_balanced();

-- A hold: credits moved from a payer's account to escrow, ending exactly once: posted (all or part, to a payee,
-- the rest back to the payer), voided (all back) or expired (all back, when it timed out).
create table market_hold (
    id              uuid primary key,
    payer           text not null references market_account (id),
    amount          bigint not null check (amount > 0),
    status          text not null default 'held' check (status in ('held', 'posted', 'voided', 'expired')),
    payee           text references market_account (id),
    posted_amount   bigint,
    lease_uuid      uuid,
    bid_uuid        uuid,
    memo            text check (length(memo) <= 1024),
    expires_at      timestamptz not null,
    created_at      timestamptz not null,
    hold_transaction uuid not null unique references market_transaction (id),
    end_transaction uuid unique references market_transaction (id),
    ended_at        timestamptz,
    constraint market_hold_ended check ((status = 'held') = (ended_at is null and end_transaction is null)),
    constraint market_hold_posted check ((status = 'posted') = (posted_amount is not null and payee is not null)
        and (posted_amount is null or posted_amount between 0 and amount))
);
create index market_hold_due on market_hold (expires_at) where status = 'held';

-- A hold changes once, from held to an end, and nothing but its ending columns changes; it is never deleted.
-- The payer's held credits follow it.
create function market_hold_guard() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.status <> 'held' then
            raise exception 'a hold starts held' using errcode = 'check_violation';
        end if;
        update market_account set held = held + new.amount where id = new.payer;
        return new;
    end if;
    if tg_op = 'DELETE' then
        raise exception 'market holds are never deleted' using errcode = 'restrict_violation';
    end if;
    if old.status <> 'held' then
        raise exception 'hold % already ended (%)', old.id, old.status using errcode = 'restrict_violation';
    end if;
    if new.status = 'held' or (new.id, new.payer, new.amount, new.lease_uuid, new.bid_uuid, new.memo, new.expires_at,
            new.created_at, new.hold_transaction) is distinct from (old.id, old.payer, old.amount, old.lease_uuid, old.bid_uuid,
            old.memo, old.expires_at, old.created_at, old.hold_transaction) then
        raise exception 'a hold may only be ended' using errcode = 'restrict_violation';
    end if;
    update market_account set held = held - old.amount where id = old.payer;
    return new;
end $$;
create trigger market_hold_guard before insert or update or delete on market_hold
    for each row execute function market_hold_guard();
