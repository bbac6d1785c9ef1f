package org.esi.drivers.ipmi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.esi.spi.BmcDriver;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;

/**
 * The {@code ipmi} hardware type: drives BMCs over IPMI 2.0 (lanplus) by running ipmitool, as Ironic's
 * ipmitool driver does. Needs the {@code ipmitool} package on the host. Thread-safe; every call starts
 * at most one short-lived ipmitool process, and {@link Settings#maxProcesses()} bounds them overall.
 */
public final class IpmiDriver implements BmcDriver {
    public static final String NAME = "ipmi";

    /**
     * Tunables that are the operator's business rather than the node's.
     *
     * @param ipmitool            the executable, a name on PATH or a path
     * @param maxCommandTime      kill an ipmitool process after this long (when driver_info sets no ipmi_timeout
     *                            the bound is exactly this; otherwise it is derived from ipmi_timeout and ipmi_retries
     *                            and capped by this)
     * @param powerStateTimeout   how long power on/off may take to show in the power status (Ironic: 60 s)
     * @param softPowerOffTimeout how long an operating system may take to shut down after a soft power off
     *                            (Ironic: 600 s)
     * @param pollInterval        pause between power status reads while waiting
     * @param maxProcesses        ipmitool processes running at once, over all BMCs
     */
    public record Settings(String ipmitool, Duration maxCommandTime, Duration powerStateTimeout,
                           Duration softPowerOffTimeout, Duration pollInterval, int maxProcesses) {
        public Settings {
            Objects.requireNonNull(ipmitool, "ipmitool");
            Objects.requireNonNull(maxCommandTime, "maxCommandTime");
            Objects.requireNonNull(powerStateTimeout, "powerStateTimeout");
            Objects.requireNonNull(softPowerOffTimeout, "softPowerOffTimeout");
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (maxProcesses < 1) {
                throw new IllegalArgumentException("maxProcesses must be at least 1");
            }
        }

        public static Settings defaults() {
            return new Settings("ipmitool", Duration.ofSeconds(60), Duration.ofSeconds(60),
                    Duration.ofSeconds(600), Duration.ofSeconds(1), 32);
        }

        public Settings withPollInterval(Duration d) {
            return new Settings(ipmitool, maxCommandTime, powerStateTimeout, softPowerOffTimeout, d, maxProcesses);
        }

        public Settings withPowerStateTimeout(Duration d) {
            return new Settings(ipmitool, maxCommandTime, d, softPowerOffTimeout, pollInterval, maxProcesses);
        }

        public Settings withSoftPowerOffTimeout(Duration d) {
            return new Settings(ipmitool, maxCommandTime, powerStateTimeout, d, pollInterval, maxProcesses);
        }
    }

    private final Settings settings;
    private final Ipmitool ipmitool;

    public IpmiDriver() {
        this(Settings.defaults());
    }

    public IpmiDriver(Settings settings) {
        this.settings = settings;
        this.ipmitool = new Ipmitool(settings.ipmitool(), settings.maxCommandTime(), settings.maxProcesses());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> validate(Map<String, Object> driverInfo) {
        return IpmiConfig.problems(driverInfo);
    }

    @Override
    public BmcSession open(Map<String, Object> driverInfo) throws BmcException {
        return new IpmiSession(IpmiConfig.from(driverInfo), ipmitool, settings);
    }
}
