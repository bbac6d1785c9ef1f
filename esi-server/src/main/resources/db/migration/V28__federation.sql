-- Federation of sites (docs/federation.md). Each peer is another ESI deployment this site trusts: its name
-- (the iss/kid of its assertions), where to reach it, and its Ed25519 public key (the raw 32 bytes).
create table federation_peer (
    name        text primary key check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    url         text not null check (char_length(url) <= 2048 and url ~ '^https?://'),
    public_key  bytea not null check (octet_length(public_key) = 32),
    created_at  timestamptz not null
);

-- Assertion ids already used, per issuer. The primary key is what refuses a replay, also when two
-- instances of this site receive the same assertion at once: the row is inserted in the transaction that
-- issues the token. Rows outlive their assertion's expiry (plus the allowed clock skew), then are purged.
create table federation_jti (
    issuer      text not null,
    jti         text not null check (char_length(jti) <= 128),
    expires_at  timestamptz not null,
    primary key (issuer, jti)
);
create index federation_jti_expiry on federation_jti (expires_at);

-- A shadow project stands at this site for a project of a peer ('<site>/<name>'). It is keyed by the home
-- project's id, so a rename at home renames the shadow instead of forking a second one.
create table federation_shadow_project (
    project_id       text primary key references project (id) on delete cascade,
    site             text not null,
    home_project_id  text not null check (char_length(home_project_id) <= 255),
    unique (site, home_project_id)
);

-- A shadow user stands for a user of a peer ('<site>/<home user id>'); it has no password and logs in only
-- through a token exchange.
create table federation_shadow_user (
    user_id       text primary key references esi_user (id) on delete cascade,
    site          text not null,
    home_user_id  text not null check (char_length(home_user_id) <= 255),
    unique (site, home_user_id)
);
