package org.esi.notify;

import java.time.Instant;
import java.util.UUID;

/** Where a project wants to hear about its leases. {@code secret} is sealed; it signs deliveries and is never shown. */
public record Webhook(UUID id, String projectId, String url, String secret, boolean enabled, Instant createdAt) {}
