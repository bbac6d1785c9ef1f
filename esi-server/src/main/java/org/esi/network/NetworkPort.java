package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A Neutron port: an address on a network (MAC, fixed IPs) that a node NIC takes on when the port is
 * attached to the node through the bare-metal VIF API. Whether it is bound, and where, is not stored
 * here: it is the attachment that names it ({@link PortBinding}), so the two can never disagree.
 */
public record NetworkPort(UUID id, UUID networkId, String projectId, String name, String description, String macAddress,
                          boolean adminStateUp, String deviceOwner, String deviceId, String vnicType, ObjectNode bindingProfile,
                          List<FixedIp> fixedIps, Instant createdAt, Instant updatedAt) {
    public record FixedIp(UUID subnetId, String ipAddress) {}

    public NetworkPort {
        fixedIps = List.copyOf(fixedIps);
    }
}
