package org.esi.drivers.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
import org.junit.jupiter.api.Test;

class FakeHardwareDriverTest {
    private final FakeHardwareDriver driver = new FakeHardwareDriver();

    @Test
    void nameAndValidation() {
        assertThat(driver.name()).isEqualTo("fake-hardware");
        assertThat(driver.validate(Map.of())).isEmpty();
        assertThat(driver.validate(Map.of("ipmi_address", "10.0.0.1", "anything", 3))).isEmpty();
        assertThat(driver.validate(Map.of("fake_id", 7))).containsExactly("fake_id must be a non-empty string");
        assertThatThrownBy(() -> driver.open(Map.of("fake_id", "")))
                .isInstanceOfSatisfying(BmcException.class, e -> assertThat(e.kind()).isEqualTo(BmcException.Kind.CONFIGURATION));
    }

    @Test
    void machinesAreKeyedByDriverInfo() throws Exception {
        driver.open(Map.of("fake_id", "n1")).setPower(PowerAction.ON);
        driver.open(Map.of("ipmi_address", "10.0.0.9", "ipmi_port", 6230)).setPower(PowerAction.ON);
        driver.open(Map.of()).powerState();
        assertThat(driver.machines().keySet()).containsExactlyInAnyOrder("n1", "10.0.0.9:6230", FakeHardwareDriver.DEFAULT_KEY);
        assertThat(driver.machine("n1").power()).isEqualTo(PowerState.ON);
        assertThat(driver.machine(Map.of("ipmi_address", "10.0.0.9", "ipmi_port", 6230)).power()).isEqualTo(PowerState.ON);
        assertThat(driver.machine(Map.of("redfish_address", "https://bmc", "redfish_system_id", "/redfish/v1/Systems/1")).key())
                .isEqualTo("https://bmc/redfish/v1/Systems/1");
    }

    @Test
    void stateAndRecordedOperations() throws Exception {
        BmcSession s = driver.open(Map.of("fake_id", "m"));
        FakeMachine m = driver.machine("m");
        assertThat(s.powerState()).isEqualTo(PowerState.OFF);
        s.setPower(PowerAction.REBOOT);
        assertThat(m.power()).isEqualTo(PowerState.ON);
        s.setPower(PowerAction.SOFT_OFF);
        assertThat(m.power()).isEqualTo(PowerState.OFF);
        s.setBootDevice(new BootSetting(BootDevice.PXE, false));
        assertThat(s.bootDevice()).isEqualTo(new BootSetting(BootDevice.PXE, false));
        s.insertVirtualMedia(URI.create("http://images/boot.iso"));
        assertThat(m.state().virtualMedia()).isEqualTo(URI.create("http://images/boot.iso"));
        s.ejectVirtualMedia();
        assertThat(m.virtualMedia()).isEmpty();
        assertThat(s.inspect().nics()).hasSize(1);
        assertThat(m.operations()).extracting(FakeMachine.Operation::name).containsExactly("powerState", "setPower",
                "setPower", "setBootDevice", "bootDevice", "insertVirtualMedia", "ejectVirtualMedia", "inspect");
        assertThat(m.operations().get(1).argument()).isEqualTo("REBOOT");
        assertThat(m.operations()).allMatch(FakeMachine.Operation::succeeded);
    }

    @Test
    void failNextNOperations() throws Exception {
        BmcSession s = driver.open(Map.of("fake_id", "flaky"));
        FakeMachine m = driver.machine("flaky").failNext(2, BmcException.Kind.UNREACHABLE);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> s.setPower(PowerAction.ON))
                    .isInstanceOfSatisfying(BmcException.class, e -> assertThat(e.kind()).isEqualTo(BmcException.Kind.UNREACHABLE));
        }
        assertThat(m.power()).isEqualTo(PowerState.OFF); // failed operations change nothing
        s.setPower(PowerAction.ON);
        assertThat(m.power()).isEqualTo(PowerState.ON);
        assertThat(m.operations()).extracting(FakeMachine.Operation::failedWith)
                .containsExactly(BmcException.Kind.UNREACHABLE, BmcException.Kind.UNREACHABLE, null);
        assertThat(m.failuresLeft()).isZero();
    }

    @Test
    void withoutVirtualMediaTheBmcRefusesAsIpmiDoes() throws Exception {
        BmcSession s = driver.open(Map.of("fake_id", "ipmi-like"));
        FakeMachine m = driver.machine("ipmi-like").virtualMediaSupported(false);
        assertThatThrownBy(() -> s.insertVirtualMedia(URI.create("http://images/boot.iso")))
                .isInstanceOfSatisfying(BmcException.class, e -> assertThat(e.kind()).isEqualTo(BmcException.Kind.UNSUPPORTED));
        assertThatThrownBy(s::ejectVirtualMedia)
                .isInstanceOfSatisfying(BmcException.class, e -> assertThat(e.kind()).isEqualTo(BmcException.Kind.UNSUPPORTED));
        assertThat(m.virtualMedia()).isEmpty();
        assertThat(m.operations()).extracting(FakeMachine.Operation::failedWith)
                .containsExactly(BmcException.Kind.UNSUPPORTED, BmcException.Kind.UNSUPPORTED);
    }

    @Test
    void delayMakesOperationsSlowWithoutBlockingInspection() throws Exception {
        BmcSession s = driver.open(Map.of("fake_id", "slow"));
        FakeMachine m = driver.machine("slow").delay(Duration.ofMillis(300));
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            long start = System.nanoTime();
            Future<?> f = pool.submit(() -> {
                s.setPower(PowerAction.ON);
                return null;
            });
            Thread.sleep(50);
            long peek = System.nanoTime();
            assertThat(m.power()).isEqualTo(PowerState.OFF); // readable while the operation waits
            assertThat(Duration.ofNanos(System.nanoTime() - peek)).isLessThan(Duration.ofMillis(100));
            f.get();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
        assertThat(m.power()).isEqualTo(PowerState.ON);
    }

    @Test
    void concurrentUseIsSafe() throws Exception {
        FakeMachine m = driver.machine("busy");
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                PowerAction a = i % 2 == 0 ? PowerAction.ON : PowerAction.OFF;
                fs.add(pool.submit(() -> {
                    driver.open(Map.of("fake_id", "busy")).setPower(a);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
        assertThat(m.operations()).hasSize(400);
    }

    @Test
    void echoConsole() throws Exception {
        try (ConsoleStream c = driver.open(Map.of()).openConsole()) {
            c.toMachine().write("login: ".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[7];
            int n = c.fromMachine().readNBytes(buf, 0, 7);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("login: ");
        }
    }
}
