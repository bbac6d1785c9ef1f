-- Elastic cluster pools: a project's standing request for N machines of one kind (clusters.md).
create table pool (
    uuid            uuid primary key,
    name            text not null check (length(name) between 1 and 255),
    project_id      text not null references project (id) on delete restrict,
    resource_class  text not null,
    properties      jsonb not null default '[]',
    min_size        integer not null check (min_size >= 0),
    max_size        integer not null check (max_size <= 10000),
    desired_size    integer not null,
    lease_seconds   bigint not null check (lease_seconds > 0),
    renew_seconds   bigint not null check (renew_seconds >= 0 and renew_seconds < lease_seconds),
    deploy          jsonb not null,
    networks        jsonb not null default '[]',
    labels          jsonb not null default '{}',
    last_error      text,
    retry_at        timestamptz,
    deleting        boolean not null default false,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    unique (project_id, name),
    check (min_size <= desired_size and desired_size <= max_size)
);

-- One row per leased machine of a pool; the lease is the member's right to the node.
create table pool_member (
    lease_uuid  uuid primary key references lease (uuid) on delete cascade,
    pool_uuid   uuid not null references pool (uuid) on delete cascade,
    node_uuid   uuid not null,
    status      text not null check (status in ('claiming', 'deploying', 'ready', 'draining', 'releasing', 'failed')),
    reason      text,
    replaces    uuid,
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);
create index pool_member_pool on pool_member (pool_uuid, status);
create index pool_member_node on pool_member (node_uuid);

-- Every change of a pool's size, and why: the scale history.
create table pool_scale (
    id          bigserial primary key,
    pool_uuid   uuid not null references pool (uuid) on delete cascade,
    at          timestamptz not null,
    from_size   integer not null,
    to_size     integer not null,
    reason      text not null
);
create index pool_scale_pool on pool_scale (pool_uuid, id);
