package org.esi.server;

import java.util.ArrayList;
import java.util.List;
import org.esi.drivers.net.fake.FakeSwitchDriver;
import org.esi.drivers.net.linuxbridge.LinuxBridgeDriver;
import org.esi.drivers.net.sshcli.SshCliDriver;
import org.esi.spi.net.SwitchDriver;

/** The switch drivers a production server offers (public for tests that run a server as {@code esi serve} does). */
public final class SwitchDrivers {
    private SwitchDrivers() {}

    public static List<SwitchDriver> standard() {
        List<SwitchDriver> drivers = new ArrayList<>();
        drivers.add(new LinuxBridgeDriver());
        drivers.add(new SshCliDriver());
        drivers.add(new FakeSwitchDriver());
        return drivers;
    }
}
