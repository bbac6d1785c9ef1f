-- Escrow without a hot row. Every priced claim moved credits into escrow, and the entry trigger updated escrow's
-- one materialised balance under its row lock until the claim committed: all priced claims of the whole service
-- took turns on that row. Escrow's balance is no longer kept on its account row (it stays 0 there); it is the sum
-- of its entries, which is the sum of the open holds. What the row's CHECK guarded (escrow never pays out more than
-- it got) is now checked per hold, which is stronger: at commit, a hold's escrow entries sum to its amount while
-- it is held and to zero once it has ended.
create or replace function market_entry_apply() returns trigger language plpgsql as $$
declare
    after bigint;
begin
    if new.account_id = 'escrow' then
        new.balance_after := null;
        return new;
    end if;
    update market_account set balance = balance + new.amount where id = new.account_id returning balance into after;
    if not found then
        raise exception 'market account % does not exist', new.account_id using errcode = 'foreign_key_violation';
    end if;
    new.balance_after := after;
    return new;
end $$;

alter table market_entry alter column balance_after drop not null;
alter table market_entry alter column balance_after drop default;
-- Not valid: escrow entries written before this migration keep the balance_after they had (entries are immutable).
alter table market_entry add constraint market_entry_balance_after check ((balance_after is null) = (account_id = 'escrow')) not valid;
update market_account set balance = 0 where id = 'escrow';

create index market_entry_hold on market_entry (hold_id) where hold_id is not null;

-- Escrow only ever holds a hold's credits: each of its entries names the hold.
alter table market_entry add constraint market_entry_escrow_hold check (account_id <> 'escrow' or hold_id is not null) not valid;

-- At commit, for each hold that was written or had escrow entries written: what escrow keeps for it is its amount
-- while it is held and nothing once it has ended (never paid out twice, never more than it got).
create function market_hold_escrowed() returns trigger language plpgsql as $$
declare
    which uuid;
    escrowed numeric;
    h market_hold;
begin
    if tg_table_name = 'market_hold' then
        which := new.id;
    else
        which := new.hold_id;
    end if;
    select * into h from market_hold where id = which;
    select coalesce(sum(amount), 0) into escrowed from market_entry e where e.hold_id = which and e.account_id = 'escrow';
    if h.id is null or escrowed <> (case when h.status = 'held' then h.amount else 0 end) then
        raise exception 'hold % (%) has % in escrow', which, coalesce(h.status, 'missing'), escrowed using errcode = 'check_violation';
    end if;
    return null;
end $$;
create constraint trigger market_hold_escrowed after insert or update on market_hold
    deferrable initially deferred for each row execute function market_hold_escrowed();
create constraint trigger market_entry_escrowed after insert on market_entry
    deferrable initially deferred for each row when (new.account_id = 'escrow') execute function market_hold_escrowed();
