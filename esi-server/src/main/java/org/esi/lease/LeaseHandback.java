package org.esi.lease;

import java.util.UUID;

/**
 * The hardware side of ending a lease: power the node off, undeploy or clean it, detach its networks
 * and console, so the next holder gets it clean. Must be idempotent: a failed end is retried.
 */
@FunctionalInterface
public interface LeaseHandback {
    /**
     * Returns {@code node} from {@code lessee} (the ending lease's project, whose network attachments go).
     * Throws with a message for the lease's {@code last_error} when a step failed.
     */
    void handBack(UUID node, String lessee) throws Exception;
}
