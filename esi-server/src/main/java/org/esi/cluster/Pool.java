package org.esi.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A project's standing request for machines of one kind, deployed one way (clusters.md). The pool keeps
 * {@code desiredSize} counting members; {@code lastError} says why it could not, until {@code retryAt}. It claims priced
 * offers up to {@code maxPrice} (1/10,000 credit per node-hour) and only free ones without it.
 */
public record Pool(UUID uuid, String name, String projectId, String resourceClass, List<PropertyMatch> properties,
                   int minSize, int maxSize, int desiredSize, Duration leaseDuration, Duration renewBefore, Deployment deploy,
                   List<PoolNetwork> networks, Map<String, String> labels, String lastError, Instant retryAt, boolean deleting,
                   Instant createdAt, Instant updatedAt, Long maxPrice) {
    public Pool {
        properties = List.copyOf(properties);
        networks = List.copyOf(networks);
        labels = Map.copyOf(labels);
    }

    /** A network (access port) or trunk every member is attached to once its lease starts. */
    public record PoolNetwork(UUID network, UUID trunk) {}

    /** The shortest lease worth claiming: one that is not due for renewal the moment it starts. */
    Duration shortestLease() {
        Duration margin = Duration.ofMinutes(10);
        Duration shortest = renewBefore.plus(margin);
        return shortest.compareTo(leaseDuration) > 0 ? leaseDuration : shortest;
    }

    public boolean matches(com.fasterxml.jackson.databind.JsonNode nodeProperties) {
        return properties.stream().allMatch(m -> m.test(nodeProperties));
    }
}
