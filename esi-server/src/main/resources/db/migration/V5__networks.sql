-- Tenant networks: VLANs on physical networks, the switches that carry them, and which node port is
-- attached to what. One VLAN per physical network per network, enforced by a unique key, so two
-- instances allocating at once can never hand out the same VLAN.
create table switch (
    id               uuid primary key,
    name             text not null unique,
    driver           text not null,
    address          text not null,
    username         text,
    password         text,
    physical_network text not null,
    options          jsonb not null default '{}',
    created_at       timestamptz not null
);

create table network (
    id               uuid primary key,
    name             text not null,
    project_id       text not null references project (id) on delete restrict,
    shared           boolean not null default false,
    physical_network text not null,
    vlan_id          integer not null check (vlan_id between 1 and 4094),
    provider         boolean not null default false,
    created_at       timestamptz not null,
    constraint network_vlan_unique unique (physical_network, vlan_id)
);
create index network_project on network (project_id);

create table network_rbac (
    network_id uuid not null references network (id) on delete cascade,
    project_id text not null references project (id) on delete cascade,
    primary key (network_id, project_id)
);

create table trunk (
    id                uuid primary key,
    name              text not null,
    project_id        text not null references project (id) on delete restrict,
    native_network_id uuid references network (id) on delete restrict,
    created_at        timestamptz not null
);

create table trunk_network (
    trunk_id   uuid not null references trunk (id) on delete cascade,
    network_id uuid not null references network (id) on delete restrict,
    primary key (trunk_id, network_id)
);

create table attachment (
    id          uuid primary key,
    node_uuid   uuid not null references node (uuid) on delete cascade,
    port_uuid   uuid not null unique references port (uuid) on delete cascade,
    network_id  uuid references network (id) on delete restrict,
    trunk_id    uuid references trunk (id) on delete restrict,
    project_id  text not null,
    status      text not null,
    last_error  text,
    created_at  timestamptz not null,
    updated_at  timestamptz,
    constraint attachment_one_target check ((network_id is null) <> (trunk_id is null))
);
create index attachment_node on attachment (node_uuid);
