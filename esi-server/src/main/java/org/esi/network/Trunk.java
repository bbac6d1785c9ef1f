package org.esi.network;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A port that carries a native network untagged and other networks tagged. */
public record Trunk(UUID id, String name, String projectId, UUID nativeNetworkId, List<UUID> taggedNetworkIds, Instant createdAt) {
    public Trunk {
        taggedNetworkIds = List.copyOf(taggedNetworkIds);
    }
}
