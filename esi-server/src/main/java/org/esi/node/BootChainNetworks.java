package org.esi.node;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The networks allowed to use the MAC-addressed iPXE entry points ({@code boot.chain-from}). Those
 * entries let one static DHCP line serve every node, but they answer by MAC, which is not a secret,
 * so they are closed unless the operator names the provisioning networks: empty means off.
 */
public record BootChainNetworks(List<Cidr> networks) {
    public BootChainNetworks {
        networks = List.copyOf(networks);
    }

    /** One network, {@code address/prefix}. */
    public record Cidr(byte[] address, int prefix) {
        boolean contains(byte[] other) {
            if (other.length != address.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (other[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (other[full] & mask) == (address[full] & mask);
        }
    }

    public static BootChainNetworks off() {
        return new BootChainNetworks(List.of());
    }

    /**
     * {@code 192.0.2.0/24,2001:db8::/32}; a bare address is one host. Only literal addresses: a name
     * would be resolved here, at start-up, and silently go stale.
     */
    public static BootChainNetworks parse(String text) {
        List<Cidr> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return off();
        }
        for (String part : text.split(",")) {
            String p = part.strip();
            String addr = p.contains("/") ? p.substring(0, p.indexOf('/')) : p;
            if (!addr.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                throw new IllegalArgumentException("'" + p + "' is not an IP network (address/prefix)");
            }
            byte[] bytes;
            try {
                bytes = InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + p + "' is not an IP network (address/prefix)");
            }
            int prefix = bytes.length * 8;
            if (p.contains("/")) {
                try {
                    prefix = Integer.parseInt(p.substring(p.indexOf('/') + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + p + "' has no valid prefix length");
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + p + "' has a prefix length outside 0-" + bytes.length * 8);
                }
            }
            out.add(new Cidr(bytes, prefix));
        }
        return new BootChainNetworks(out);
    }

    public boolean allows(String address) {
        if (address == null || networks.isEmpty()) {
            return false;
        }
        byte[] bytes;
        try {
            // The peer address of a socket, always a literal: no lookup happens.
            bytes = InetAddress.getByName(address.startsWith("[") ? address.substring(1, address.length() - 1) : address).getAddress();
        } catch (UnknownHostException e) {
            return false;
        }
        for (Cidr c : networks) {
            if (c.contains(bytes)) {
                return true;
            }
        }
        return false;
    }
}
