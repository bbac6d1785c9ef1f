package org.esi.drivers.redfish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedfishConfigTest {
    private final RedfishDriver driver = new RedfishDriver();

    @Test
    void nameIsRedfish() {
        assertThat(driver.name()).isEqualTo("redfish");
    }

    @Test
    void minimalAndFullDriverInfoAreValid(@TempDir Path dir) throws Exception {
        Path bundle = Files.writeString(dir.resolve("ca.pem"), "not parsed by validate");
        assertThat(driver.validate(Map.of("redfish_address", "https://10.0.0.5"))).isEmpty();
        assertThat(driver.validate(Map.of("redfish_address", "http://bmc:8000", "redfish_system_id", "/redfish/v1/Systems/1",
                "redfish_username", "root", "redfish_password", new Secret("x"), "redfish_verify_ca", bundle.toString(),
                "redfish_auth_type", "basic"))).isEmpty();
        RedfishConfig config = RedfishConfig.parse(Map.of("redfish_address", "10.0.0.5", "redfish_verify_ca", "False",
                "redfish_system_id", "1"));
        assertThat(config.address().toString()).isEqualTo("https://10.0.0.5");
        assertThat(config.tls()).isEqualTo(TlsVerification.NONE);
        assertThat(config.systemId()).contains("/redfish/v1/Systems/1");
        assertThat(config.authType()).isEqualTo(AuthType.AUTO);
    }

    @Test
    void problemsAreNamedInWords() {
        assertThat(driver.validate(Map.of())).containsExactly("redfish_address is required");
        assertThat(driver.validate(Map.of("redfish_address", "ftp://bmc"))).singleElement().asString().contains("http or https");
        assertThat(driver.validate(Map.of("redfish_address", "https://bmc", "redfish_auth_type", "kerberos")))
                .singleElement().asString().contains("session, basic, auto");
        assertThat(driver.validate(Map.of("redfish_address", "https://bmc", "redfish_verify_ca", "/no/such/ca.pem")))
                .singleElement().asString().contains("/no/such/ca.pem");
        assertThat(driver.validate(Map.of("redfish_address", "https://bmc", "redfish_password", "x")))
                .singleElement().asString().contains("redfish_username");
    }

    @Test
    void openRefusesBadDriverInfoWithoutLeakingThePassword() {
        assertThatThrownBy(() -> driver.open(Map.of("redfish_password", "hunter2", "redfish_username", "u")))
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BmcException.Kind.CONFIGURATION);
                    assertThat(e.getMessage()).contains("redfish_address").doesNotContain("hunter2");
                });
    }

    @Test
    void macsAreNormalised() {
        assertThat(InventoryReader.normalizeMac("B4-2E-99-BA-DE-15")).isEqualTo("b4:2e:99:ba:de:15");
        assertThat(InventoryReader.normalizeMac("00:00:00:00:00:00")).isEmpty();
    }
}
