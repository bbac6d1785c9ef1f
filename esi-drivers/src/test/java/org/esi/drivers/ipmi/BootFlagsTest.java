package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;

import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.junit.jupiter.api.Test;

class BootFlagsTest {
    private static BootSetting parse(String data) {
        return BootFlags.parse("Boot parameter version: 1\nBoot parameter 5 is valid/unlocked\nBoot parameter data: " + data + "\n")
                .orElseThrow().toSetting().orElseThrow();
    }

    @Test
    void devicesAndPersistence() {
        assertThat(parse("8004000000")).isEqualTo(new BootSetting(BootDevice.PXE, false));
        assertThat(parse("c004000000")).isEqualTo(new BootSetting(BootDevice.PXE, true));
        assertThat(parse("e008000000")).isEqualTo(new BootSetting(BootDevice.DISK, true)); // with EFI bit
        assertThat(parse("8014000000")).isEqualTo(new BootSetting(BootDevice.CDROM, false));
        assertThat(parse("8018000000")).isEqualTo(new BootSetting(BootDevice.BIOS, false));
        assertThat(parse("8024000000")).isEqualTo(new BootSetting(BootDevice.CDROM, false)); // remote CD
    }

    @Test
    void noOverrideReadsAsDiskBecauseTheFirmwareOrderApplies() {
        assertThat(parse("8000000000")).isEqualTo(new BootSetting(BootDevice.DISK, true));
    }

    @Test
    void validBitIsIgnoredAsIronicDoes() {
        assertThat(parse("0004000000")).isEqualTo(new BootSetting(BootDevice.PXE, false)); // as ipmi_sim reports it
    }

    @Test
    void unknownSelectorAndGarbage() {
        assertThat(BootFlags.parse("Boot parameter data: 803c000000").orElseThrow().toSetting()).isEmpty(); // floppy
        assertThat(BootFlags.parse("Error: nothing")).isEmpty();
    }
}
