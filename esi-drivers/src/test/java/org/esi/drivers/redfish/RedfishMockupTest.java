package org.esi.drivers.redfish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.HardwareInventory;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.esi.spi.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The driver against every captured machine, replayed. */
class RedfishMockupTest {
    static RedfishDriver driver() {
        return new RedfishDriver(Duration.ofSeconds(2), Duration.ofSeconds(5),
                new PowerWait(Duration.ofSeconds(5), Duration.ofMillis(5)));
    }

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private RedfishReplayServer start(RedfishReplayServer server) {
        open.add(server.start());
        return server;
    }

    private RedfishSession session(Map<String, Object> info) throws BmcException {
        RedfishSession s = (RedfishSession) driver().open(info);
        open.add(s);
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void discoversTheOnlySystemWithoutSystemId(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        RedfishSession session = session(server.driverInfo());

        assertThat(session.systemPath()).isEqualTo(new Capture(machine).systemPath());
        assertThat(session.powerState().name()).isEqualToIgnoringCase(new Capture(machine).system().path("PowerState").asText());
        // The login was a session, and later requests used its token.
        assertThat(server.recorded("POST", "/SessionService/Sessions")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void powerOffOnRoundTripIsReadBackAndIdempotent(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        RedfishSession session = session(server.driverInfo());
        String reset = new Capture(machine).systemPath() + "/Actions/ComputerSystem.Reset";

        session.setPower(PowerAction.OFF);
        assertThat(session.powerState()).isEqualTo(PowerState.OFF);
        assertThat(server.resource(session.systemPath()).path("PowerState").asText()).isEqualTo("Off");
        session.setPower(PowerAction.OFF); // already off: nothing sent
        session.setPower(PowerAction.SOFT_OFF);

        session.setPower(PowerAction.ON);
        assertThat(session.powerState()).isEqualTo(PowerState.ON);
        session.setPower(PowerAction.ON);

        List<String> sent = resetTypes(server, reset);
        boolean startedOff = new Capture(machine).system().path("PowerState").asText().equals("Off");
        assertThat(sent).isEqualTo(startedOff ? List.of("On") : List.of("ForceOff", "On"));
        assertThat(server.resource(session.systemPath()).path("PowerState").asText()).isEqualTo("On");
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void rebootUsesAdvertisedResetTypes(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        RedfishSession session = session(server.driverInfo());
        Capture capture = new Capture(machine);
        String reset = capture.systemPath() + "/Actions/ComputerSystem.Reset";
        session.setPower(PowerAction.ON);
        server.clearRecorded();

        session.setPower(PowerAction.REBOOT);
        assertThat(resetTypes(server, reset)).containsExactly("ForceRestart");
        assertThat(session.powerState()).isEqualTo(PowerState.ON);

        server.clearRecorded();
        session.setPower(PowerAction.SOFT_REBOOT);
        List<String> allowed = capture.resetTypes();
        assertThat(resetTypes(server, reset)).isEqualTo(allowed.contains("GracefulRestart")
                ? List.of("GracefulRestart") : List.of("GracefulShutdown", "On"));
        assertThat(resetTypes(server, reset)).allMatch(allowed::contains);
        assertThat(session.powerState()).isEqualTo(PowerState.ON);

        // A reboot of a machine that is off powers it on.
        session.setPower(PowerAction.OFF);
        server.clearRecorded();
        session.setPower(PowerAction.REBOOT);
        assertThat(resetTypes(server, reset)).containsExactly("On");
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void bootOverridePxeOnceThenDiskPersistent(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine).requireIfMatch());
        RedfishSession session = session(server.driverInfo());
        Capture capture = new Capture(machine);

        session.setBootDevice(new BootSetting(BootDevice.PXE, false));
        assertThat(session.bootDevice()).isEqualTo(new BootSetting(BootDevice.PXE, false));
        List<RedfishReplayServer.Recorded> patches = server.recorded("PATCH", capture.systemPath());
        assertThat(patches).hasSize(1);
        assertThat(patches.get(0).body().path("Boot").path("BootSourceOverrideTarget").asText()).isEqualTo("Pxe");
        assertThat(patches.get(0).body().path("Boot").path("BootSourceOverrideEnabled").asText()).isEqualTo("Once");
        // If-Match carries the captured ETag exactly when the capture has one.
        assertThat(patches.get(0).ifMatch().orElse("")).isEqualTo(capture.etag());

        session.setBootDevice(new BootSetting(BootDevice.DISK, true));
        assertThat(session.bootDevice()).isEqualTo(new BootSetting(BootDevice.DISK, true));
        assertThat(server.resource(capture.systemPath()).path("Boot").path("BootSourceOverrideTarget").asText()).isEqualTo("Hdd");
        assertThat(server.resource(capture.systemPath()).path("Boot").path("BootSourceOverrideEnabled").asText()).isEqualTo("Continuous");

        session.setBootDevice(new BootSetting(BootDevice.DISK, true)); // already so: no PATCH
        assertThat(server.recorded("PATCH", capture.systemPath())).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void inspectMatchesTheCapture(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        HardwareInventory inventory = session(server.driverInfo()).inspect();
        Capture capture = new Capture(machine);

        assertThat(inventory.cpus()).isEqualTo(capture.cpus());
        assertThat(inventory.memoryMb()).isEqualTo(capture.memoryMb());
        assertThat(inventory.nics()).extracting(HardwareInventory.Nic::mac).containsExactlyInAnyOrderElementsOf(capture.macs());
        assertThat(inventory.nics()).allMatch(n -> n.mac().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"));
        assertThat(inventory.localGb()).isEqualTo(capture.largestDiskBytes() / (1L << 30));
        if (capture.cpus() > 0) {
            assertThat(inventory.cpuArch()).isEqualTo("x86_64");
        }
        System.out.printf("inspect %s: %s%n", machine, inventory);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void wrongPasswordIsAnAuthenticationError(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        Map<String, Object> info = server.driverInfo();
        info.put("redfish_password", new Secret("not-the-password"));
        RedfishSession session = session(info);

        assertThatThrownBy(session::powerState).isInstanceOfSatisfying(BmcException.class, e -> {
            assertThat(e.kind()).isEqualTo(BmcException.Kind.AUTHENTICATION);
            assertThat(e.getMessage()).contains("admin").doesNotContain("not-the-password").doesNotContain("s3cret-pw");
        });
        assertThat(server.recorded("POST", "/Actions/ComputerSystem.Reset")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void basicAuthWhenTheBmcHasNoSessions(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine).basicOnly());
        RedfishSession session = session(server.driverInfo());
        session.setPower(PowerAction.REBOOT);
        assertThat(server.recorded("POST", "/Actions/ComputerSystem.Reset")).isNotEmpty()
                .allMatch(r -> r.auth().equals("basic"));

        Map<String, Object> wrong = server.driverInfo();
        wrong.put("redfish_password", "nope");
        assertThatThrownBy(() -> session(wrong).powerState()).isInstanceOfSatisfying(BmcException.class,
                e -> assertThat(e.kind()).isEqualTo(BmcException.Kind.AUTHENTICATION));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void virtualMediaInsertAndEjectWhereTheCaptureHasACd(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        RedfishSession session = session(server.driverInfo());
        URI image = URI.create("http://images.example/boot.iso");
        String cd = switch (machine) {
            case "DL325" -> "/redfish/v1/Managers/1/VirtualMedia/2";
            case "Gigabyte" -> "/redfish/v1/Managers/Self/VirtualMedia/CD1";
            default -> null; // Intel's collection is empty, OpenBMC's manager has none
        };
        if (cd == null) {
            assertThatThrownBy(() -> session.insertVirtualMedia(image)).isInstanceOfSatisfying(BmcException.class,
                    e -> assertThat(e.kind()).isEqualTo(BmcException.Kind.UNSUPPORTED));
            return;
        }
        session.insertVirtualMedia(image);
        assertThat(server.resource(cd).path("Image").asText()).isEqualTo(image.toString());
        assertThat(server.resource(cd).path("Inserted").asBoolean()).isTrue();
        List<RedfishReplayServer.Recorded> inserts = server.recorded("POST", cd + "/Actions/VirtualMedia.InsertMedia");
        assertThat(inserts).hasSize(1);
        assertThat(inserts.get(0).body().path("WriteProtected").asBoolean()).isTrue();

        session.insertVirtualMedia(image); // already there
        assertThat(server.recorded("POST", "/Actions/VirtualMedia.InsertMedia")).hasSize(1);

        session.ejectVirtualMedia();
        assertThat(server.resource(cd).path("Inserted").asBoolean()).isFalse();
        session.ejectVirtualMedia();
        assertThat(server.recorded("POST", cd + "/Actions/VirtualMedia.EjectMedia")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DL325", "Gigabyte", "Intel", "OpenBMC-stock"})
    void medianPowerOperationTime(String machine) throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine(machine));
        BmcSession session = session(server.driverInfo());
        session.powerState(); // log in and discover outside the measurement
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 41; i++) {
            long start = System.nanoTime();
            session.setPower(i % 2 == 0 ? PowerAction.OFF : PowerAction.ON);
            nanos.add(System.nanoTime() - start);
        }
        Collections.sort(nanos);
        double medianMs = nanos.get(nanos.size() / 2) / 1e6;
        System.out.printf("MEDIAN power op %s: %.3f ms over %d ops (requests to server: %d)%n",
                machine, medianMs, nanos.size(), server.requestCount());
        assertThat(server.recorded("POST", "/Actions/ComputerSystem.Reset")).hasSizeGreaterThanOrEqualTo(40);
    }

    static List<String> resetTypes(RedfishReplayServer server, String target) {
        return server.recorded("POST", target).stream().map(r -> r.body().path("ResetType").asText()).toList();
    }
}
