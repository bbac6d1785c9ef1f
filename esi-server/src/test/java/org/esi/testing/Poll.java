package org.esi.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Reads something every 100 ms until it is as wanted, for tests of what the background loops do. */
public final class Poll {
    private Poll() {}

    /**
     * The first value {@code read} gives that {@code done} accepts; after {@code within}, an AssertionError
     * with {@code why} of the last value read.
     */
    public static <T> T until(Supplier<T> read, Predicate<T> done, Duration within, Function<T, String> why) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        T v;
        do {
            v = read.get();
            if (done.test(v)) {
                return v;
            }
            Thread.sleep(100);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError(why.apply(v));
    }
}
