package org.esi.network;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A port that carries a native network untagged and other networks tagged. A trunk made through the
 * Neutron face also names its parent network port ({@code portId}, on the native network) and, per
 * tagged network, the sub-port that stands for it; trunks made through {@code /network/v1} have none.
 */
public record Trunk(UUID id, String name, String projectId, UUID nativeNetworkId, List<Tagged> tagged, Instant createdAt,
                    UUID portId, String description) {
    /** A tagged network, and the sub-port for it (null when the trunk was made without ports). */
    public record Tagged(UUID networkId, UUID portId) {}

    public Trunk {
        tagged = List.copyOf(tagged);
    }

    public List<UUID> taggedNetworkIds() {
        return tagged.stream().map(Tagged::networkId).toList();
    }
}
