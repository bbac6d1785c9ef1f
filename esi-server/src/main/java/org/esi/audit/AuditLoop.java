package org.esi.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trail's housekeeping, on every instance (both steps are safe to run concurrently: each locks the chain
 * head): seals pending records whose request never answered (its instance died), and purges records older
 * than {@code audit.retention}, keeping the chain verifiable through the anchor.
 */
public final class AuditLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLoop.class);
    /** Longer than any request that holds a pending record is expected to take before answering. */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(10);

    private final AuditStore store;
    private final Clock clock;
    private final Duration retention;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "esi-audit");
        t.setDaemon(true);
        return t;
    });

    public AuditLoop(AuditStore store, Clock clock, Duration retention) {
        this.store = store;
        this.clock = clock;
        this.retention = retention;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::runOnce, 1, 60, TimeUnit.SECONDS);
    }

    /** One round; never throws, so the loop never silently stops. */
    public void runOnce() {
        try {
            int sealed = store.sealAbandoned(clock.instant().minus(ABANDONED_AFTER));
            if (sealed > 0) {
                log.warn("Sealed {} audit record(s) whose request never answered (instance stopped mid-request)", sealed);
            }
            int purged = store.purgeBefore(clock.instant().minus(retention));
            if (purged > 0) {
                log.info("Purged {} audit record(s) older than {}", purged, retention);
            }
        } catch (RuntimeException e) {
            log.warn("Audit housekeeping failed; retrying in a minute: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
