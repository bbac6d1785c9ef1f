-- Failed logins, counted per (user, client address) and per client address, in the database so that every
-- instance sees the same count. A bucket is a fixed window that opens at its first failure.
create table login_throttle (
    bucket        text primary key,
    failures      integer not null check (failures > 0),
    window_start  timestamptz not null
);
create index login_throttle_age on login_throttle (window_start);
