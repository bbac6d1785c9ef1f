package org.esi.drivers.ipmi;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.esi.spi.BmcSession;
import org.esi.spi.BootSetting;
import org.esi.spi.ConsoleStream;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's BMC. Holds no connection: each operation is one or more ipmitool runs, so the session is
 * cheap to open and safe to share between threads.
 */
final class IpmiSession implements BmcSession {
    private static final Logger log = LoggerFactory.getLogger(IpmiSession.class);
    private static final Pattern POWER_STATUS = Pattern.compile("Chassis Power is (on|off)", Pattern.CASE_INSENSITIVE);
    private static final Pattern POWER_CONTROL = Pattern.compile("Chassis Power Control: ", Pattern.CASE_INSENSITIVE);
    private static final Pattern BOOTDEV_SET = Pattern.compile("Set Boot Device to ", Pattern.CASE_INSENSITIVE);

    private final IpmiConfig config;
    private final Ipmitool ipmitool;
    private final IpmiDriver.Settings settings;

    IpmiSession(IpmiConfig config, Ipmitool ipmitool, IpmiDriver.Settings settings) {
        this.config = config;
        this.ipmitool = ipmitool;
        this.settings = settings;
    }

    @Override
    public PowerState powerState() throws BmcException {
        Matcher m = expect("reading the power state", POWER_STATUS, "power", "status");
        return m.group(1).equalsIgnoreCase("on") ? PowerState.ON : PowerState.OFF;
    }

    /**
     * ON and OFF send the command and then poll the power status until it shows, so success means the
     * machine is in that state. REBOOT is off-then-on rather than {@code power reset} or {@code power cycle}
     * (as Ironic does): reset does nothing to a machine that is off and cycle is refused by many BMCs when
     * it is off, so neither would leave the machine on. SOFT_REBOOT likewise is a soft power off, a wait
     * of up to {@link IpmiDriver.Settings#softPowerOffTimeout()} for the OS to shut down, then power on.
     */
    @Override
    public void setPower(PowerAction action) throws BmcException {
        log.info("power {} on BMC {}", action, config.target());
        switch (action) {
            case ON -> hardPower(PowerState.ON);
            case OFF -> hardPower(PowerState.OFF);
            case SOFT_OFF -> softOff();
            case REBOOT -> {
                hardPower(PowerState.OFF);
                hardPower(PowerState.ON);
            }
            case SOFT_REBOOT -> {
                softOff();
                hardPower(PowerState.ON);
            }
        }
    }

    private void hardPower(PowerState target) throws BmcException {
        String word = target == PowerState.ON ? "on" : "off";
        try {
            expect("power " + word, POWER_CONTROL, "power", word);
        } catch (BmcException e) {
            // Some BMCs refuse "power on" for a machine that is on; that request has still been met.
            if (e.kind() != Kind.DEVICE_ERROR || powerState() != target) {
                throw e;
            }
            return;
        }
        awaitPower(target, settings.powerStateTimeout());
    }

    private void softOff() throws BmcException {
        // Many BMCs answer "power soft" with an error when the machine is already off.
        if (powerState() == PowerState.OFF) {
            return;
        }
        expect("soft power off", POWER_CONTROL, "power", "soft");
        awaitPower(PowerState.OFF, settings.softPowerOffTimeout());
    }

    private void awaitPower(PowerState target, Duration timeout) throws BmcException {
        long deadline = System.nanoTime() + timeout.toNanos();
        BmcException lastError = null;
        PowerState last = null;
        while (true) {
            try {
                last = powerState();
                if (last == target) {
                    return;
                }
            } catch (BmcException e) {
                // A BMC busy switching power may skip an answer; only credentials problems are final.
                if (e.kind() == Kind.AUTHENTICATION || e.kind() == Kind.CONFIGURATION) {
                    throw e;
                }
                lastError = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                String now = last == null ? "unknown" : last.ironicName();
                throw new BmcException(Kind.DEVICE_ERROR, "BMC " + config.target() + " did not reach "
                        + target.ironicName() + " within " + timeout.toSeconds() + "s (last seen: " + now + ")"
                        + (lastError == null ? "" : "; last error: " + lastError.getMessage()), lastError);
            }
            sleep(settings.pollInterval());
        }
    }

