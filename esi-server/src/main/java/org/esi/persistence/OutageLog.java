package org.esi.persistence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * Logging for a background loop that the database can interrupt. A restart makes such a loop fail every
 * round until the database is back; one line when the outage starts and one when it ends say all there
 * is to say, where a stack trace per round would bury everything else in the log.
 */
public final class OutageLog {
    private final Logger log;
    private final String loop;
    private final Clock clock;
    private Instant since;

    public OutageLog(Logger log, String loop, Clock clock) {
        this.log = log;
        this.loop = loop;
        this.clock = clock;
    }

    /** True when {@code failure} was the database being unavailable, logged (at most once per outage) here. */
    public synchronized boolean absorbed(Throwable failure) {
        var reason = SqlErrors.unavailableReason(failure);
        if (reason.isEmpty()) {
            return false;
        }
        if (since == null) {
            since = clock.instant();
            log.warn("{} paused: the database is unavailable ({}); retrying quietly until it is back", loop, reason.get());
        }
        return true;
    }

    /** A round went through; closes an outage if one was open. */
    public synchronized void succeeded() {
        if (since != null) {
            log.info("{} resumed: the database is back after {} s", loop, Duration.between(since, clock.instant()).toSeconds());
            since = null;
        }
    }
}
