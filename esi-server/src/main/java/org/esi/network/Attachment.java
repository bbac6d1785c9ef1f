package org.esi.network;

import java.time.Instant;
import java.util.UUID;

/**
 * A node port plugged into a network or a trunk. {@code status}: {@code attaching} while the switch is
 * being configured, {@code active} once it is, {@code error} when the switch refused (with the reason),
 * {@code detaching} on the way out. {@code vifPortId} is the network port bound through it when it was
 * made by the bare-metal VIF API (null for {@code /network/v1} attachments).
 */
public record Attachment(UUID id, UUID nodeUuid, UUID portUuid, UUID networkId, UUID trunkId, String projectId, String status,
                         String lastError, Instant createdAt, UUID vifPortId) {}
