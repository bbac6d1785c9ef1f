-- Bulk seed for bench/leasing.sh: offers, leases and their bookings written straight into the embedded
-- PostgreSQL, row for row what LeaseService/Lifecycle would have written (see LeaseStore.book/insertOffer/
-- insertLease, Lifecycle.fulfill/end). Nodes, projects and users already exist (bench/leasing-seed.py).
-- psql variables: leases_per_offer (>= 10 is the designed shape; default 10), active_every (every n-th node
-- has an active lease; 0 = none).
--
-- Per node i (all times relative to now, rounded to the second; m = i mod 60 minutes of jitter):
--   offer      [now-30d, now+365d), available, lessee_id null, due_at = end      booking on the node, live
--   lease k=0..3  expired  [now-30d + 6d*k + m, +5d)   fulfill/expire_time set   booking on the offer, not live
--   lease k=4     active   [now-1d + m, now+1d + m)    on every active_every-th node: node.lessee = lease
--                                                      project, node.properties.lease_uuid = lease; due_at = end
--                 expired  [now-6d + m, now-2d + m)    on the other nodes
--   lease k>=5    created  [now+2d + 3d*(k-5) + m, +2d)  due_at = start, booking live
-- The lessee of lease (i, k) is lessee project (i + k) mod L; the owner is the node's owner.
\set ON_ERROR_STOP on
\if :{?leases_per_offer}
\else
  \set leases_per_offer 10
\endif
\if :{?active_every}
\else
  \set active_every 10
\endif

begin;
create temp table seed_now on commit drop as select date_trunc('second', now()) as t;

create temp table bn on commit drop as
  select n.uuid as node_uuid, n.owner, (row_number() over (order by n.name))::int - 1 as i, gen_random_uuid() as offer_uuid
  from node n where n.name like 'bench-n%';
create temp table lp on commit drop as
  select id, (row_number() over (order by name))::int - 1 as j from project where name like 'bench-l%';

-- offers
insert into booking (uuid, node_uuid, container_id, during, live)
  select offer_uuid, node_uuid, node_uuid, tstzrange(t - interval '30 days', t + interval '365 days', '[)'), true
  from bn, seed_now;
insert into offer (uuid, name, project_id, lessee_id, resource_type, resource_uuid, start_time, end_time, status, properties,
                   parent_lease_uuid, created_at, updated_at, due_at)
  select offer_uuid, 'bench-offer-' || i, owner, null, 'ironic_node', node_uuid, t - interval '30 days', t + interval '365 days',
         'available', '{}', null, t - interval '30 days' - interval '1 hour' + i * interval '1 millisecond', null,
         t + interval '365 days'
  from bn, seed_now;

-- leases
create temp table sl on commit drop as
  with k as (select generate_series(0, :leases_per_offer - 1) as k),
  w as (
    select bn.*, k.k, gen_random_uuid() as uuid,
           (select id from lp where lp.j = (bn.i + k.k) % (select count(*) from lp)) as lessee,
           :active_every > 0 and bn.i % greatest(:active_every, 1) = 0 as active_node,
           seed_now.t, (bn.i % 60) * interval '1 minute' as m
    from bn cross join k cross join seed_now)
  select w.*,
         case when k <= 3 then t - interval '30 days' + k * interval '6 days' + m
              when k = 4 and active_node then t - interval '1 day' + m
              when k = 4 then t - interval '6 days' + m
              else t + interval '2 days' + (k - 5) * interval '3 days' + m end as s,
         case when k <= 3 then t - interval '25 days' + k * interval '6 days' + m
              when k = 4 and active_node then t + interval '1 day' + m
              when k = 4 then t - interval '2 days' + m
              else t + interval '4 days' + (k - 5) * interval '3 days' + m end as e,
         case when k = 4 and active_node then 'active' when k <= 4 then 'expired' else 'created' end as status
  from w;

insert into booking (uuid, node_uuid, container_id, during, live)
  select uuid, node_uuid, offer_uuid, tstzrange(s, e, '[)'), status <> 'expired' from sl;
insert into lease (uuid, name, project_id, owner_id, resource_type, resource_uuid, start_time, end_time, fulfill_time, expire_time,
                   status, properties, purpose, offer_uuid, parent_lease_uuid, created_at, updated_at, due_at, claimed_until,
                   attempts, last_error, ending, ending_notified)
  select uuid, 'bench-lease-' || i || '-' || k, lessee, owner, 'ironic_node', node_uuid, s, e,
         case when status in ('expired', 'active') then s + interval '150 milliseconds' end,
         case when status = 'expired' then e + interval '400 milliseconds' end,
         status, '{}', null, offer_uuid, null,
         least(s, t) - interval '2 hours' + i * interval '1 millisecond',
         case when status = 'created' then null when status = 'active' then s + interval '150 milliseconds'
              else e + interval '400 milliseconds' end,
         case status when 'created' then s when 'active' then e end,
         null, 0, null,
         case when status = 'expired' then 'expire' end,
         status = 'expired'
  from sl;

-- what Lifecycle.fulfill did for the active ones: the node's lessee is the lease's project and it records the lease
update node n set lessee = sl.lessee, properties = n.properties || jsonb_build_object('lease_uuid', sl.uuid::text),
                  updated_at = sl.s + interval '150 milliseconds'
  from sl where sl.status = 'active' and sl.node_uuid = n.uuid;
-- What the service keeps on each offer: the union of its live leases' windows (see V8).
update offer o set busy = coalesce((select range_agg(tstzrange(l.start_time, l.end_time, '[)')) from lease l
                                    where l.offer_uuid = o.uuid and l.status not in ('expired', 'deleted')), '{}');
update offer set free = tstzmultirange(tstzrange(start_time, end_time, '[)')) - busy;
commit;
vacuum analyze booking; vacuum analyze offer; vacuum analyze offer_free_gap; vacuum analyze lease; vacuum analyze node;
select (select count(*) from offer) as offers, (select count(*) from lease) as leases,
       (select count(*) filter (where status = 'expired') from lease) as expired,
       (select count(*) filter (where status = 'active') from lease) as active,
       (select count(*) filter (where status = 'created') from lease) as created,
       (select count(*) from booking) as bookings, (select count(*) from node where lessee is not null) as nodes_with_lessee;
