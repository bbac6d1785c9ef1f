package org.esi.cluster.openshift;

import java.time.Instant;
import java.util.UUID;

/**
 * A pool's OpenShift option with what the Assisted Installer gave back: the cluster ({@code clusterId}, registered
 * for day 1 or imported for day 2) and the infra-env whose discovery ISO the members boot.
 */
public record OpenShiftPool(UUID pool, OpenShiftSettings settings, String clusterId, String infraEnvId, String clusterStatus,
                            boolean installRequested, boolean addingWorkers, String lastError, Instant retryAt, int failures) {
    /** New hosts join one by one as workers: a day-2 pool, or a day-1 pool whose cluster is installed. */
    public boolean hostByHost() {
        return settings.dayTwo() || addingWorkers;
    }
}
