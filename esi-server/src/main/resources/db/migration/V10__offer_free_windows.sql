-- "Which offers have this window free" when few do: a GiST index on a multirange column only knows
-- each row's bounding range (the whole offer window), so it cannot skip busy offers and the search
-- became a scan of every offer. Each free gap as a row of its own makes the range index exact.
-- A trigger keeps the rows equal to offer.free of available offers, in the same transaction as any
-- change to the offer, so no code path can forget them.
create table offer_free_gap (
    offer_uuid uuid not null references offer (uuid) on delete cascade,
    during     tstzrange not null
);
create index offer_free_gap_during on offer_free_gap using gist (during);
create index offer_free_gap_offer on offer_free_gap (offer_uuid);

create function offer_free_sync() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and new.free = old.free and new.status = old.status then
        return null;
    end if;
    delete from offer_free_gap where offer_uuid = new.uuid;
    if new.status = 'available' then
        insert into offer_free_gap (offer_uuid, during) select new.uuid, r from unnest(new.free) r;
    end if;
    return null;
end $$;

create trigger offer_free_sync after insert or update of free, status on offer
    for each row execute function offer_free_sync();

insert into offer_free_gap (offer_uuid, during)
    select o.uuid, r from offer o, unnest(o.free) r where o.status = 'available';

-- The multirange index it replaces could only ever say "maybe" for every offer.
drop index offer_free;
