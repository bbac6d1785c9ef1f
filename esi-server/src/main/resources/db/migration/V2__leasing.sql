-- Leasing: offers and leases (ESI-Leap's objects), the bookings that keep them from overlapping,
-- and the event log.
create extension if not exists btree_gist;

-- Every live offer or lease occupies its window inside a container: the node itself for the owner's
-- offers and direct leases, the offer for leases claimed from it, the parent lease for sub-offers and
-- sub-leases. Two live bookings in one container never overlap; the database enforces it, so the
-- check and the insert are one atomic step however many service instances share the database.
create table booking (
    uuid         uuid primary key,
    node_uuid    uuid not null references node (uuid) on delete cascade,
    container_id uuid not null,
    during       tstzrange not null,
    live         boolean not null,
    constraint booking_no_overlap exclude using gist (container_id with =, during with &&) where (live),
    constraint booking_not_empty check (not isempty(during))
);
create index booking_node on booking (node_uuid);

create table offer (
    uuid              uuid primary key references booking (uuid) on delete cascade,
    name              text,
    project_id        text not null references project (id) on delete restrict,
    lessee_id         text references project (id) on delete restrict,
    resource_type     text not null,
    resource_uuid     uuid not null references node (uuid) on delete cascade,
    start_time        timestamptz not null,
    end_time          timestamptz not null,
    status            text not null,
    properties        jsonb not null default '{}',
    parent_lease_uuid uuid,
    created_at        timestamptz not null,
    updated_at        timestamptz,
    due_at            timestamptz
);
create index offer_resource on offer (resource_uuid, start_time);
create index offer_project on offer (project_id, uuid);
create index offer_status on offer (status, uuid);
create index offer_due on offer (due_at) where due_at is not null;
create index offer_name on offer (name);

create table lease (
    uuid              uuid primary key references booking (uuid) on delete cascade,
    name              text,
    project_id        text not null references project (id) on delete restrict,
    owner_id          text not null references project (id) on delete restrict,
    resource_type     text not null,
    resource_uuid     uuid not null references node (uuid) on delete cascade,
    start_time        timestamptz not null,
    end_time          timestamptz not null,
    fulfill_time      timestamptz,
    expire_time       timestamptz,
    status            text not null,
    properties        jsonb not null default '{}',
    purpose           text,
    offer_uuid        uuid references offer (uuid) on delete cascade,
    parent_lease_uuid uuid references lease (uuid) on delete cascade,
    created_at        timestamptz not null,
    updated_at        timestamptz,
    -- When the lifecycle must next act on this lease (start, end, retry); null once it is final.
    due_at            timestamptz,
    -- Set while an instance carries out a multi-step transition; another instance takes over after it.
    claimed_until     timestamptz,
    attempts          integer not null default 0,
    last_error        text,
    -- What the lifecycle is finishing: 'expire' or 'cancel' (null while created/active).
    ending            text,
    ending_notified   boolean not null default false
);
create index lease_resource on lease (resource_uuid, start_time);
create index lease_project on lease (project_id, uuid);
create index lease_owner on lease (owner_id, uuid);
create index lease_status on lease (status, uuid);
create index lease_offer on lease (offer_uuid);
create index lease_parent on lease (parent_lease_uuid);
create index lease_due on lease (due_at) where due_at is not null;
create index lease_name on lease (name);

create table event (
    id            bigserial primary key,
    event_type    text not null,
    event_time    timestamptz not null,
    object_type   text not null,
    object_uuid   uuid not null,
    resource_type text not null,
    resource_uuid uuid not null,
    lessee_id     text,
    owner_id      text
);
create index event_lessee on event (lessee_id, id);
create index event_owner on event (owner_id, id);

-- Wakes the lifecycle timers of every instance when any of them changes what is due.
create or replace function notify_lease_due() returns trigger language plpgsql as $$
begin
    perform pg_notify('esi_lease_due', '');
    return null;
end $$;
create trigger lease_due_changed after insert or update of due_at on lease
    for each statement execute function notify_lease_due();
create trigger offer_due_changed after insert or update of due_at on offer
    for each statement execute function notify_lease_due();
