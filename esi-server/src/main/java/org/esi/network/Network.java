package org.esi.network;

import java.time.Instant;
import java.util.UUID;

/**
 * A tenant VLAN on a physical network. {@code provider} networks had their VLAN chosen by the admin;
 * {@code external} is Neutron's {@code router:external} flag, kept for clients that read it.
 */
public record Network(UUID id, String name, String projectId, boolean shared, String physicalNetwork, int vlanId,
                      boolean provider, Instant createdAt, boolean external, String description) {}
