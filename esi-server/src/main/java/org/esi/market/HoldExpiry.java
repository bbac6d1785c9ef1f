package org.esi.market;

import java.time.Clock;
import java.time.Duration;
import org.esi.persistence.BackgroundLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends holds whose time ran out (a claim whose lease was never created), every {@link #EVERY}. Any number of
 * instances may run it: each hold ends under its row lock, and one another instance ended first is skipped.
 */
public final class HoldExpiry implements AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(HoldExpiry.class);
    private final BackgroundLoop loop;

    public HoldExpiry(MarketService market, Clock clock) {
        this.loop = new BackgroundLoop("esi-market-holds", "Market hold expiry", log, clock, () -> {
            int ended = market.expireDue();
            if (ended > 0) {
                log.info("Expired {} market hold(s)", ended);
            }
            return ended >= MarketService.EXPIRE_BATCH ? Duration.ZERO : EVERY;
        });
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
    }
}
