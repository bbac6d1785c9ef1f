package org.esi.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a lessee reads of a driver's error: why it failed, without where the BMC is or how to log in to it. */
class LastErrorsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode info(Map<String, Object> m) {
        return JSON.valueToTree(m);
    }

    @Test
    void driverInfoValuesAreHiddenSecretsWhateverTheirLength() {
        JsonNode info = info(Map.of("ipmi_address", "bmc7.Rack3.example", "ipmi_username", "operator", "ipmi_password", "pw",
                "ipmi_port", 6230, "redfish_verify_ca", true));
        String shown = LastErrors.forLessee("Failed to change power state to 'power on': ipmitool on BMC BMC7.rack3.EXAMPLE "
                + "refused user operator with password pw (port 6230, verify true)", info);
        assertThat(shown).doesNotContainIgnoringCase("bmc7.rack3.example").doesNotContain("operator").doesNotContain(" pw ")
                .startsWith("Failed to change power state to 'power on': ipmitool on BMC *** refused user *** with password ***")
                // Numbers and flags tell nothing about the BMC and stay readable.
                .endsWith("(port 6230, verify true)");
    }

    @Test
    void urlsAndAddressesAreHiddenEvenWhenDriverInfoDoesNotNameThem() {
        String shown = LastErrors.forLessee("cannot connect to the BMC at https://admin:s3cret@203.0.113.5:8443/redfish/v1/Systems/1: "
                + "timeout; fell back to 198.51.100.7 and [2001:db8::17]:623 and fe80:0:0:0:0:0:0:1", info(Map.of()));
        assertThat(shown).doesNotContain("s3cret").doesNotContain("203.0.113.5").doesNotContain("198.51.100.7")
                .doesNotContain("2001:db8").doesNotContain("fe80").contains("cannot connect to the BMC at ***").contains("timeout");
    }

    @Test
    void ordinaryWordsMacsAndTimesSurvive() {
        String text = "deploy failed: image_source must be http:// or https:// (port 52:54:00:12:34:56 at 12:30:45, version 1.2.3)";
        assertThat(LastErrors.forLessee(text, info(Map.of("redfish_system_id", "1", "fake_id", "on"))))
                .isEqualTo(text);
        assertThat(LastErrors.forLessee(null, info(Map.of("fake_id", "x")))).isNull();
    }

    @Test
    void aValueInsideAnotherIsHiddenWhole() {
        JsonNode info = info(Map.of("redfish_address", "https://bmc.example:8443", "redfish_username", "opsbot"));
        assertThat(LastErrors.forLessee("the BMC at https://bmc.example:8443 said no to opsbot", info))
                .isEqualTo("the BMC at *** said no to ***");
    }
}
