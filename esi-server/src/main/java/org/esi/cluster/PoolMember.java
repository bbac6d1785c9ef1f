package org.esi.cluster;

import java.time.Instant;
import java.util.UUID;
import org.esi.lease.LeaseStatus;

/**
 * A machine of a pool, as the reconciler and the APIs see it: the member row with its lease and node.
 * {@code replaces} is the lease of the member this one stands in for (renewal by replacement).
 */
public record PoolMember(UUID leaseUuid, UUID poolUuid, UUID nodeUuid, String nodeName, MemberStatus status, String reason,
                         UUID replaces, LeaseStatus leaseStatus, Instant leaseEnd, String leaseEnding, String provisionState,
                         String nodeLastError, Instant createdAt, Instant updatedAt) {
    public String providerId() {
        return Deployment.providerId(nodeUuid);
    }

    /** The lease is over (or going): the member is only history once the row is removed. */
    boolean leaseOver() {
        return !leaseStatus.live() || leaseStatus == LeaseStatus.WAIT_EXPIRE || leaseStatus == LeaseStatus.WAIT_CANCEL;
    }
}
