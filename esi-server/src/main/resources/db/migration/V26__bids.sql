-- Bids (market-api.md "Bids"): N machines of a resource class matching property filters, for a fixed window
-- [start_time, end_time) or for `duration` placed inside [not_before, not_after], at most max_price (1/10,000 credit
-- per node-hour) each. The matcher (BidMatcher) turns open bids into leases; the leases point back at their bid.
create table market_bid (
    uuid            uuid primary key,
    project_id      text not null references project (id) on delete restrict,
    quantity        integer not null check (quantity > 0 and quantity <= 1000),
    resource_class  text not null check (length(resource_class) between 1 and 255),
    -- The upstream --property filters as written ("cpus>=32"), checked again by the matcher against node properties.
    properties      text[] not null default '{}' check (cardinality(properties) <= 32),
    start_time      timestamptz,
    end_time        timestamptz,
    duration_s      bigint check (duration_s > 0),
    not_before      timestamptz,
    not_after       timestamptz,
    max_price       bigint not null check (max_price >= 0),
    all_or_nothing  boolean not null default true,
    expires_at      timestamptz not null,
    status          text not null default 'open'
                    check (status in ('open', 'matched', 'partially matched', 'expired', 'cancelled')),
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    last_error      text check (length(last_error) <= 1024),
    -- Exactly one of the two shapes of window, and one that can hold the lease.
    constraint market_bid_window check (
        (start_time is not null and end_time is not null and start_time < end_time
            and duration_s is null and not_before is null and not_after is null)
        or (start_time is null and end_time is null and duration_s is not null and not_before is not null
            and not_after is not null and not_before + make_interval(secs => duration_s) <= not_after)),
    -- Only a bid that may take fewer machines is ever partially matched.
    constraint market_bid_partial check (status <> 'partially matched' or not all_or_nothing)
);
-- The matcher's order: highest max_price first, then oldest.
create index market_bid_matchable on market_bid (max_price desc, created_at, uuid) where status in ('open', 'partially matched');
create index market_bid_project on market_bid (project_id, created_at, uuid);

alter table lease add column bid_uuid uuid references market_bid (uuid) on delete restrict;
create index lease_bid on lease (bid_uuid) where bid_uuid is not null;

-- Never more machines than asked, whatever the service does: a bid's leases never outnumber its quantity, and
-- only a bid that is being matched (open or partially matched) gains leases. The matcher holds the bid's row lock
-- while it inserts them, so the count is exact under any number of instances.
create function market_bid_lease_guard() returns trigger language plpgsql as $$
declare
    b market_bid;
    n bigint;
begin
    if new.bid_uuid is null then
        return new;
    end if;
    select * into b from market_bid where uuid = new.bid_uuid;
    if b.status not in ('open', 'partially matched') then
        raise exception 'bid % is %; it takes no more leases', new.bid_uuid, b.status using errcode = 'check_violation';
    end if;
    select count(*) into n from lease where bid_uuid = new.bid_uuid;
    if n >= b.quantity then
        raise exception 'bid % already has its % lease(s)', new.bid_uuid, b.quantity using errcode = 'check_violation';
    end if;
    return new;
end $$;
create trigger market_bid_lease_guard before insert or update of bid_uuid on lease
    for each row execute function market_bid_lease_guard();
