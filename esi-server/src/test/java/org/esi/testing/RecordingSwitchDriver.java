package org.esi.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchDriver;
import org.esi.spi.net.SwitchException;
import org.esi.spi.net.SwitchSession;

/** A switch for API tests: keeps each port's configuration and can refuse the next N operations. */
public final class RecordingSwitchDriver implements SwitchDriver {
    public final Map<String, PortConfig> ports = new ConcurrentHashMap<>();
    public final List<String> log = new ArrayList<>();
    public final AtomicInteger failNext = new AtomicInteger();

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public List<String> validate(SwitchConfig config) {
        return config.address().isBlank() ? List.of("address is required") : List.of();
    }

    @Override
    public SwitchSession open(SwitchConfig config) {
        return new SwitchSession() {
            @Override
            public void configure(String port, PortConfig wanted) throws SwitchException {
                synchronized (log) {
                    log.add(config.name() + ":" + port + "=" + wanted);
                }
                if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new SwitchException(SwitchException.Kind.REJECTED, "% Invalid input detected at '^' marker.");
                }
                ports.put(config.name() + ":" + port, wanted);
            }

            @Override
            public PortConfig read(String port) {
                return ports.getOrDefault(config.name() + ":" + port, PortConfig.idle());
            }
        };
    }

    public PortConfig port(String switchName, String port) {
        return ports.getOrDefault(switchName + ":" + port, PortConfig.idle());
    }
}
