-- Webhooks: a project's URL + secret, and a durable outbox of deliveries.
--
-- Deliveries are derived from the event log through a single cursor row, so every event is considered
-- once across instances and none is lost when an instance stops between recording an event and
-- notifying about it. The cursor is ordered by the recording transaction (xact), not by event id:
-- ids are handed out before commit, so a smaller id can become visible after a larger one, and a
-- cursor on ids would step over it. The notifier only passes transactions older than every
-- transaction still running (the snapshot's xmin), so nothing can appear behind the cursor.
-- Added without a default first, so existing rows stay null and the table is not rewritten.
alter table event add column xact xid8;
alter table event alter column xact set default pg_current_xact_id();
create index event_xact on event (xact, id);

create table webhook (
    id         uuid primary key,
    project_id text not null references project (id) on delete cascade,
    url        text not null,
    secret     text not null, -- sealed with SecretBox: enc:v1:...
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
create index webhook_delivery_hook on webhook_delivery (webhook_id);
create index webhook_delivery_created on webhook_delivery (created_at);

-- Events recorded before webhooks existed have no xact and no hook to go to; the cursor starts here.
create table notify_cursor (
    id        integer primary key check (id = 1),
    last_xact xid8 not null,
    last_id   bigint not null
);
insert into notify_cursor (id, last_xact, last_id) values (1, pg_current_xact_id(), 0);

-- The "ending soon" scan runs every few seconds; this keeps it to the few rows it can match.
create index lease_ending_soon on lease (end_time) where status = 'active' and not ending_notified;
