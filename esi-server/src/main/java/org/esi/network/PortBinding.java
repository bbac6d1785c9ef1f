package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/**
 * Where a network port is bound: the attachment that carries it (directly, or through the trunk whose
 * sub-port it is), the node and the node NIC with its cabling. {@code status} is the attachment's.
 */
public record PortBinding(UUID portId, UUID attachmentId, UUID nodeUuid, UUID baremetalPortUuid, String baremetalMac,
                          ObjectNode localLinkConnection, String status, UUID trunkId) {
    /** Neutron's port status for this binding. */
    public String neutronStatus() {
        return switch (status) {
            case "active" -> "ACTIVE";
            case "attaching" -> "BUILD";
            case "error" -> "ERROR";
            default -> "DOWN";
        };
    }
}
