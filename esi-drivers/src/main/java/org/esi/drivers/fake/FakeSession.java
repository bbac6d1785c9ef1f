package org.esi.drivers.fake;

import java.net.URI;
import java.util.Objects;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootSetting;
import org.esi.spi.ConsoleStream;
import org.esi.spi.HardwareInventory;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;

/** A session on a {@link FakeMachine}; every operation goes through the machine's knobs and is recorded. */
final class FakeSession implements BmcSession {
    private final FakeMachine machine;

    FakeSession(FakeMachine machine) {
        this.machine = machine;
    }

    @Override
    public PowerState powerState() throws BmcException {
        return machine.perform("powerState", "", FakeMachine::power);
    }

    /** Power changes are instant; a reboot of either kind ends with the machine on, as on real hardware. */
    @Override
    public void setPower(PowerAction action) throws BmcException {
        Objects.requireNonNull(action, "action");
        machine.perform("setPower", action.name(), m -> {
            m.setPowerLocked(switch (action) {
                case ON, REBOOT, SOFT_REBOOT -> PowerState.ON;
                case OFF, SOFT_OFF -> PowerState.OFF;
            });
            return null;
        });
    }

    @Override
    public BootSetting bootDevice() throws BmcException {
        return machine.perform("bootDevice", "", FakeMachine::boot);
    }

    @Override
    public void setBootDevice(BootSetting setting) throws BmcException {
        Objects.requireNonNull(setting, "setting");
        machine.perform("setBootDevice", setting.device() + (setting.persistent() ? " persistent" : " once"), m -> {
            m.setBootLocked(setting);
            return null;
        });
    }

    @Override
    public HardwareInventory inspect() throws BmcException {
        return machine.perform("inspect", "", FakeMachine::inventory);
    }

    @Override
    public void insertVirtualMedia(URI image) throws BmcException {
        Objects.requireNonNull(image, "image");
        machine.perform("insertVirtualMedia", image.toString(), m -> {
            requireVirtualMedia(m);
            m.setVirtualMediaLocked(image);
            return null;
        });
    }

    @Override
    public void ejectVirtualMedia() throws BmcException {
        machine.perform("ejectVirtualMedia", "", m -> {
            requireVirtualMedia(m);
            m.setVirtualMediaLocked(null);
            return null;
        });
    }

    private static void requireVirtualMedia(FakeMachine m) throws BmcException {
        if (!m.virtualMediaSupported()) {
            // The same refusal the SPI's default gives, as the IPMI driver does.
            throw new BmcException(BmcException.Kind.UNSUPPORTED, "this BMC has no virtual media");
        }
    }

    /** An echo console: what is typed comes back, as a serial line with local echo would show it. */
    @Override
    public ConsoleStream openConsole() throws BmcException {
        return machine.perform("openConsole", "", m -> new EchoConsole());
    }
}
