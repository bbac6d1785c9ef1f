package org.esi.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.esi.http.ApiException;
import org.junit.jupiter.api.Test;

/** Address and range arithmetic IPAM relies on: literals only, canonical text, host ranges. */
class IpAddressTest {
    @Test
    void literalsParseAndPrintCanonically() {
        assertThat(IpAddress.parse("192.0.2.7", "f")).hasToString("192.0.2.7");
        assertThat(IpAddress.parse("2001:DB8:0:0:0:0:0:1", "f")).hasToString("2001:db8::1");
        assertThat(IpAddress.parse("2001:db8:0:1:0:0:0:0", "f")).hasToString("2001:db8:0:1::");
        assertThat(IpAddress.parse("::", "f")).hasToString("::");
        assertThat(IpAddress.parse("2001:db8:1:0:1:0:0:1", "f")).as("the longer zero run is the one shortened").hasToString("2001:db8:1:0:1::1");
        assertThat(IpAddress.parse("192.0.2.255", "f").plus(1)).hasToString("192.0.3.0");
    }

    @Test
    void anythingButALiteralIsABadRequestNotALookup() {
        for (String bad : new String[] {"localhost", "example.com", "192.0.2.256", "192.0.2", "01.2.3.4", "1:2:3", "fe80::1%eth0", "", "::ffff:192.0.2.1"}) {
            assertThatThrownBy(() -> IpAddress.parse(bad, "f")).as(bad).isInstanceOf(ApiException.class);
        }
    }

    @Test
    void rangesKnowTheirHosts() {
        Cidr v4 = Cidr.parse("192.0.2.0/24", "c");
        assertThat(v4.firstHost()).hasToString("192.0.2.1");
        assertThat(v4.lastHost()).hasToString("192.0.2.254");
        assertThat(v4.isHostAddress(IpAddress.parse("192.0.2.255", "f"))).isFalse();
        assertThat(v4.contains(IpAddress.parse("192.0.3.1", "f"))).isFalse();
        Cidr v6 = Cidr.parse("2001:db8::/64", "c");
        assertThat(v6.last()).hasToString("2001:db8::ffff:ffff:ffff:ffff");
        assertThat(Cidr.parse("192.0.2.8/31", "c").firstHost()).hasToString("192.0.2.8");
        assertThatThrownBy(() -> Cidr.parse("192.0.2.1/24", "c")).hasMessageContaining("192.0.2.0/24");
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0/33", "c")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0", "c")).isInstanceOf(ApiException.class);
    }
}
