package org.esi.cluster.openshift;

import java.time.Instant;
import java.util.UUID;

/**
 * A pool's OpenShift option with what the Assisted Installer gave back: the cluster ({@code clusterId}, registered
 * for day 1 or imported for day 2) and the infra-env whose discovery ISO the members boot.
 */
public record OpenShiftPool(UUID pool, OpenShiftSettings settings, String clusterId, String infraEnvId, String clusterStatus,
                            boolean installRequested, String lastError, Instant retryAt, int failures) {}
