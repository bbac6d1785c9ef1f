package org.esi.persistence;

import java.time.Clock;
import java.time.Duration;
import org.esi.http.SafeLog;
import org.slf4j.Logger;

/**
 * The one shape of every background loop here (lease lifecycle, node tasks, webhooks, pools): a daemon
 * thread runs a round, then waits for as long as the round asked or until {@link #wake()}. A failed round
 * is logged (quietly, once, while the database is away) and the loop goes on a second later, because
 * without that pause a database that refuses at once would spin it. Work is claimed in the database,
 * so several instances may each run the same loop.
 */
public final class BackgroundLoop implements AutoCloseable {
    /** One pass over the work; returns how long to wait before the next unless woken ({@code ZERO}: go on now). */
    @FunctionalInterface
    public interface Round {
        Duration run() throws Exception;
    }

    /** Rounds run so far and the wall time spent in them (database waits included): what the loop costs. */
    public record Stats(long rounds, Duration busy) {}

    private static final long AFTER_FAILURE_MS = 1000;

    private final Logger log;
    private final String what;
    private final Round round;
    private final OutageLog outages;
    private final Thread thread;
    private final Object monitor = new Object();
    private boolean woken;
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicLong rounds = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong busyNanos = new java.util.concurrent.atomic.AtomicLong();

    public BackgroundLoop(String threadName, String what, Logger log, Clock clock, Round round) {
        this.log = log;
        this.what = what;
        this.round = round;
        this.outages = new OutageLog(log, what, clock);
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Something changed what is due: run a round now rather than at the end of the wait. Never blocks. */
    public void wake() {
        synchronized (monitor) {
            woken = true;
            monitor.notifyAll();
        }
    }

    /** False once closing: a round in progress should stop early. */
    public boolean running() {
        return running;
    }

    /** The outage log of this loop, for failures a round handles itself (one step of many). */
    public OutageLog outages() {
        return outages;
    }

    public Stats stats() {
        return new Stats(rounds.get(), Duration.ofNanos(busyNanos.get()));
    }

    private void run() {
        while (running) {
            long started = System.nanoTime();
            try {
                Duration wait;
                try {
                    wait = round.run();
                } finally {
                    busyNanos.addAndGet(System.nanoTime() - started);
                    rounds.incrementAndGet();
                }
                outages.succeeded();
                synchronized (monitor) {
                    if (!woken && wait.isPositive()) {
                        monitor.wait(Math.max(1, wait.toMillis()));
                    }
                    woken = false;
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                if (!running) {
                    return;
                }
                if (!outages.absorbed(t)) {
                    log.error("{} round failed; continuing in 1 s", what, SafeLog.redacted(t));
                }
                try {
                    Thread.sleep(AFTER_FAILURE_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Stops the loop and waits (a few seconds at most) for the round in progress to notice. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
