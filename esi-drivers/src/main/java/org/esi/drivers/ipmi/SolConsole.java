package org.esi.drivers.ipmi;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esi.spi.BmcException;
import org.esi.spi.ConsoleStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A serial-over-LAN console: the pipes of a running {@code ipmitool sol activate}. */
final class SolConsole implements ConsoleStream {
    private static final Logger log = LoggerFactory.getLogger(SolConsole.class);

    private final Process process;
    private final IpmiConfig config;
    private final Ipmitool ipmitool;
    private final AtomicBoolean closed = new AtomicBoolean();

    SolConsole(Process process, IpmiConfig config, Ipmitool ipmitool) {
        this.process = process;
        this.config = config;
        this.ipmitool = ipmitool;
    }

    @Override
    public InputStream fromMachine() {
        return process.getInputStream();
    }

    @Override
    public OutputStream toMachine() {
        return process.getOutputStream();
    }

    /**
     * Stops ipmitool and then deactivates the payload from a fresh session, as Ironic does. Typing
     * ipmitool's "~." escape instead would need a carriage return first, which reaches the machine and
     * could submit whatever half-typed line its console holds.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return;
        }
        try {
            ipmitool.run(config, List.of("sol", "deactivate"));
        } catch (BmcException e) {
            log.warn("serial console of BMC {} may still be active: {}", config.target(), e.getMessage());
        }
    }
}
