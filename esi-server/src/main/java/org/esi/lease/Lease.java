package org.esi.lease;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A project's right to a node over {@code [startTime, endTime)}. {@code projectId} is the lessee,
 * {@code ownerId} the project that granted it (the offer's project, the node's owner, or the parent
 * lease's lessee for a sub-lease). A lease claimed from a priced offer keeps that {@code price} (1/10,000 credit
 * per node-hour) and the {@code cost} held for its window; both are null for a free lease.
 */
public record Lease(UUID uuid, String name, String projectId, String ownerId, String resourceType, UUID resourceUuid,
                    Instant startTime, Instant endTime, Instant fulfillTime, Instant expireTime, LeaseStatus status,
                    ObjectNode properties, String purpose, UUID offerUuid, UUID parentLeaseUuid, Instant createdAt,
                    int attempts, String lastError, String ending, Instant claimedUntil, Long price, Long cost) {}
