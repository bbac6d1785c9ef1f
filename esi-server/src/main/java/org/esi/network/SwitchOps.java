package org.esi.network;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.esi.crypto.SecretBox;
import org.esi.persistence.TransactionLocks;
import org.esi.spi.Secret;
import org.esi.spi.net.PortConfig;
import org.esi.spi.net.SwitchConfig;
import org.esi.spi.net.SwitchDriver;
import org.esi.spi.net.SwitchException;
import org.esi.spi.net.SwitchSession;
import org.jdbi.v3.core.Jdbi;

/**
 * Runs switch operations: one at a time per switch (a local lock, then a PostgreSQL advisory lock so
 * other instances wait too), different switches in parallel, each retried with back-off. A switch
 * configuration is a replace, so a retry converges rather than stacking changes.
 */
public final class SwitchOps {
    private final Map<String, SwitchDriver> drivers = new LinkedHashMap<>();
    private final Jdbi jdbi;
    private final SecretBox secrets;
    private final int attempts;
    private final Duration firstBackoff;
    private final ConcurrentHashMap<java.util.UUID, ReentrantLock> locks = new ConcurrentHashMap<>();

    public SwitchOps(List<SwitchDriver> drivers, Jdbi jdbi, SecretBox secrets, int attempts, Duration firstBackoff) {
        drivers.forEach(d -> this.drivers.put(d.name(), d));
        this.jdbi = jdbi;
        this.secrets = secrets;
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
    }

    public boolean knows(String driver) {
        return drivers.containsKey(driver);
    }

    public List<String> driverNames() {
        return List.copyOf(drivers.keySet());
    }

    public List<String> validate(Switch s, String clearPassword) {
        return drivers.get(s.driver()).validate(config(s, clearPassword));
    }

    /** Configures one port, serialised per switch, retried; the last failure's message when all attempts fail. */
    public void configure(Switch s, String port, PortConfig config) throws SwitchException {
        ReentrantLock local = locks.computeIfAbsent(s.id(), k -> new ReentrantLock(true));
        local.lock();
        try {
            SwitchException last = null;
            long backoff = firstBackoff.toMillis();
            for (int i = 0; i < attempts; i++) {
                try {
                    runLocked(s, port, config);
                    return;
                } catch (SwitchException e) {
                    last = e;
                    if (e.kind() == SwitchException.Kind.AUTHENTICATION || e.kind() == SwitchException.Kind.CONFIGURATION) {
                        break; // retrying cannot fix credentials or settings
                    }
                    sleep(backoff);
                    backoff *= 2;
                }
            }
            throw last;
        } finally {
            local.unlock();
        }
    }

    private void runLocked(Switch s, String port, PortConfig config) throws SwitchException {
        try {
            jdbi.useTransaction(h -> {
                TransactionLocks.hold(h, "switch:" + s.id());
                try (SwitchSession session = drivers.get(s.driver()).open(config(s, null))) {
                    session.configure(port, config);
                } catch (SwitchException e) {
                    throw new Wrapped(e);
                }
            });
        } catch (Wrapped w) {
            throw w.cause;
        }
    }

    private SwitchConfig config(Switch s, String clearPassword) {
        String password = clearPassword != null ? clearPassword
                : (s.password() == null ? null : SecretBox.isSealed(s.password()) ? secrets.open(s.password()) : s.password());
        Map<String, String> options = new LinkedHashMap<>();
        s.options().fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        return new SwitchConfig(s.name(), s.address(), s.username(), password == null ? null : new Secret(password), options);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Carries a checked SwitchException out of a JDBI callback. */
    private static final class Wrapped extends RuntimeException {
        final SwitchException cause;

        Wrapped(SwitchException cause) {
            super(cause.getMessage(), null, false, false);
            this.cause = cause;
        }
    }
}
