-- The audit trail (org.esi.audit): who did what, append-only and hash-chained. See docs/operations.md.
--
-- Each record's hash is SHA-256 over the previous record's hash and the record's own canonical content
-- (computed in Java, AuditRecord.canonical), so editing, removing or reordering a record breaks the chain at
-- that record. Ids are given by the chain head, one after the other with no gaps, never by a sequence.
create table audit_record (
    id             bigint primary key,
    recorded_at    timestamptz not null,
    user_id        text,
    user_name      text,
    project_id     text,
    roles          text[] not null,
    method         text not null,
    route          text not null,
    target_type    text,
    target_id      text,
    status         integer,
    outcome        text not null check (outcome in ('success', 'denied', 'failed', 'unknown')),
    request_id     text not null,
    source_address text,
    prev_hash      bytea not null check (length(prev_hash) = 32),
    hash           bytea not null check (length(hash) = 32)
);
create index audit_record_time on audit_record (recorded_at);
create index audit_record_user on audit_record (user_id, id);
create index audit_record_target on audit_record (target_id, id);

-- One row: the chain's last record and the anchor the first surviving record links to (the hash of the
-- last record the retention purge removed; 32 zero bytes while nothing was purged). Appending locks this
-- row FOR UPDATE, so appends from every instance sharing the database are serialised and ids stay gapless.
create table audit_chain_head (
    singleton   boolean primary key default true check (singleton),
    last_id     bigint not null,
    last_hash   bytea not null check (length(last_hash) = 32),
    anchor_id   bigint not null,
    anchor_hash bytea not null check (length(anchor_hash) = 32)
);
insert into audit_chain_head values (true, 0, decode(repeat('00', 32), 'hex'), 0, decode(repeat('00', 32), 'hex'));

-- A state-changing request's record, written inside the transaction of the change it describes (at its
-- commit), before the answer's status is known. The request seals it into the chain with that status right
-- after; should the instance die in between, the audit loop seals it with outcome 'unknown'. So no change
-- commits without its record, and chain appends never lengthen a change's own transaction.
create table audit_pending (
    id         uuid primary key,
    created_at timestamptz not null,
    record     jsonb not null
);
create index audit_pending_age on audit_pending (created_at);

-- Append-only. The service's role owns these tables, and an owner cannot be denied UPDATE or DELETE on its own
-- table (REVOKE does not bind owners), so a trigger refuses them instead. The one exception is the retention
-- purge, which names in esi.audit_purge_through (for its own transaction only) the newest id it may delete.
-- A superuser or the owner can still disable the trigger: that is what the hash chain is for.
create function audit_record_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and old.id <= coalesce(nullif(current_setting('esi.audit_purge_through', true), ''), '0')::bigint then
        return old;
    end if;
    raise exception 'audit records are append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger audit_record_append_only before update or delete on audit_record
    for each row execute function audit_record_append_only();

create function audit_record_no_truncate() returns trigger language plpgsql as $$
begin
    raise exception 'audit records are append-only (TRUNCATE refused)' using errcode = 'insufficient_privilege';
end $$;
create trigger audit_record_no_truncate before truncate on audit_record
    for each statement execute function audit_record_no_truncate();