    @Override
    public BootSetting bootDevice() throws BmcException {
        String what = "reading the boot device";
        IpmitoolResult result = ipmitool.run(config, List.of("chassis", "bootparam", "get", "5"));
        BootFlags flags = BootFlags.parse(result.stdout()).orElseThrow(() -> IpmitoolErrors.classify(what, config, result));
        return flags.toSetting().orElseThrow(() -> new BmcException(Kind.DEVICE_ERROR, "BMC " + config.target()
                + " is set to boot from a device ESI has no name for (boot device selector 0x"
                + Integer.toHexString(flags.selector()) + ")"));
    }

    @Override
    public void setBootDevice(BootSetting setting) throws BmcException {
        if (config.disableBootTimeout()) {
            // Without this many BMCs forget a boot device that is not used within 60 s (Ironic sends the same).
            IpmitoolResult r = ipmitool.run(config, List.of("raw", "0x00", "0x08", "0x03", "0x08"));
            if (r.exitCode() != 0) {
                BmcException e = IpmitoolErrors.classify("disabling the boot device timeout", config, r);
                if (e.kind() == Kind.AUTHENTICATION || e.kind() == Kind.UNREACHABLE) {
                    throw e;
                }
                log.debug("BMC {} does not take the boot flag timeout setting: {}", config.target(), e.getMessage());
            }
        }
        String word = BootFlags.ipmitoolWord(setting.device());
        List<String> args = setting.persistent()
                ? List.of("chassis", "bootdev", word, "options=persistent")
                : List.of("chassis", "bootdev", word);
        expect("setting the boot device to " + word, BOOTDEV_SET, args.toArray(String[]::new));
        BootSetting now = bootDevice();
        if (now.device() != setting.device()) {
            throw new BmcException(Kind.DEVICE_ERROR, "BMC " + config.target() + " accepted boot device " + word
                    + " but reports " + BootFlags.ipmitoolWord(now.device()));
        }
        if (now.persistent() != setting.persistent()) {
            // Several BMCs (and pyghmi's fakebmc) do not report the persistence bit they were given.
            log.debug("BMC {} reports persistent={} after being asked for persistent={}",
                    config.target(), now.persistent(), setting.persistent());
        }
    }

    @Override
    public ConsoleStream openConsole() throws BmcException {
        // A session left by a crashed client blocks a new one until the BMC times it out.
        IpmitoolResult r = ipmitool.run(config, List.of("sol", "deactivate"));
        if (r.exitCode() != 0) {
            BmcException e = IpmitoolErrors.classify("clearing the serial console", config, r);
            if (e.kind() == Kind.AUTHENTICATION || e.kind() == Kind.UNREACHABLE || e.kind() == Kind.CONFIGURATION) {
                throw e;
            }
            // "SOL payload already de-activated" and the like: nothing was stale.
        }
        ProcessBuilder pb = ipmitool.processBuilder(config, List.of("sol", "activate"));
        pb.redirectErrorStream(true); // the BMC's and ipmitool's words are part of what a person sees
        try {
            return new SolConsole(pb.start(), config, ipmitool);
        } catch (IOException e) {
            throw new BmcException(Kind.DEVICE_ERROR, "cannot run ipmitool for the serial console of BMC "
                    + config.target() + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command whose success shows as {@code ok} in its output; anything else is classified. */
    private Matcher expect(String what, Pattern ok, String... args) throws BmcException {
        IpmitoolResult result = ipmitool.run(config, List.of(args));
        Matcher m = ok.matcher(result.stdout());
        if (result.exitCode() == 0 && m.find()) {
            return m;
        }
        throw IpmitoolErrors.classify(what, config, result);
    }

    private void sleep(Duration d) throws BmcException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BmcException(Kind.UNREACHABLE, "interrupted while waiting for BMC " + config.target(), e);
        }
    }
}
