-- EXPLAIN ANALYZE of the list queries as LeaseRoutes/LeaseStore build them today for a non-admin caller
-- (LeaseStore.availableOffers: the ordered walk, then the free-gap probe; LeaseStore.leases: one key branch per
-- role, merged; LeaseStore.nextDue). Keep in step with those methods when they change.
-- psql variables: me (the caller's project id), lim (limit + 1), as/ae (available window, ISO UTC).
\set ON_ERROR_STOP on
\echo -- GET /lease/v1/offers?available_start_time=..&available_end_time=..  (1) walk in page order
explain (analyze, buffers)
select o.uuid, o.created_at, p.name as project_name, lp.name as lessee_name, n.name as node_name, n.resource_class as node_rc,
       n.properties::text as node_props,
       array(select (extract(epoch from lower(r)) * 1000000)::bigint from unnest(o.free) r) as free_lo,
       array(select (extract(epoch from upper(r)) * 1000000)::bigint from unnest(o.free) r) as free_hi
from (select o.* from offer o
      where o.uuid = any(array(select s.uuid from (select o.uuid, o.created_at, o.free from offer o
                                                   where true and (o.project_id = :'me' or (o.lessee_id is null or o.lessee_id = any(array[:'me'])))
                                                     and o.status = any(array['available', 'error']) and o.status = 'available'
                                                   order by o.created_at, o.uuid limit 2000) s
                               where s.free @> tstzrange((:'as')::timestamptz, (:'ae')::timestamptz, '[)')
                               order by s.created_at, s.uuid limit :lim))
      order by o.created_at, o.uuid limit :lim) o
join project p on p.id = o.project_id left join project lp on lp.id = o.lessee_id join node n on n.uuid = o.resource_uuid
order by o.created_at, o.uuid;

\echo -- GET /lease/v1/offers?available_start_time=..&available_end_time=..  (2) free-gap probe, when the walk found less than a page
explain (analyze, buffers)
select o.uuid, o.created_at
from offer o
where true and (o.project_id = :'me' or (o.lessee_id is null or o.lessee_id = any(array[:'me'])))
  and o.status = any(array['available', 'error']) and o.status = 'available'
  and o.uuid = any(array(select f.offer_uuid from offer_free_gap f
                         where f.during @> tstzrange((:'as')::timestamptz, (:'ae')::timestamptz, '[)')))
order by o.created_at, o.uuid limit :lim;

\echo -- GET /lease/v1/leases?limit=N
explain (analyze, buffers)
select l.*, p.name as project_name, op.name as owner_name, n.name as node_name, n.resource_class as node_rc,
       n.properties::text as node_props
from (select * from ((select l.created_at, l.uuid from lease l where l.project_id = :'me' and true
                        and l.status = any(array['created', 'active', 'error', 'wait fulfill', 'wait expire', 'wait cancel'])
                      order by l.created_at, l.uuid limit :lim)
                     union
                     (select l.created_at, l.uuid from lease l where l.owner_id = :'me' and true
                        and l.status = any(array['created', 'active', 'error', 'wait fulfill', 'wait expire', 'wait cancel'])
                      order by l.created_at, l.uuid limit :lim)) u
      order by u.created_at, u.uuid limit :lim) k
join lease l on l.uuid = k.uuid join project p on p.id = l.project_id join project op on op.id = l.owner_id
join node n on n.uuid = l.resource_uuid
order by l.created_at, l.uuid;

\echo -- lifecycle: LeaseStore.nextDue (run once per scheduler loop)
explain (analyze, buffers)
select least((select min(due_at) from lease where due_at is not null and claimed_until is null),
             (select min(greatest(due_at, claimed_until)) from lease where due_at is not null and claimed_until is not null),
             (select min(due_at) from offer where due_at is not null));
