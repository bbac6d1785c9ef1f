-- Leasing at scale (bench/leasing.sh: 10,000 offers, 100,000 leases).
-- An offer carries the union of its live leases' windows, kept in the same transaction as every
-- change to those leases, so "has this free window" is a check on the row instead of a join.
-- free is the offer's window minus busy; a GiST index answers "which offers have this window free"
-- without visiting the offers that do not.
alter table offer add column busy tstzmultirange not null default '{}';
alter table offer add column free tstzmultirange not null default '{}';
update offer o set busy = coalesce((select range_agg(tstzrange(l.start_time, l.end_time, '[)')) from lease l
                                    where l.offer_uuid = o.uuid and l.status not in ('expired', 'deleted')), '{}');
update offer set free = tstzmultirange(tstzrange(start_time, end_time, '[)')) - busy;
create index offer_free on offer using gist (free) where status = 'available';
create index offer_available_page on offer (created_at, uuid) where status = 'available';
create index offer_page on offer (created_at, uuid);

-- Lease lists page over live leases of one project, as lessee or as owner.
create index lease_live_project_page on lease (project_id, created_at, uuid) where status not in ('expired', 'deleted');
create index lease_live_owner_page on lease (owner_id, created_at, uuid) where status not in ('expired', 'deleted');
create index lease_page on lease (created_at, uuid);

-- The lifecycle's next wake-up: unclaimed due rows by due time, claimed rows by claim expiry.
create index lease_due_unclaimed on lease (due_at) where due_at is not null and claimed_until is null;
create index lease_claimed on lease (claimed_until) where due_at is not null and claimed_until is not null;
