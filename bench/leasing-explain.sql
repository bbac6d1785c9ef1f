-- EXPLAIN ANALYZE of the two list queries exactly as LeaseRoutes/LeaseStore build them for a non-admin
-- caller (LeaseStore.OFFER_VIEW/LEASE_VIEW + the where clauses of LeaseRoutes.listOffers/listLeases).
-- psql variables: me (the caller's project id), lim (limit + 1), as/ae (available window, ISO UTC).
\set ON_ERROR_STOP on
\echo -- GET /lease/v1/offers?available_start_time=..&available_end_time=..&limit=N
explain (analyze, buffers)
select o.*, p.name as project_name, lp.name as lessee_name, n.name as node_name, n.resource_class as node_rc,
       n.properties::text as node_props
from offer o join project p on p.id = o.project_id left join project lp on lp.id = o.lessee_id
join node n on n.uuid = o.resource_uuid
where true and (o.project_id = :'me' or (o.lessee_id is null or o.lessee_id = any(array[:'me'])))
  and o.status = any(array['available', 'error'])
  and o.status = 'available' and o.start_time <= (:'as')::timestamptz and o.end_time >= (:'ae')::timestamptz and not exists (
    select 1 from booking b where b.container_id = o.uuid and b.live and b.during && tstzrange((:'as')::timestamptz, (:'ae')::timestamptz, '[)'))
order by o.created_at, o.uuid limit :lim;

\echo -- GET /lease/v1/leases?limit=N
explain (analyze, buffers)
select l.*, p.name as project_name, op.name as owner_name, n.name as node_name, n.resource_class as node_rc,
       n.properties::text as node_props
from lease l join project p on p.id = l.project_id join project op on op.id = l.owner_id
join node n on n.uuid = l.resource_uuid
where true and (l.project_id = :'me' or l.owner_id = :'me')
  and l.status = any(array['created', 'active', 'error', 'wait fulfill', 'wait expire', 'wait cancel'])
order by l.created_at, l.uuid limit :lim;

\echo -- lifecycle: LeaseStore.nextDue (run once per scheduler loop)
explain (analyze, buffers)
select least((select min(greatest(due_at, coalesce(claimed_until, due_at))) from lease where due_at is not null),
             (select min(due_at) from offer where due_at is not null));
