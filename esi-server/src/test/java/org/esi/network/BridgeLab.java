package org.esi.network;

import static org.esi.drivers.testing.Netns.ok;
import static org.esi.drivers.testing.Netns.run;

import java.util.UUID;
import org.esi.drivers.testing.Needs;
import org.esi.drivers.testing.Netns;

/**
 * A lab of real hosts for the network tests: one network namespace per node, each with a NIC cabled
 * by a veth pair into a Linux bridge {@code br0} in a switch namespace, which the service drives with
 * its linux-bridge driver ({@code address} {@link #switchAddress()}). Needs root, iproute2 and ping; without
 * them {@link #cable} skips the test unless CI=true ({@link Needs}; ESI_SKIP_NETWORK_TESTS=1 skips it even in CI).
 */
final class BridgeLab implements AutoCloseable {
    final String tag = "l" + UUID.randomUUID().toString().substring(0, 5);
    final String sw = tag + "sw";
    private final String[] ns;
    private final String[] port;

    private BridgeLab(int nodes) {
        ns = new String[nodes];
        port = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            ns[i] = tag + (i + 1);
            port[i] = tag + "p" + (i + 1);
        }
    }

    /** Cables {@code nodes} hosts; with {@code addresses} (one per host, {@code a.b.c.d/len}) their NICs get them now. */
    static BridgeLab cable(int nodes, String... addresses) throws Exception {
        BridgeLab lab = new BridgeLab(nodes);
        // Every test on the lab pings; without ping each ping "fails", which would pass an isolation check for the wrong reason.
        Needs.tool("ping", "iputils-ping", Needs.onPath("ping"), "ESI_SKIP_NETWORK_TESTS");
        Needs.tool("network namespaces (root and iproute2)", "iproute2", Netns.add(lab.sw), "ESI_SKIP_NETWORK_TESTS");
        ok(lab.sw, "ip", "link", "add", "br0", "type", "bridge");
        ok(lab.sw, "ip", "link", "set", "br0", "up");
        for (int i = 0; i < nodes; i++) {
            ok(null, "ip", "netns", "add", lab.ns[i]);
            String nic = lab.nic(i);
            ok(null, "ip", "link", "add", nic, "type", "veth", "peer", "name", lab.port[i]);
            ok(null, "ip", "link", "set", nic, "netns", lab.ns[i]);
            ok(null, "ip", "link", "set", lab.port[i], "netns", lab.sw);
            ok(lab.sw, "ip", "link", "set", lab.port[i], "up");
            ok(lab.ns[i], "ip", "link", "set", "lo", "up");
            ok(lab.ns[i], "ip", "link", "set", nic, "up");
            if (i < addresses.length) {
                lab.address(i, addresses[i]);
            }
        }
        return lab;
    }

    private String nic(int i) {
        return tag + "n" + i;
    }

    String switchAddress() {
        return "netns:" + sw + "/br0";
    }

    /** The switch port host {@code i} is cabled to (its {@code local_link_connection.port_id}). */
    String switchPort(int i) {
        return port[i];
    }

    /** Gives host {@code i}'s NIC an address, e.g. the fixed IP the service handed its network port. */
    void address(int i, String cidr) throws Exception {
        ok(ns[i], "ip", "addr", "add", cidr, "dev", nic(i));
    }

    boolean ping(int from, String ip) throws Exception {
        return Netns.ping(ns[from], ip);
    }

    /** The bridge the switch port of host {@code i} is enslaved to, "" when idle. */
    String master(int i) throws Exception {
        return Netns.master(sw, port[i]);
    }

    @Override
    public void close() throws Exception {
        for (String n : ns) {
            run("ip", "netns", "del", n);
        }
        run("ip", "netns", "del", sw);
    }
}
