-- The Neutron face of tenant networks (docs/networks.md): subnets with allocation pools, network ports
-- with fixed IPs, trunk parent and sub-ports, and which attachment a port is bound through (the
-- bare-metal VIF API). The database decides every conflict: one IP per subnet once (primary key), one
-- MAC per network once, one binding per port, one trunk per parent port, one trunk per sub-port.
alter table network add column external boolean not null default false;
alter table network add column description text not null default '';
alter table trunk add column description text not null default '';

create table subnet (
    id               uuid primary key,
    network_id       uuid not null references network (id) on delete cascade,
    project_id       text not null references project (id) on delete restrict,
    name             text not null default '',
    description      text not null default '',
    ip_version       integer not null check (ip_version in (4, 6)),
    cidr             cidr not null,
    gateway_ip       inet,
    enable_dhcp      boolean not null default true,
    dns_nameservers  jsonb not null default '[]',
    host_routes      jsonb not null default '[]',
    created_at       timestamptz not null,
    updated_at       timestamptz,
    constraint subnet_family check (family(cidr) = ip_version),
    constraint subnet_gateway_inside check (gateway_ip is null or gateway_ip << cidr)
);
create index subnet_network on subnet (network_id, created_at);

-- Allocation pools: inclusive address ranges inside the subnet that IPAM hands out from.
create table subnet_pool_range (
    subnet_id  uuid not null references subnet (id) on delete cascade,
    first_ip   inet not null,
    last_ip    inet not null,
    primary key (subnet_id, first_ip),
    constraint pool_ordered check (first_ip <= last_ip and family(first_ip) = family(last_ip))
);

create table network_port (
    id              uuid primary key,
    network_id      uuid not null references network (id) on delete restrict,
    project_id      text not null references project (id) on delete restrict,
    name            text not null default '',
    description     text not null default '',
    mac_address     macaddr not null,
    admin_state_up  boolean not null default true,
    device_owner    text not null default '',
    device_id       text not null default '',
    vnic_type       text not null default 'normal',
    binding_profile jsonb not null default '{}',
    created_at      timestamptz not null,
    updated_at      timestamptz,
    constraint network_port_mac_unique unique (network_id, mac_address)
);
create index network_port_project on network_port (project_id);
create index network_port_name on network_port (name);

-- Fixed IPs. The primary key is what makes IPAM conflict-free across service instances.
create table port_ip (
    subnet_id   uuid not null references subnet (id) on delete restrict,
    ip_address  inet not null,
    port_id     uuid not null references network_port (id) on delete cascade,
    primary key (subnet_id, ip_address)
);
create index port_ip_port on port_ip (port_id);

-- A VIF attachment names the network port it binds; a port is bound through one attachment at most.
alter table attachment add column vif_port_id uuid references network_port (id) on delete restrict;
alter table attachment add constraint attachment_vif_unique unique (vif_port_id);

-- A Neutron trunk has a parent port (its native network) and one sub-port per tagged network.
alter table trunk add column port_id uuid references network_port (id) on delete restrict;
alter table trunk add constraint trunk_parent_unique unique (port_id);
alter table trunk_network add column port_id uuid references network_port (id) on delete restrict;
alter table trunk_network add constraint trunk_subport_unique unique (port_id);
