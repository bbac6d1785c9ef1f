-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): what a request with a key did, written in the
-- same transaction as the change itself, so a retry after a lost answer finds it exactly when the change exists.
create table idempotency_key (
    project_id   text not null,
    key          text not null,
    fingerprint  text not null,
    object_uuid  uuid not null,
    created_at   timestamptz not null,
    primary key (project_id, key)
);
create index idempotency_key_age on idempotency_key (project_id, created_at);
