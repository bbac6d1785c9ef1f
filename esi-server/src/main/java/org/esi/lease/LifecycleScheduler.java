package org.esi.lease;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.esi.persistence.BackgroundLoop;
import org.esi.persistence.OutageLog;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Design notes. One thread sleeps until the earliest due time of any lease or offer (a timer, not a
 * poll), then hands the due items to a small worker pool; {@link Lifecycle} makes each step happen
 * once across instances through row locks and claims. Changes wake the timer: locally through
 * {@link #wake()}, and from other instances through PostgreSQL's LISTEN/NOTIFY (a trigger on the
 * due columns), so a lease created on instance A and due in one second is started on time even if
 * instance B is the one awake. A safety re-check runs at least every {@link #MAX_SLEEP} in case a
 * notification was lost. Loops catch everything: a failing step is logged and retried, never fatal.
 */
public final class LifecycleScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LifecycleScheduler.class);
    static final Duration MAX_SLEEP = Duration.ofSeconds(10);
    private static final int BATCH = 200;

    private final LeaseStore store;
    private final Lifecycle lifecycle;
    private final Clock clock;
    private final Supplier<Connection> listenConnection;
    private final ExecutorService workers;
    private final BackgroundLoop timer;
    private final Thread listener;
    private final OutageLog listenerOutages;

    public LifecycleScheduler(LeaseStore store, Lifecycle lifecycle, Clock clock, int workerThreads, Supplier<Connection> listenConnection) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.clock = clock;
        this.listenConnection = listenConnection;
        this.listenerOutages = new OutageLog(log, "Lease lifecycle notifications", clock);
        this.workers = Executors.newFixedThreadPool(workerThreads, r -> {
            Thread t = new Thread(r, "esi-lifecycle-worker");
            t.setDaemon(true);
            return t;
        });
        this.timer = new BackgroundLoop("esi-lifecycle-timer", "Lease lifecycle", log, clock, this::round);
        this.listener = new Thread(this::runListener, "esi-lifecycle-listen");
        this.listener.setDaemon(true);
    }

    public void start() {
        listener.start();
        timer.start();
    }

    /** Something changed what is due: look again now. */
    public void wake() {
        timer.wake();
    }

    private Duration round() throws InterruptedException {
        boolean progress = runDue();
        Instant now = clock.instant();
        Optional<Instant> next = store.nextDue();
        long sleepMs = next.map(n -> Math.max(0, Duration.between(now, n).toMillis())).orElse(MAX_SLEEP.toMillis());
        sleepMs = Math.min(sleepMs, MAX_SLEEP.toMillis());
        if (sleepMs == 0 && !progress) {
            sleepMs = 50; // what is due is held by another instance right now; do not spin
        }
        return Duration.ofMillis(sleepMs);
    }

    /** Runs every item due now, in parallel, until none is left. Public for tests that drive time by hand. */
    public boolean runDue() throws InterruptedException {
        boolean any = false;
        while (timer.running()) {
            Instant now = clock.instant();
            List<UUID> leases = store.dueLeases(now, BATCH);
            List<UUID> offers = store.dueOffers(now, BATCH);
            if (leases.isEmpty() && offers.isEmpty()) {
                return any;
            }
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (UUID u : leases) {
                results.add(workers.submit(() -> safely(() -> lifecycle.runDueLease(u), "lease " + u)));
            }
            for (UUID u : offers) {
                results.add(workers.submit(() -> safely(() -> lifecycle.runDueOffer(u), "offer " + u)));
            }
            boolean progress = false;
            for (Future<Boolean> f : results) {
                try {
                    progress |= f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!timer.outages().absorbed(e.getCause())) {
                        log.error("Lifecycle step failed", e.getCause());
                    }
                }
            }
            if (!progress) {
                // Everything due is held by other instances or waiting on back-off; the timer comes back.
                return any;
            }
            any = true;
        }
        return any;
    }

    private boolean safely(Supplier<Boolean> step, String what) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            if (!timer.outages().absorbed(e)) {
                log.error("Lifecycle step for {} failed; it stays due and is retried", what, e);
            }
            return false;
        }
    }

    private void runListener() {
        while (timer.running()) {
            try (Connection c = listenConnection.get()) {
                try (Statement s = c.createStatement()) {
                    s.execute("listen esi_lease_due");
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                listenerOutages.succeeded();
                while (timer.running()) {
                    var notes = pg.getNotifications(5000);
                    if (notes != null && notes.length > 0) {
                        wake();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (timer.running()) {
                    if (!listenerOutages.absorbed(e)) {
                        log.warn("Lost the lifecycle notification connection ({}); reconnecting", e.getMessage());
                    }
                    sleepQuietly(1000);
                }
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        timer.close();
        listener.interrupt();
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
