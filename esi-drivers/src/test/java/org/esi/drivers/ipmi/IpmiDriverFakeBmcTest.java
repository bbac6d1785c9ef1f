package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.ConsoleStream;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.esi.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ipmi driver against pyghmi's fakebmc, over real RMCP+ on loopback. */
@Timeout(120)
class IpmiDriverFakeBmcTest {
    private static FakeBmcPeer peer;
    private static final IpmiDriver driver = new IpmiDriver(IpmiDriver.Settings.defaults()
            .withPollInterval(Duration.ofMillis(100))
            .withPowerStateTimeout(Duration.ofSeconds(10))
            .withSoftPowerOffTimeout(Duration.ofSeconds(10)));

    @BeforeAll
    static void startPeer() throws Exception {
        peer = FakeBmcPeer.start();
    }

    @AfterAll
    static void stopPeer() {
        if (peer != null) {
            peer.close();
        }
    }

    private static BmcSession session() throws BmcException {
        return driver.open(peer.driverInfo());
    }

    @Test
    void powerOnAndOffRoundTripWithStatusReadBack() throws Exception {
        try (BmcSession s = session()) {
            s.setPower(PowerAction.OFF);
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
            s.setPower(PowerAction.ON);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
            s.setPower(PowerAction.ON); // already on: still succeeds
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
            s.setPower(PowerAction.OFF);
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
            s.setPower(PowerAction.OFF);
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
        }
    }

    @Test
    void rebootLeavesTheMachineOnWhetherItWasOnOrOff() throws Exception {
        try (BmcSession s = session()) {
            s.setPower(PowerAction.OFF);
            s.setPower(PowerAction.REBOOT);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
            s.setPower(PowerAction.REBOOT);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
        }
    }

    @Test
    void softPowerOffAndSoftReboot() throws Exception {
        try (BmcSession s = session()) {
            s.setPower(PowerAction.ON);
            s.setPower(PowerAction.SOFT_OFF);
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
            s.setPower(PowerAction.SOFT_OFF); // already off
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
            s.setPower(PowerAction.SOFT_REBOOT);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
        }
    }

    @Test
    void bootDeviceSetAndReadBack() throws Exception {
        try (BmcSession s = session()) {
            // fakebmc stores the device but not the persistence bit: it always reports "next boot only".
            s.setBootDevice(new BootSetting(BootDevice.PXE, true));
            assertThat(s.bootDevice()).isEqualTo(new BootSetting(BootDevice.PXE, false));
            s.setBootDevice(new BootSetting(BootDevice.DISK, false));
            assertThat(s.bootDevice()).isEqualTo(new BootSetting(BootDevice.DISK, false));
            s.setBootDevice(new BootSetting(BootDevice.CDROM, false));
            assertThat(s.bootDevice().device()).isEqualTo(BootDevice.CDROM);
            s.setBootDevice(new BootSetting(BootDevice.BIOS, false));
            assertThat(s.bootDevice().device()).isEqualTo(BootDevice.BIOS);
            s.setBootDevice(new BootSetting(BootDevice.PXE, false)); // same again: idempotent
            s.setBootDevice(new BootSetting(BootDevice.PXE, false));
            assertThat(s.bootDevice().device()).isEqualTo(BootDevice.PXE);
        }
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorThatNeverShowsThePassword() throws Exception {
        String wrong = "Wr0ng-Passw0rd";
        Map<String, Object> info = new HashMap<>(peer.driverInfo());
        info.put("ipmi_password", new Secret(wrong));
        long start = System.nanoTime();
        BmcException e = catchThrowableOfType(BmcException.class, () -> driver.open(info).powerState());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(e.kind()).isEqualTo(BmcException.Kind.AUTHENTICATION);
        assertThat(e.getMessage()).contains("127.0.0.1:" + peer.port).contains("password")
                .doesNotContain(wrong).doesNotContain(FakeBmcPeer.PASSWORD);
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void passwordAsPlainStringWorksToo() throws Exception {
        Map<String, Object> info = new HashMap<>(peer.driverInfo());
        info.put("ipmi_password", FakeBmcPeer.PASSWORD);
        assertThat(driver.open(info).powerState()).isNotNull();
    }

    @Test
    void unknownUserIsAnAuthenticationError() throws Exception {
        Map<String, Object> info = new HashMap<>(peer.driverInfo());
        info.put("ipmi_username", "intruder");
        info.put("ipmi_timeout", 1);
        info.put("ipmi_retries", 1);
        assertThatThrownBy(() -> driver.open(info).powerState())
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BmcException.Kind.AUTHENTICATION);
                    assertThat(e.getMessage()).doesNotContain(FakeBmcPeer.PASSWORD);
                });
    }

    @Test
    void bmcDownIsUnreachableWithinABoundedTime() throws Exception {
        Map<String, Object> info = new HashMap<>(peer.driverInfo());
        info.put("ipmi_port", FakeBmcPeer.freeUdpPort()); // nothing listens there
        info.put("ipmi_timeout", 1);
        info.put("ipmi_retries", 1);
        long start = System.nanoTime();
        BmcException e = catchThrowableOfType(BmcException.class, () -> driver.open(info).powerState());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(e.kind()).isEqualTo(BmcException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).doesNotContain(FakeBmcPeer.PASSWORD);
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void manyThreadsAtOnce() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<PowerState>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> session().powerState()));
            }
            for (Future<PowerState> f : results) {
                assertThat(f.get()).isNotNull();
            }
        }
    }

    /** Prints the median wall time per operation; run alone with -Dtest=IpmiDriverFakeBmcTest#medianTimings. */
    @Test
    void medianTimings() throws Exception {
        int rounds = 15;
        List<Long> status = new ArrayList<>();
        List<Long> on = new ArrayList<>();
        List<Long> off = new ArrayList<>();
        try (BmcSession s = session()) {
            s.setPower(PowerAction.OFF);
            for (int i = 0; i < rounds; i++) {
                status.add(time(s::powerState));
                on.add(time(() -> { s.setPower(PowerAction.ON); return null; }));
                off.add(time(() -> { s.setPower(PowerAction.OFF); return null; }));
            }
        }
        String line = String.format("ipmi driver vs fakebmc, median of %d: power status %.1f ms, power on %.1f ms, power off %.1f ms",
                rounds, median(status) / 1e6, median(on) / 1e6, median(off) / 1e6);
        System.out.println(line);
        System.err.println(line);
        assertThat(median(status)).isPositive();
    }

    private interface Op {
        Object run() throws Exception;
    }

    private static long time(Op op) throws Exception {
        long t = System.nanoTime();
        op.run();
        return System.nanoTime() - t;
    }

    private static double median(List<Long> xs) {
        List<Long> sorted = xs.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    /** Reads until {@code wanted} shows up or the time is over; the console never ends on its own. */
    static String readUntil(InputStream in, String wanted, Duration limit) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] buf = new byte[1024];
        while (System.nanoTime() < deadline && !seen.toString(StandardCharsets.UTF_8).contains(wanted)) {
            if (in.available() > 0) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                seen.write(buf, 0, n);
            } else {
                Thread.sleep(20);
            }
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
