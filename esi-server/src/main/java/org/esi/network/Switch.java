package org.esi.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** A switch the admin registered. {@code password} is sealed; it never leaves the service. */
public record Switch(UUID id, String name, String driver, String address, String username, String password,
                     String physicalNetwork, ObjectNode options, Instant createdAt) {}
