-- The in-band agent (ironic-python-agent or ours): one row per node while an agent boot is under way.
-- A fresh row for every boot of the agent (the token is per boot, as in Ironic); deleted when the flow
-- ends, so a stale token never opens a heartbeat. The token is never stored in clear: its SHA-256 checks
-- heartbeats, and a copy sealed with the service's secret key (as BMC passwords are) is what the service
-- sends back on its command calls to the agent (agent_token=... in the query, as Ironic does).
create table agent_boot (
    node_uuid          uuid primary key references node (uuid) on delete cascade,
    token_hash         text check (token_hash ~ '^[0-9a-f]{64}$'),
    token_sealed       text,
    token_pregenerated boolean not null default false,
    -- The agent's command API, fixed by its first heartbeat (a change is refused, as Ironic does).
    agent_url          text check (agent_url ~ '^https?://'),
    agent_version      text,
    -- The agent's self-signed certificate (PEM), pinned on first use; only it is trusted for commands.
    verify_ca          text,
    last_heartbeat     timestamptz,
    booted_at          timestamptz not null,
    check (verify_ca is null or agent_url like 'https://%'),
    check ((token_hash is null) = (token_sealed is null))
);
