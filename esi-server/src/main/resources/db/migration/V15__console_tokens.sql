-- Console auth tokens (ESI-Leap's POST /lease/v1/console_auth_tokens, and the one-use-window tokens in
-- console_info): bearer tokens that let a WebSocket or socat client, which cannot send X-Auth-Token,
-- open one node's serial console. Only the SHA-256 of a token is stored, so a database reader cannot
-- use them; any instance sharing this database validates them. See org.esi.console.ConsoleTokens.
create table console_token (
    token_hash  bytea primary key check (length(token_hash) = 32),
    node_uuid   uuid not null references node (uuid) on delete cascade,
    -- What the token opens; only the serial console today, so a later purpose cannot reuse these.
    purpose     text not null default 'console' check (purpose in ('console')),
    -- Who asked, as the policy saw them then: re-checked against the node at every use, so a lessee's
    -- token stops working the moment its lease takes the lessee off the node.
    user_id     text not null,
    project_id  text not null,
    roles       text[] not null,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    check (expires_at > created_at)
);
create index console_token_node on console_token (node_uuid);
create index console_token_expiry on console_token (expires_at);
