package org.esi.lease;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A window of a node's time that its owner (or a lessee, for a sub-offer) makes claimable. {@code price} is in
 * 1/10,000 credit per node-hour; null is a free offer.
 */
public record Offer(UUID uuid, String name, String projectId, String lesseeId, String resourceType, UUID resourceUuid,
                    Instant startTime, Instant endTime, OfferStatus status, ObjectNode properties, UUID parentLeaseUuid,
                    Instant createdAt, Long price) {
    public boolean priced() {
        return price != null;
    }
}
