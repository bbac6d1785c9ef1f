package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A bare-metal machine, in Ironic's shape. {@code driverInfo} holds secrets sealed by
 * {@link org.esi.crypto.SecretBox}; JSON objects here are never mutated once the record exists.
 */
public record Node(
        UUID uuid,
        String name,
        String driver,
        ObjectNode driverInfo,
        ObjectNode driverInternalInfo,
        String powerState,
        String targetPowerState,
        String provisionState,
        String targetProvisionState,
        boolean maintenance,
        String maintenanceReason,
        String lastError,
        String reservation,
        String resourceClass,
        ObjectNode properties,
        ObjectNode instanceInfo,
        UUID instanceUuid,
        ObjectNode extra,
        String description,
        String owner,
        String lessee,
        boolean consoleEnabled,
        List<String> traits,
        Instant createdAt,
        Instant updatedAt,
        Instant provisionUpdatedAt,
        Instant inspectionFinishedAt) {

    public Node {
        traits = List.copyOf(traits);
    }

    /** The same node with other instance_info: what a provision request sees before it is written. */
    public Node withInstanceInfo(ObjectNode info) {
        return new Node(uuid, name, driver, driverInfo, driverInternalInfo, powerState, targetPowerState, provisionState,
                targetProvisionState, maintenance, maintenanceReason, lastError, reservation, resourceClass, properties, info,
                instanceUuid, extra, description, owner, lessee, consoleEnabled, traits, createdAt, updatedAt, provisionUpdatedAt,
                inspectionFinishedAt);
    }
}
