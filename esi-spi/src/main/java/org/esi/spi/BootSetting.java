package org.esi.spi;

import java.util.Objects;

/** The next boot device, and whether it sticks beyond the next boot. */
public record BootSetting(BootDevice device, boolean persistent) {
    public BootSetting {
        Objects.requireNonNull(device, "device");
    }
}
