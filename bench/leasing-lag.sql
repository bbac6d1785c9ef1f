-- Lifecycle-lag set-up for bench/leasing.sh. psql variables: lag_leases (10000), delay_s (first start, seconds
-- from now), spread_s (60: starts spread evenly over this many seconds).
--
-- 1. The seeded active leases are cancelled the way Lifecycle.end(CANCEL) leaves them (status deleted,
--    expire_time, due_at/claimed_until null, ending 'cancel', booking released, node lessee and
--    properties.lease_uuid removed), so that every node is free to start a new lease: a node carrying
--    another lease would (correctly) put the new one in 'wait fulfill'.
-- 2. lag_leases leases (named bench-lag-*) are claimed from the offers of distinct nodes, exactly as
--    LeaseService.claim writes them: booking in the offer, status created, due_at = start_time. Each node
--    gets at most one, so the count is capped at the node count. One statement, so the lease_due trigger
--    wakes the scheduler once.
\set ON_ERROR_STOP on
begin;
create temp table lag_now on commit drop as select clock_timestamp() as t;

with a as (select uuid, resource_uuid from lease where status = 'active' and name like 'bench-lease-%'),
     u as (update lease l set status = 'deleted', expire_time = t, due_at = null, claimed_until = null, ending = 'cancel',
                              updated_at = t
           from a, lag_now where l.uuid = a.uuid returning l.uuid),
     b as (update booking set live = false where uuid in (select uuid from a) returning uuid)
update node n set lessee = null, properties = n.properties - 'lease_uuid', updated_at = lag_now.t
  from a, lag_now where n.uuid = a.resource_uuid and n.properties ->> 'lease_uuid' = a.uuid::text;

create temp table lag on commit drop as
  select gen_random_uuid() as uuid, o.uuid as offer_uuid, o.resource_uuid, o.project_id as owner,
         (select id from project where name like 'bench-l%' order by name
            offset (x.rn % (select count(*) from project where name like 'bench-l%')) limit 1) as lessee,
         x.rn,
         lag_now.t + (:delay_s * interval '1 second') + (x.rn * (:spread_s * 1000000 / :lag_leases)::bigint) * interval '1 microsecond' as s,
         lag_now.t as created
  from (select uuid, row_number() over (order by name) - 1 as rn from offer where name like 'bench-offer-%') x
  join offer o on o.uuid = x.uuid, lag_now
  where x.rn < :lag_leases;

insert into booking (uuid, node_uuid, container_id, during, live)
  select uuid, resource_uuid, offer_uuid, tstzrange(s, s + interval '12 hours', '[)'), true from lag;
insert into lease (uuid, name, project_id, owner_id, resource_type, resource_uuid, start_time, end_time, status, properties,
                   purpose, offer_uuid, parent_lease_uuid, created_at, due_at)
  select uuid, 'bench-lag-' || rn, lessee, owner, 'ironic_node', resource_uuid, s, s + interval '12 hours', 'created', '{}',
         null, offer_uuid, null, created, s
  from lag;
commit;
select count(*) as lag_leases, min(start_time) as first_start, max(start_time) as last_start,
       round(extract(epoch from (min(start_time) - clock_timestamp()))::numeric, 3) as first_start_in_s
  from lease where name like 'bench-lag-%';
