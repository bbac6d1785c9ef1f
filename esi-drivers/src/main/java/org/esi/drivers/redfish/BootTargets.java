package org.esi.drivers.redfish;

import java.util.Optional;
import org.esi.spi.BootDevice;

/** BootDevice ↔ Redfish BootSourceOverrideTarget. */
final class BootTargets {
    private BootTargets() {}

    static String target(BootDevice device) {
        return switch (device) {
            case PXE -> "Pxe";
            case DISK -> "Hdd";
            case CDROM -> "Cd";
            case BIOS -> "BiosSetup";
        };
    }

    static Optional<BootDevice> device(String target) {
        return switch (target) {
            case "Pxe", "UefiHttp" -> Optional.of(BootDevice.PXE);
            case "Hdd" -> Optional.of(BootDevice.DISK);
            case "Cd" -> Optional.of(BootDevice.CDROM);
            case "BiosSetup" -> Optional.of(BootDevice.BIOS);
            default -> Optional.empty();
        };
    }
}
