package org.esi.drivers.net.linuxbridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.junit.jupiter.api.Test;

class LinuxBridgeParseTest {
    @Test
    void readsIproute2Json() throws Exception {
        String json = """
                [{"ifname":"p1","vlans":[{"vlan":200,"flags":["PVID","Egress Untagged"]},{"vlan":100},{"vlan":300,"vlanEnd":302}]}]""";
        Map<Integer, String> m = LinuxBridgeSession.parse(json, "p1");
        assertThat(m).containsEntry(200, "native").containsEntry(100, "tagged").containsEntry(301, "tagged").hasSize(5);
        assertThat(LinuxBridgeSession.parse("[]", "p1")).isEmpty();
        assertThat(LinuxBridgeSession.parse("", "p1")).isEmpty();
    }

    @Test
    void validatesAddresses() {
        LinuxBridgeDriver d = new LinuxBridgeDriver();
        assertThat(d.validate(new SwitchConfig("s", "br0", null, null, Map.of()))).isEmpty();
        assertThat(d.validate(new SwitchConfig("s", "netns:lab/br-tenants", null, null, Map.of()))).isEmpty();
        assertThat(d.validate(new SwitchConfig("s", "a-bridge-name-too-long", null, null, Map.of()))).hasSize(1);
        assertThat(d.validate(new SwitchConfig("s", "netns:lab", null, null, Map.of()))).hasSize(1);
        assertThat(d.validate(new SwitchConfig("s", "br0; reboot", null, null, Map.of()))).hasSize(1);
        assertThat(LinuxBridgeSession.flags(PortConfig.Trunk.of(10, java.util.Set.of(20, 30))))
                .isEqualTo(Map.of(10, "native", 20, "tagged", 30, "tagged"));
        assertThat(LinuxBridgeSession.flags(PortConfig.idle())).isEmpty();
    }
}
