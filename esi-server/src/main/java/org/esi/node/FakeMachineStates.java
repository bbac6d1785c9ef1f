package org.esi.node;

import java.net.URI;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Optional;
import org.esi.drivers.fake.FakeMachine;
import org.esi.drivers.fake.FakeStateStore;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.PowerState;
import org.jdbi.v3.core.Jdbi;

/** The fake-hardware machines' state in the database, so that every instance drives the same machine. */
public final class FakeMachineStates implements FakeStateStore {
    private final Jdbi jdbi;
    private final Clock clock;

    public FakeMachineStates(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public Optional<FakeMachine.State> load(String key) {
        return jdbi.withHandle(h -> h.createQuery("select * from fake_machine where key = :key").bind("key", key)
                .map((rs, c) -> new FakeMachine.State(PowerState.valueOf(rs.getString("power")),
                        new BootSetting(BootDevice.valueOf(rs.getString("boot_device")), rs.getBoolean("boot_persistent")),
                        rs.getString("virtual_media") == null ? null : URI.create(rs.getString("virtual_media"))))
                .findOne());
    }

    @Override
    public void save(String key, FakeMachine.State state) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into fake_machine (key, power, boot_device, boot_persistent, virtual_media, updated_at)
                        values (:key, :power, :device, :persistent, :media, :now)
                        on conflict (key) do update set power = excluded.power, boot_device = excluded.boot_device,
                            boot_persistent = excluded.boot_persistent, virtual_media = excluded.virtual_media,
                            updated_at = excluded.updated_at""")
                .bind("key", key).bind("power", state.power().name()).bind("device", state.boot().device().name())
                .bind("persistent", state.boot().persistent())
                .bind("media", state.virtualMedia() == null ? null : state.virtualMedia().toString())
                .bind("now", clock.instant().atOffset(ZoneOffset.UTC)).execute());
    }
}
