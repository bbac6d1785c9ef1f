package org.esi.drivers.ipmi;

import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;

/**
 * Boot flags (IPMI boot option parameter 5) as {@code chassis bootparam get 5} prints them.
 * The hex bytes are read rather than the prose, which differs between ipmitool versions.
 *
 * @param valid      the BMC will apply the override at all (byte 1 bit 7)
 * @param persistent the override applies to all future boots, not only the next (byte 1 bit 6)
 * @param selector   the boot device selector (byte 2 bits 5..2); 0 means no override
 */
record BootFlags(boolean valid, boolean persistent, int selector) {
    private static final Pattern DATA = Pattern.compile("Boot parameter data:\\s*([0-9a-fA-F]{4,})");

    static Optional<BootFlags> parse(String ipmitoolOutput) {
        Matcher m = DATA.matcher(ipmitoolOutput);
        if (!m.find()) {
            return Optional.empty();
        }
        String hex = m.group(1);
        if (hex.length() % 2 != 0) {
            hex = hex.substring(0, hex.length() - 1);
        }
        byte[] data = HexFormat.of().parseHex(hex);
        return Optional.of(new BootFlags((data[0] & 0x80) != 0, (data[0] & 0x40) != 0, (data[1] >> 2) & 0x0F));
    }

    /**
     * The setting in the SPI's terms, empty for a selector ESI has no word for (floppy, diagnostics).
     * "No override" has no SPI word either; it is reported as persistent DISK because the firmware
     * then follows its own boot order, which on servers ESI leases starts with the local disk.
     * The valid bit is not consulted, as Ironic does not: several BMCs (ipmi_sim among them) report a
     * device they were given with the bit clear.
     */
    Optional<BootSetting> toSetting() {
        if (selector == 0) {
            return Optional.of(new BootSetting(BootDevice.DISK, true));
        }
        BootDevice device = switch (selector) {
            case 0x1 -> BootDevice.PXE;
            case 0x2, 0x3, 0xB -> BootDevice.DISK; // default disk, disk in safe mode, remote disk
            case 0x5, 0x9 -> BootDevice.CDROM;     // local CD/DVD, remote (virtual) CD/DVD
            case 0x6 -> BootDevice.BIOS;
            default -> null;
        };
        return Optional.ofNullable(device).map(d -> new BootSetting(d, persistent));
    }

    /** ipmitool's word for {@code chassis bootdev}. */
    static String ipmitoolWord(BootDevice device) {
        return switch (device) {
            case PXE -> "pxe";
            case DISK -> "disk";
            case CDROM -> "cdrom";
            case BIOS -> "bios";
        };
    }
}
