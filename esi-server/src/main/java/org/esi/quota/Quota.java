package org.esi.quota;

import java.time.Instant;

/**
 * A project's limits on leasing; a null limit is no limit. {@code maxNodeHours} is in 1/10,000 node-hour
 * ({@link NodeHours}) per {@code period}, which is set whenever it is.
 */
public record Quota(String projectId, String projectName, Integer maxLeasedNodes, Long maxNodeHours, Period period,
                    Instant updatedAt) {}
