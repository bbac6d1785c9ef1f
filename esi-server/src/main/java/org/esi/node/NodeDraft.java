package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The client-writable part of a node, as a create request or the result of a patch. */
public record NodeDraft(
        Optional<UUID> uuid,
        String name,
        String driver,
        ObjectNode driverInfo,
        String resourceClass,
        ObjectNode properties,
        ObjectNode instanceInfo,
        UUID instanceUuid,
        ObjectNode extra,
        String description,
        String owner,
        String lessee,
        List<String> traits,
        boolean maintenance,
        String maintenanceReason) {

    public NodeDraft {
        traits = List.copyOf(traits);
    }

    static NodeDraft of(Node n) {
        return new NodeDraft(Optional.of(n.uuid()), n.name(), n.driver(), n.driverInfo(), n.resourceClass(), n.properties(),
                n.instanceInfo(), n.instanceUuid(), n.extra(), n.description(), n.owner(), n.lessee(), n.traits(),
                n.maintenance(), n.maintenanceReason());
    }
}
