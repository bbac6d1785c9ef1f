package org.esi.drivers.net.linuxbridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.esi.drivers.testing.Netns.ok;
import static org.esi.drivers.testing.Netns.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.esi.drivers.testing.Needs;
import org.esi.drivers.testing.Netns;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real isolation through the linux-bridge driver: four network namespaces play nodes, each cabled by
 * a veth pair into one VLAN-filtering bridge in a fifth namespace that plays the switch. All nodes
 * share one subnet, so only the switch's VLANs can keep them apart. Needs root, iproute2 and ping
 * ({@link Needs}: skipped without them unless CI=true; ESI_SKIP_NETWORK_TESTS=1 skips it even in CI).
 * Addresses exist only inside the test's namespaces.
 */
class LinuxBridgeIsolationTest {
    static final String TAG = "e" + UUID.randomUUID().toString().substring(0, 5);
    static final String SW = TAG + "sw";
    static final String[] NODES = {TAG + "a", TAG + "b", TAG + "c", TAG + "d"};
    static final String[] PORTS = {TAG + "pa", TAG + "pb", TAG + "pc", TAG + "pd"};
    static final String[] IPS = {"10.99.0.1", "10.99.0.2", "10.99.0.3", "10.99.0.4"};
    static SwitchSession sw;

    @BeforeAll
    static void cable() throws Exception {
        // Without ping every ping "fails", which would pass the isolation half of the test for the wrong reason.
        Needs.tool("ping", "iputils-ping", Needs.onPath("ping"), "ESI_SKIP_NETWORK_TESTS");
        Needs.tool("network namespaces (root and iproute2)", "iproute2", Netns.add(SW), "ESI_SKIP_NETWORK_TESTS");
        // Plain bridge: the driver turns VLAN filtering on where the kernel has it, or uses a bridge per VLAN.
        ok(SW, "ip", "link", "add", "br0", "type", "bridge");
        ok(SW, "ip", "link", "set", "br0", "up");
        for (int i = 0; i < NODES.length; i++) {
            ok(null, "ip", "netns", "add", NODES[i]);
            String nic = TAG + "n" + i;
            ok(null, "ip", "link", "add", nic, "type", "veth", "peer", "name", PORTS[i]);
            ok(null, "ip", "link", "set", nic, "netns", NODES[i]);
            ok(null, "ip", "link", "set", PORTS[i], "netns", SW);
            ok(SW, "ip", "link", "set", PORTS[i], "master", "br0");
            ok(SW, "ip", "link", "set", PORTS[i], "up");
            ok(NODES[i], "ip", "link", "set", "lo", "up");
            ok(NODES[i], "ip", "link", "set", nic, "name", "eth0");
            ok(NODES[i], "ip", "addr", "add", IPS[i] + "/24", "dev", "eth0");
            ok(NODES[i], "ip", "link", "set", "eth0", "up");
        }
        sw = new LinuxBridgeDriver().open(new SwitchConfig("test-switch", "netns:" + SW + "/br0", null, null, Map.of()));
    }

    @AfterAll
    static void uncable() throws Exception {
        for (String ns : NODES) {
            run("ip", "netns", "del", ns);
        }
        run("ip", "netns", "del", SW);
    }

