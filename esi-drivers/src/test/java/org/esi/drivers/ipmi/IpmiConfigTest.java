package org.esi.drivers.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.Secret;
import org.junit.jupiter.api.Test;

class IpmiConfigTest {
    private final IpmiDriver driver = new IpmiDriver();

    private static Map<String, Object> info(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void minimalDriverInfoIsValidAndGetsIronicDefaults() throws Exception {
        assertThat(driver.validate(info("ipmi_address", "10.0.0.5"))).isEmpty();
        IpmiConfig c = IpmiConfig.from(info("ipmi_address", "10.0.0.5"));
        assertThat(c.port()).isEqualTo(623);
        assertThat(c.privLevel()).isEqualTo("ADMINISTRATOR");
        assertThat(c.username()).isNull();
        assertThat(c.cipherSuite()).isNull();
        assertThat(c.disableBootTimeout()).isTrue();
    }

    @Test
    void missingAddressIsReported() {
        assertThat(driver.validate(Map.of())).containsExactly("ipmi_address is missing");
        assertThat(driver.validate(info("ipmi_address", "  "))).containsExactly("ipmi_address is missing");
        assertThat(driver.validate(null)).containsExactly("ipmi_address is missing");
    }

    @Test
    void addressThatLooksLikeAnOptionIsRefused() {
        assertThat(driver.validate(info("ipmi_address", "-oProxyCommand"))).hasSize(1);
        assertThat(driver.validate(info("ipmi_address", "a b"))).hasSize(1);
    }

    @Test
    void portMustBeAWholeNumberInRange() {
        assertThat(driver.validate(info("ipmi_address", "h", "ipmi_port", "abc")))
                .containsExactly("ipmi_port must be a whole number, not \"abc\"");
        assertThat(driver.validate(info("ipmi_address", "h", "ipmi_port", 0)))
                .containsExactly("ipmi_port must be between 1 and 65535, not 0");
        assertThat(driver.validate(info("ipmi_address", "h", "ipmi_port", 70000))).hasSize(1);
        assertThat(driver.validate(info("ipmi_address", "h", "ipmi_port", 6.5))).hasSize(1);
        assertThat(driver.validate(info("ipmi_address", "h", "ipmi_port", "6230"))).isEmpty();
        assertThat(driver.validate(info("ipmi_address", "h", "ipmi_port", 6230L))).isEmpty();
    }

    @Test
    void otherKeysAreChecked() {
        List<String> problems = driver.validate(info("ipmi_address", "h", "ipmi_cipher_suite", 18,
                "ipmi_priv_level", "ROOT", "ipmi_timeout", 0, "ipmi_retries", "x", "ipmi_username", 7,
                "ipmi_password", 42, "ipmi_disable_boot_timeout", "maybe"));
        assertThat(problems).hasSize(7);
        assertThat(String.join("\n", problems)).contains("ipmi_cipher_suite", "ipmi_priv_level", "ipmi_timeout",
                "ipmi_retries", "ipmi_username", "ipmi_password", "ipmi_disable_boot_timeout");
    }

    @Test
    void allProblemsAtOnce() {
        assertThat(driver.validate(info("ipmi_port", "x", "ipmi_priv_level", "GOD"))).hasSize(3);
    }

    @Test
    void tooLongPasswordIsReportedWithoutQuotingIt() {
        String pw = "a-very-long-secret-password-indeed";
        List<String> problems = driver.validate(info("ipmi_address", "h", "ipmi_password", new Secret(pw)));
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).doesNotContain(pw);
    }

    @Test
    void privLevelIsCaseInsensitiveAndPasswordMayBeAString() throws Exception {
        IpmiConfig c = IpmiConfig.from(info("ipmi_address", "h", "ipmi_priv_level", "operator", "ipmi_password", "pw"));
        assertThat(c.privLevel()).isEqualTo("OPERATOR");
        assertThat(c.password()).isEqualTo(new Secret("pw"));
        assertThat(c.toString()).doesNotContain("pw,").contains("******");
    }

    @Test
    void openRefusesBadDriverInfoAsConfiguration() {
        assertThatThrownBy(() -> driver.open(info("ipmi_port", "x")))
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BmcException.Kind.CONFIGURATION);
                    assertThat(e.getMessage()).contains("ipmi_address is missing", "ipmi_port");
                });
    }

    @Test
    void ipv6AddressIsBracketedInMessages() throws Exception {
        assertThat(IpmiConfig.from(info("ipmi_address", "fd00::5")).target()).isEqualTo("[fd00::5]:623");
    }
}
