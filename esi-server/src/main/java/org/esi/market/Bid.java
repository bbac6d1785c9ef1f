package org.esi.market;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A project's standing request for {@code quantity} machines of a resource class whose properties pass every filter,
 * at most {@code maxPrice} (1/10,000 credit per node-hour) each: either for the fixed window {@code [startTime,
 * endTime)}, or for {@code duration} placed anywhere inside {@code [notBefore, notAfter]} (then the two times are
 * null, and the other way round).
 */
public record Bid(UUID uuid, String projectId, int quantity, String resourceClass, List<String> properties,
                  Instant startTime, Instant endTime, Duration duration, Instant notBefore, Instant notAfter,
                  long maxPrice, boolean allOrNothing, Instant expiresAt, BidStatus status, Instant createdAt,
                  Instant updatedAt, String lastError) {
    public boolean flexible() {
        return duration != null;
    }

    /** How long each lease of the bid lasts. */
    public Duration length() {
        return flexible() ? duration : Duration.between(startTime, endTime);
    }

    /** The latest start at which the bid can still be met; past it the bid expires. */
    public Instant latestStart() {
        return flexible() ? notAfter.minus(duration) : startTime;
    }
}