    @Test
    void vlansIsolateTenantsAndIdlePortsCarryNothing() throws Exception {
        // Freshly cabled ports sit in the bridge's default VLAN: everyone can talk. Idle ends that.
        assertThat(ping(0, IPS[2])).isTrue();
        for (String p : PORTS) {
            sw.configure(p, PortConfig.idle());
            assertThat(sw.read(p)).isEqualTo(PortConfig.idle());
        }
        assertThat(ping(0, IPS[1])).isFalse();

        List<Long> attach = new ArrayList<>();
        long t = System.nanoTime();
        sw.configure(PORTS[0], new PortConfig.Access(100));
        attach.add(System.nanoTime() - t);
        t = System.nanoTime();
        sw.configure(PORTS[1], new PortConfig.Access(100));
        attach.add(System.nanoTime() - t);
        t = System.nanoTime();
        sw.configure(PORTS[2], new PortConfig.Access(200));
        attach.add(System.nanoTime() - t);
        t = System.nanoTime();
        sw.configure(PORTS[3], new PortConfig.Access(200));
        attach.add(System.nanoTime() - t);
        assertThat(sw.read(PORTS[0])).isEqualTo(new PortConfig.Access(100));

        assertThat(ping(0, IPS[1])).as("A-B share VLAN 100").isTrue();
        assertThat(ping(2, IPS[3])).as("C-D share VLAN 200").isTrue();
        assertThat(ping(0, IPS[2])).as("A-C are on different networks").isFalse();
        assertThat(ping(1, IPS[3])).as("B-D are on different networks").isFalse();

        // Configuring the same again changes nothing (idempotent).
        sw.configure(PORTS[3], new PortConfig.Access(200));
        assertThat(ping(2, IPS[3])).isTrue();

        // A trunk: D keeps VLAN 200 untagged and gets VLAN 100 tagged on a sub-interface. Needs a kernel
        // with bridge VLAN filtering and 802.1Q; where it has neither the driver must refuse clearly.
        if (vlanKernel()) {
            ok(NODES[3], "ip", "link", "add", "link", "eth0", "name", "eth0.100", "type", "vlan", "id", "100");
            ok(NODES[3], "ip", "addr", "add", "10.99.1.4/24", "dev", "eth0.100");
            ok(NODES[3], "ip", "link", "set", "eth0.100", "up");
            ok(NODES[0], "ip", "addr", "add", "10.99.1.1/24", "dev", "eth0");
            sw.configure(PORTS[3], PortConfig.Trunk.of(200, java.util.Set.of(100)));
            assertThat(sw.read(PORTS[3])).isEqualTo(PortConfig.Trunk.of(200, java.util.Set.of(100)));
            assertThat(ping(0, "10.99.1.4")).as("A reaches D's tagged VLAN 100").isTrue();
            assertThat(ping(2, IPS[3])).as("C still reaches D untagged on VLAN 200").isTrue();
        } else {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> sw.configure(PORTS[3], PortConfig.Trunk.of(200, java.util.Set.of(100))))
                    .hasMessageContaining("VLAN filtering");
            assertThat(sw.read(PORTS[3])).as("a refused trunk leaves the port as it was").isEqualTo(new PortConfig.Access(200));
            System.out.println("linux-bridge: kernel without bridge VLAN filtering; trunk refused as expected, one bridge per VLAN");
        }

        List<Long> detach = new ArrayList<>();
        for (String p : PORTS) {
            t = System.nanoTime();
            sw.configure(p, PortConfig.idle());
            detach.add(System.nanoTime() - t);
        }
        assertThat(ping(0, IPS[1])).as("after detach nothing talks").isFalse();
        assertThat(ping(2, IPS[3])).isFalse();
        System.out.printf("linux-bridge: attach p50=%.1fms detach p50=%.1fms%n", median(attach) / 1e6, median(detach) / 1e6);
    }

    @Test
    void hundredPortsBackToIdle() throws Exception {
        String ns = TAG + "h";
        ok(null, "ip", "netns", "add", ns);
        try {
            ok(ns, "ip", "link", "add", "br1", "type", "bridge");
            List<String> ports = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String p = "h" + i;
                ok(ns, "ip", "link", "add", p, "type", "veth", "peer", "name", "x" + i);
                ok(ns, "ip", "link", "set", p, "master", "br1");
                ports.add(p);
            }
            SwitchSession s = new LinuxBridgeDriver().open(new SwitchConfig("hundred", "netns:" + ns + "/br1", null, null, Map.of()));
            for (int i = 0; i < ports.size(); i++) {
                s.configure(ports.get(i), new PortConfig.Access(100 + i));
            }
            long t = System.nanoTime();
            for (String p : ports) {
                s.configure(p, PortConfig.idle());
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            for (String p : ports) {
                assertThat(s.read(p)).isEqualTo(PortConfig.idle());
            }
            System.out.printf("linux-bridge: 100 ports back to idle in %.2fs (one switch, serial)%n", seconds);
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    /** Whether this kernel's bridge filters VLANs (some sandboxes' kernels do not). */
    private static boolean vlanKernel() throws Exception {
        String ns = TAG + "k";
        run("ip", "netns", "add", ns);
        try {
            return run("ip", "netns", "exec", ns, "ip", "link", "add", "kb", "type", "bridge", "vlan_filtering", "1").code() == 0;
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static boolean ping(int from, String to) throws Exception {
        return Netns.ping(NODES[from], to);
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
