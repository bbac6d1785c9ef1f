package org.esi.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** A NIC of a node: its MAC, and where it plugs into a switch ({@code local_link_connection}). */
public record Port(UUID uuid, String address, UUID nodeUuid, ObjectNode localLinkConnection, String physicalNetwork,
                   boolean pxeEnabled, ObjectNode extra, ObjectNode internalInfo, Instant createdAt, Instant updatedAt) {}
