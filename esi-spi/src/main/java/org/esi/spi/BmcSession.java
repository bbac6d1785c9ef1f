package org.esi.spi;

import java.net.URI;

/**
 * Operations on one machine's BMC. Every operation is idempotent: a request for the state the machine
 * is already in succeeds after the driver has re-read that state.
 */
public interface BmcSession extends AutoCloseable {
    PowerState powerState() throws BmcException;

    void setPower(PowerAction action) throws BmcException;

    BootSetting bootDevice() throws BmcException;

    void setBootDevice(BootSetting setting) throws BmcException;

    /** Hardware inventory for {@code inspect}. */
    default HardwareInventory inspect() throws BmcException {
        throw new BmcException(BmcException.Kind.UNSUPPORTED, "this driver cannot inspect hardware");
    }

    /** Inserts an ISO image as a virtual CD. */
    default void insertVirtualMedia(URI image) throws BmcException {
        throw new BmcException(BmcException.Kind.UNSUPPORTED, "this BMC has no virtual media");
    }

    default void ejectVirtualMedia() throws BmcException {
        throw new BmcException(BmcException.Kind.UNSUPPORTED, "this BMC has no virtual media");
    }

    /** Opens the serial console; the caller closes it. */
    default ConsoleStream openConsole() throws BmcException {
        throw new BmcException(BmcException.Kind.UNSUPPORTED, "this driver has no serial console");
    }

    @Override
    default void close() {}
}
