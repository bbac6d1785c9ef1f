package org.esi.drivers.net.linuxbridge;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchDriver;
import org.esi.spi.net.SwitchException;
import org.esi.spi.net.SwitchSession;

/**
 * {@code linux-bridge}: a Linux bridge with VLAN filtering is the switch, its member interfaces are the
 * switch ports, driven with iproute2's {@code ip} and {@code bridge}. The address is the bridge name,
 * or {@code netns:NS/bridge} for a bridge inside a network namespace. A real switch for tests and labs.
 */
public final class LinuxBridgeDriver implements SwitchDriver {
    static final Pattern IFNAME = Pattern.compile("^[A-Za-z0-9_.\\-]{1,15}$");
    static final Pattern NETNS = Pattern.compile("^[A-Za-z0-9_.\\-]{1,64}$");

    @Override
    public String name() {
        return "linux-bridge";
    }

    @Override
    public List<String> validate(SwitchConfig config) {
        List<String> problems = new ArrayList<>();
        try {
            BridgeAddress.parse(config.address());
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    @Override
    public SwitchSession open(SwitchConfig config) throws SwitchException {
        BridgeAddress address;
        try {
            address = BridgeAddress.parse(config.address());
        } catch (IllegalArgumentException e) {
            throw new SwitchException(SwitchException.Kind.CONFIGURATION, e.getMessage());
        }
        return new LinuxBridgeSession(address, new Commands());
    }

    /** Where the bridge is: its name, and the namespace it lives in (empty for the host's). */
    record BridgeAddress(String netns, String bridge) {
        static BridgeAddress parse(String address) {
            String ns = "";
            String br = address == null ? "" : address.trim();
            if (br.startsWith("netns:")) {
                int slash = br.indexOf('/');
                if (slash < 0) {
                    throw new IllegalArgumentException("address must be a bridge name or netns:NAMESPACE/BRIDGE, not '" + address + "'");
                }
                ns = br.substring("netns:".length(), slash);
                br = br.substring(slash + 1);
                if (!NETNS.matcher(ns).matches()) {
                    throw new IllegalArgumentException("network namespace '" + ns + "' is not a valid name");
                }
            }
            if (!IFNAME.matcher(br).matches()) {
                throw new IllegalArgumentException("bridge '" + br + "' is not a valid interface name (1-15 letters, digits, _ . -)");
            }
            return new BridgeAddress(ns, br);
        }
    }
}
