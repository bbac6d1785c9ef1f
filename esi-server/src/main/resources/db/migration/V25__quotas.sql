-- Per-project limits on leasing (docs/quotas.md). No row: no limit. The row is also the lock every booking of
-- the project takes (select ... for update) while it checks the limits, so concurrent bookings queue on it.
-- max_node_hours is in 1/10,000 node-hour (as credits are in 1/10,000 credit): 1 node-hour = 10000.
create table lease_quota (
    project_id        text primary key references project (id) on delete cascade,
    max_leased_nodes  integer check (max_leased_nodes > 0),
    max_node_hours    bigint check (max_node_hours > 0),
    period            text check (period in ('day', 'week', 'month')),
    updated_at        timestamptz not null,
    constraint lease_quota_period check ((max_node_hours is null) or (period is not null))
);
-- The windows the checks read: a project's leases by start.
create index lease_project_start on lease (project_id, start_time);
