-- Identity: projects form a tree; users hold roles on projects; tokens are stored only as hashes.
create table project (
    id          text primary key,
    name        text not null unique,
    description text not null default '',
    parent_id   text references project (id) on delete restrict,
    enabled     boolean not null default true,
    created_at  timestamptz not null default now()
);

create table esi_user (
    id                 text primary key,
    name               text not null unique,
    default_project_id text references project (id) on delete set null,
    enabled            boolean not null default true,
    email              text,
    password_hash      text not null,
    created_at         timestamptz not null default now()
);

create table role (
    name text primary key
);
insert into role (name) values ('admin'), ('owner'), ('lessee'), ('member'), ('reader');

create table role_assignment (
    user_id    text not null references esi_user (id) on delete cascade,
    project_id text not null references project (id) on delete cascade,
    role       text not null references role (name),
    primary key (user_id, project_id, role)
);
create index role_assignment_project on role_assignment (project_id);

create table token (
    hash       bytea primary key,
    user_id    text not null references esi_user (id) on delete cascade,
    project_id text not null references project (id) on delete cascade,
    audit_id   text not null,
    issued_at  timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index token_expiry on token (expires_at);

-- Node inventory, Ironic's shape. driver_info secrets are stored encrypted by the service.
create table node (
    uuid                   uuid primary key,
    name                   text unique,
    driver                 text not null,
    driver_info            jsonb not null default '{}',
    driver_internal_info   jsonb not null default '{}',
    power_state            text,
    target_power_state     text,
    provision_state        text not null default 'enroll',
    target_provision_state text,
    maintenance            boolean not null default false,
    maintenance_reason     text,
    last_error             text,
    reservation            text,
    resource_class         text,
    properties             jsonb not null default '{}',
    instance_info          jsonb not null default '{}',
    instance_uuid          uuid,
    extra                  jsonb not null default '{}',
    description            text,
    owner                  text references project (id) on delete restrict,
    lessee                 text references project (id) on delete restrict,
    console_enabled        boolean not null default false,
    traits                 text[] not null default '{}',
    created_at             timestamptz not null,
    updated_at             timestamptz,
    provision_updated_at   timestamptz,
    inspection_finished_at timestamptz
);
create index node_owner on node (owner, uuid);
create index node_lessee on node (lessee, uuid);

create table port (
    uuid                  uuid primary key,
    address               text not null unique,
    node_uuid             uuid not null references node (uuid) on delete cascade,
    local_link_connection jsonb not null default '{}',
    physical_network      text,
    pxe_enabled           boolean not null default true,
    extra                 jsonb not null default '{}',
    internal_info         jsonb not null default '{}',
    created_at            timestamptz not null,
    updated_at            timestamptz
);
create index port_node on port (node_uuid);
