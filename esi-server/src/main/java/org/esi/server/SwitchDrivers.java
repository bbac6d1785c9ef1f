package org.esi.server;

import java.util.ArrayList;
import java.util.List;
import org.esi.drivers.net.linuxbridge.LinuxBridgeDriver;
import org.esi.drivers.net.sshcli.SshCliDriver;
import org.esi.spi.net.SwitchDriver;

/** The switch drivers a production server offers. */
final class SwitchDrivers {
    private SwitchDrivers() {}

    static List<SwitchDriver> standard() {
        List<SwitchDriver> drivers = new ArrayList<>();
        drivers.add(new LinuxBridgeDriver());
        drivers.add(new SshCliDriver());
        return drivers;
    }
}
