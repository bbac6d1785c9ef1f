package org.esi.drivers.net.fake;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchDriver;
import org.esi.spi.net.SwitchSession;

/**
 * {@code fake}: a switch that exists only in this process, the network counterpart of the
 * {@code fake-hardware} nodes. It contacts nothing (the address is only a label) and remembers what each
 * port was told to carry, so attach, detach and lease-end clean-up can be tried, and demonstrated, on a
 * machine without switches or root. Each service instance remembers its own ports; a restart forgets them.
 */
public final class FakeSwitchDriver implements SwitchDriver {
    public static final String NAME = "fake";

    /** Port configurations by switch name, then port. */
    private final Map<String, Map<String, PortConfig>> switches = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> validate(SwitchConfig config) {
        return List.of();
    }

    @Override
    public SwitchSession open(SwitchConfig config) {
        Map<String, PortConfig> ports = switches.computeIfAbsent(config.name(), k -> new ConcurrentHashMap<>());
        return new SwitchSession() {
            @Override
            public void configure(String port, PortConfig wanted) {
                ports.put(port, wanted);
            }

            @Override
            public PortConfig read(String port) {
                return ports.getOrDefault(port, PortConfig.idle());
            }
        };
    }
}
