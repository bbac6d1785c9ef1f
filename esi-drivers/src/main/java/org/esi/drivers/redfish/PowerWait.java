package org.esi.drivers.redfish;

import java.time.Duration;
import java.util.Objects;

/**
 * How long to wait for PowerState to reach what a reset asked for. BMCs accept a reset at once and change
 * PowerState later, so the driver polls rather than trusting the 204.
 */
public record PowerWait(Duration timeout, Duration interval) {
    public static final PowerWait DEFAULT = new PowerWait(Duration.ofSeconds(120), Duration.ofSeconds(1));

    public PowerWait {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
    }
}
