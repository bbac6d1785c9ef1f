package org.esi.spi.net;

import java.util.Map;
import java.util.Objects;
import org.esi.spi.Secret;

/**
 * How to reach and drive one switch. {@code address} is the management address (host[:port] for SSH,
 * the bridge name or {@code netns:NS/bridge} for a Linux bridge); {@code options} holds driver-specific
 * settings such as {@code vendor} (dell_os10, cisco_nxos, arista_eos, juniper_junos, cumulus_nvue).
 */
public record SwitchConfig(String name, String address, String username, Secret password, Map<String, String> options) {
    public SwitchConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        options = Map.copyOf(options);
    }
}
