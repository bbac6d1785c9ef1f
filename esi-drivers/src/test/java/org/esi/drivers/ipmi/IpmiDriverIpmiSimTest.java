package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.BmcSession;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.esi.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ipmi driver against OpenIPMI's ipmi_sim: a second, independent IPMI implementation. */
@Timeout(120)
class IpmiDriverIpmiSimTest {
    private static IpmiSimPeer peer;
    private static final IpmiDriver driver = new IpmiDriver(IpmiDriver.Settings.defaults()
            .withPollInterval(Duration.ofMillis(100))
            .withPowerStateTimeout(Duration.ofSeconds(10))
            .withSoftPowerOffTimeout(Duration.ofSeconds(10)));

    @BeforeAll
    static void startPeer() throws Exception {
        peer = IpmiSimPeer.start();
    }

    @AfterAll
    static void stopPeer() {
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void powerRoundTripReachesTheChassis() throws Exception {
        try (BmcSession s = driver.open(peer.driverInfo())) {
            s.setPower(PowerAction.ON);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
            assertThat(peer.stored("power")).isEqualTo("1");
            s.setPower(PowerAction.ON);
            s.setPower(PowerAction.OFF);
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
            assertThat(peer.stored("power")).isEqualTo("0");
            s.setPower(PowerAction.REBOOT);
            assertThat(s.powerState()).isEqualTo(PowerState.ON);
            s.setPower(PowerAction.SOFT_OFF);
            assertThat(s.powerState()).isEqualTo(PowerState.OFF);
        }
    }

    @Test
    void bootDevice() throws Exception {
        try (BmcSession s = driver.open(peer.driverInfo())) {
            // ipmi_sim keeps the device but not the persistence bit (and clears the valid bit).
            s.setBootDevice(new BootSetting(BootDevice.PXE, true));
            assertThat(s.bootDevice()).isEqualTo(new BootSetting(BootDevice.PXE, false));
            s.setBootDevice(new BootSetting(BootDevice.DISK, false));
            assertThat(s.bootDevice()).isEqualTo(new BootSetting(BootDevice.DISK, false));
        }
    }

    @Test
    void wrongPasswordAndUnknownUserAreAuthenticationErrors() {
        Map<String, Object> info = new HashMap<>(peer.driverInfo());
        info.put("ipmi_password", new Secret("Not-The-One"));
        BmcException e = catchThrowableOfType(BmcException.class, () -> driver.open(info).powerState());
        assertThat(e.kind()).isEqualTo(BmcException.Kind.AUTHENTICATION);
        assertThat(e.getMessage()).doesNotContain("Not-The-One").doesNotContain(IpmiSimPeer.PASSWORD);

        info.put("ipmi_username", "nobody");
        assertThat(catchThrowableOfType(BmcException.class, () -> driver.open(info).powerState()).kind())
                .isEqualTo(BmcException.Kind.AUTHENTICATION);
    }

    @Test
    void userWithoutPowerRightsIsRefusedAsAuthentication() throws Exception {
        Map<String, Object> info = new HashMap<>(peer.driverInfo());
        info.put("ipmi_username", IpmiSimPeer.VIEWER);
        info.put("ipmi_priv_level", "USER");
        assertThat(driver.open(info).powerState()).isNotNull(); // reading is allowed
        BmcException e = catchThrowableOfType(BmcException.class, () -> driver.open(info).setPower(PowerAction.ON));
        assertThat(e.kind()).isEqualTo(BmcException.Kind.AUTHENTICATION);
        assertThat(e.getMessage()).contains("privilege");
    }
}
