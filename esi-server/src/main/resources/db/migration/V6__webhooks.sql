-- Webhooks: a project's URL + secret, and a durable outbox of deliveries. Deliveries are derived from
-- the event log through a single cursor row, so every event is considered once across instances and
-- none is lost when an instance stops between recording an event and notifying about it.
create table webhook (
    id         uuid primary key,
    project_id text not null references project (id) on delete cascade,
    url        text not null,
    secret     text not null,
    enabled    boolean not null default true,
    created_at timestamptz not null
);
create index webhook_project on webhook (project_id);

create table webhook_delivery (
    id              bigserial primary key,
    webhook_id      uuid not null references webhook (id) on delete cascade,
    event_type      text not null,
    payload         jsonb not null,
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null,
    delivered_at    timestamptz,
    last_error      text,
    created_at      timestamptz not null
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where delivered_at is null;

create table notify_cursor (
    id            integer primary key check (id = 1),
    last_event_id bigint not null
);
insert into notify_cursor (id, last_event_id) values (1, 0);
