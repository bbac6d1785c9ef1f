-- The simulated machines of the fake-hardware driver: one state per machine for every instance, as a real BMC has.
create table fake_machine (
    key            text primary key,
    power          text not null check (power in ('ON', 'OFF')),
    boot_device    text not null,
    boot_persistent boolean not null,
    virtual_media  text,
    updated_at     timestamptz not null
);
