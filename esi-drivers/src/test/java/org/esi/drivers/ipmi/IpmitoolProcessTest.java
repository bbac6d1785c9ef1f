package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.esi.spi.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process handling, with shell scripts standing in for ipmitool. */
class IpmitoolProcessTest {
    private static final String PW = "Pr0cess-Secret";

    @TempDir
    Path dir;

    private Path script(String body) throws Exception {
        Path p = dir.resolve("ipmitool");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static IpmiDriver driver(Path ipmitool, Duration maxCommandTime) {
        return new IpmiDriver(new IpmiDriver.Settings(ipmitool.toString(), maxCommandTime, Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofMillis(50), 4));
    }

    private static Map<String, Object> info() {
        Map<String, Object> m = new HashMap<>();
        m.put("ipmi_address", "192.0.2.1");
        m.put("ipmi_username", "admin");
        m.put("ipmi_password", new Secret(PW));
        return m;
    }

    @Test
    void passwordTravelsInTheEnvironmentNotTheArguments() throws Exception {
        Path args = dir.resolve("args");
        Path env = dir.resolve("env");
        Path ipmitool = script("echo \"$*\" > " + args + "\necho \"$IPMI_PASSWORD\" > " + env + "\necho 'Chassis Power is on'");
        assertThat(driver(ipmitool, Duration.ofSeconds(5)).open(info()).powerState()).isEqualTo(PowerState.ON);
        assertThat(Files.readString(args)).doesNotContain(PW).contains("-E", "-U admin", "-H 192.0.2.1", "-p 623",
                "-L ADMINISTRATOR", "power status");
        assertThat(Files.readString(env).strip()).isEqualTo(PW);
    }

    @Test
    void hungProcessIsKilledAtTheDeadline() throws Exception {
        Path ipmitool = script("exec sleep 30");
        long start = System.nanoTime();
        BmcException e = catchThrowableOfType(BmcException.class,
                () -> driver(ipmitool, Duration.ofSeconds(1)).open(info()).powerState());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        assertThat(e.kind()).isEqualTo(BmcException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).contains("did not finish in 1s and was killed");
    }

    @Test
    void exitZeroWithErrorTextIsAFailure() throws Exception {
        Path ipmitool = script("echo 'Unable to get Chassis Power Status' >&2; exit 0");
        BmcException e = catchThrowableOfType(BmcException.class,
                () -> driver(ipmitool, Duration.ofSeconds(5)).open(info()).powerState());
        assertThat(e.kind()).isEqualTo(BmcException.Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("reading the power state", "Unable to get Chassis Power Status");
    }

    @Test
    void powerOnThatNeverShowsTimesOut() throws Exception {
        Path ipmitool = script("case \"$*\" in *status*) echo 'Chassis Power is off';; *) echo 'Chassis Power Control: Up/On';; esac");
        BmcException e = catchThrowableOfType(BmcException.class,
                () -> driver(ipmitool, Duration.ofSeconds(5)).open(info()).setPower(PowerAction.ON));
        assertThat(e.kind()).isEqualTo(BmcException.Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("did not reach power on within 2s", "last seen: power off");
    }

    @Test
    void refusedPowerOnOfAMachineAlreadyOnSucceeds() throws Exception {
        Path ipmitool = script("case \"$*\" in *status*) echo 'Chassis Power is on';; *) echo 'Set Chassis Power Control to Up/On failed: Command not supported in present state' >&2; exit 1;; esac");
        driver(ipmitool, Duration.ofSeconds(5)).open(info()).setPower(PowerAction.ON);
    }

    @Test
    void missingIpmitoolIsReportedClearly() throws Exception {
        BmcException e = catchThrowableOfType(BmcException.class,
                () -> driver(dir.resolve("no-such-ipmitool"), Duration.ofSeconds(5)).open(info()).powerState());
        assertThat(e.kind()).isEqualTo(BmcException.Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("is the ipmitool package installed?");
    }

    @Test
    void timeoutAndRetriesBecomeOptionsAndBoundTheProcess() throws Exception {
        Map<String, Object> m = info();
        m.put("ipmi_timeout", 2);
        m.put("ipmi_retries", 1);
        m.put("ipmi_cipher_suite", "3");
        m.put("ipmi_priv_level", "OPERATOR");
        IpmiConfig c = IpmiConfig.from(m);
        Ipmitool tool = new Ipmitool("ipmitool", Duration.ofSeconds(60), 1);
        assertThat(String.join(" ", tool.baseCommand(c))).contains("-N 2", "-R 1", "-C 3", "-L OPERATOR");
        assertThat(tool.processTimeout(c)).isEqualTo(Duration.ofSeconds(2 * 2 * 6 + 3));
    }
}
