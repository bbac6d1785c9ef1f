package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;
import org.esi.spi.Secret;
import org.junit.jupiter.api.Test;

/** Classification of ipmitool's words, from output captured against fakebmc and real BMCs. */
class IpmitoolErrorsTest {
    private static final String PW = "Hunter2-secret";
    private final IpmiConfig config = config();

    private static IpmiConfig config() {
        try {
            return IpmiConfig.from(Map.of("ipmi_address", "10.1.2.3", "ipmi_password", new Secret(PW)));
        } catch (BmcException e) {
            throw new AssertionError(e);
        }
    }

    private BmcException classify(int exit, String stdout, String stderr) {
        return IpmitoolErrors.classify("power on", config, new IpmitoolResult(exit, stdout, stderr, Duration.ZERO));
    }

    @Test
    void wrongPassword() {
        BmcException e = classify(1, "", """
                Loading IANA PEN Registry...
                Using best available cipher suite 3

                > RAKP 2 HMAC is invalid
                Error: Unable to establish IPMI v2 / RMCP+ session
                """);
        assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
        assertThat(e.getMessage()).startsWith("power on on BMC 10.1.2.3:623 failed: the BMC rejected the user name or password")
                .doesNotContain("IANA");
    }

    @Test
    void unknownUserOnRealBmcsAndOnPyghmi() {
        assertThat(classify(1, "", "> RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session").kind())
                .isEqualTo(Kind.AUTHENTICATION);
        assertThat(classify(1, "", "> Error: no response from RAKP 1 message\n> Error: no response from RAKP 1 message\n"
                + "Set Session Privilege Level to ADMINISTRATOR failed\nError: Unable to establish IPMI v2 / RMCP+ session").kind())
                .isEqualTo(Kind.AUTHENTICATION);
        assertThat(classify(1, "", "Invalid user name\n").kind()).isEqualTo(Kind.AUTHENTICATION);
    }

    @Test
    void insufficientPrivilege() {
        assertThat(classify(1, "", "Set Session Privilege Level to ADMINISTRATOR failed: Requested privilege level exceeds limit\n").kind())
                .isEqualTo(Kind.AUTHENTICATION);
        assertThat(classify(0, "Set Chassis Power Control to Up/On failed: Insufficient privilege level\n", "").kind())
                .isEqualTo(Kind.AUTHENTICATION);
    }

    @Test
    void noAnswer() {
        assertThat(classify(1, "", "Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\n"
                + "Error: Unable to establish IPMI v2 / RMCP+ session").kind()).isEqualTo(Kind.UNREACHABLE);
        // Dropped packets part-way through session setup: not a credentials problem.
        assertThat(classify(1, "", "Unable to Get Channel Cipher Suites\nSet Session Privilege Level to ADMINISTRATOR failed\n"
                + "Error: Unable to establish IPMI v2 / RMCP+ session").kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(classify(1, "", "Address lookup for nowhere.invalid failed\nCould not open socket!\n").kind())
                .isEqualTo(Kind.UNREACHABLE);
        assertThat(classify(1, "", "Error: Unable to establish IPMI v2 / RMCP+ session").kind()).isEqualTo(Kind.UNREACHABLE);
    }

    @Test
    void exitZeroButFailed() {
        BmcException e = classify(0, "", "Unable to get Chassis Power Status\n");
        assertThat(e.kind()).isEqualTo(Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("Unable to get Chassis Power Status");
    }

    @Test
    void cipherSuiteMismatchIsConfiguration() {
        assertThat(classify(1, "", "Authentication algorithm 0x01 is not what we requested 0x03\n\nError: Unable to establish IPMI v2 / RMCP+ session").kind())
                .isEqualTo(Kind.CONFIGURATION);
    }

    @Test
    void verboseChatterIsNotTheReason() {
        // -v prints this on every successful session; a later real error must win.
        BmcException e = classify(1, "", "Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\n"
                + "Invalid completion code received: Invalid command\nDiscovered IPMB address 0x0\n"
                + "Set Chassis Power Control to Cycle failed: Invalid data field in request\n");
        assertThat(e.kind()).isEqualTo(Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("Invalid data field in request").doesNotContain("VSO");
    }

    @Test
    void ipmiSimChatterDoesNotHideTheRealError() {
        BmcException e = classify(0, "", "Unable to Get Channel Cipher Suites\nSet Chassis Power Control to Soft failed: Unspecified error\n");
        assertThat(e.kind()).isEqualTo(Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("Unspecified error").doesNotContain("Cipher Suites");
    }

    @Test
    void silentFailure() {
        assertThat(classify(1, "", "").getMessage()).contains("exited with status 1 and said nothing");
    }

    @Test
    void passwordEchoedByTheDeviceIsMasked() {
        BmcException e = classify(1, "", "Error: bad password " + PW + " and " + PW.toUpperCase());
        assertThat(e.getMessage()).doesNotContain(PW).doesNotContain(PW.toUpperCase()).contains("******");
    }
}
