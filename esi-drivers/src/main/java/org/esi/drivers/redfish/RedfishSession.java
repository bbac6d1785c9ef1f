package org.esi.drivers.redfish;

import java.net.URI;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootSetting;
import org.esi.spi.HardwareInventory;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;

/**
 * One node's BMC over Redfish. Connects lazily: the first operation reads the service root, logs in and
 * finds the system; later operations reuse all three.
 */
public final class RedfishSession implements BmcSession {
    private final RedfishClient client;
    private final PowerWait wait;
    private String systemPath; // guarded by this

    RedfishSession(RedfishClient client, PowerWait wait) {
        this.client = client;
        this.wait = wait;
    }

    /** The ComputerSystem this session drives, discovering it on first use. */
    public synchronized String systemPath() throws BmcException {
        if (systemPath == null) {
            systemPath = SystemLocator.locate(client);
        }
        return systemPath;
    }

    @Override
    public PowerState powerState() throws BmcException {
        return power().state();
    }

    @Override
    public void setPower(PowerAction action) throws BmcException {
        power().set(action);
    }

    @Override
    public BootSetting bootDevice() throws BmcException {
        return new BootControl(client, systemPath()).get();
    }

    @Override
    public void setBootDevice(BootSetting setting) throws BmcException {
        new BootControl(client, systemPath()).set(setting);
    }

    @Override
    public HardwareInventory inspect() throws BmcException {
        return new InventoryReader(client, systemPath()).read();
    }

    @Override
    public void insertVirtualMedia(URI image) throws BmcException {
        new VirtualMediaControl(client, systemPath()).insert(image);
    }

    @Override
    public void ejectVirtualMedia() throws BmcException {
        new VirtualMediaControl(client, systemPath()).eject();
    }

    @Override
    public void close() {
        client.close();
    }

    private PowerControl power() throws BmcException {
        return new PowerControl(client, systemPath(), wait);
    }
}
