package org.esi.agent;

import java.time.Instant;
import java.util.UUID;

/**
 * One boot of the agent on a node, as the database holds it.
 *
 * @param tokenHash  SHA-256 of the agent token, null until a lookup issues one
 * @param tokenSealed the same token sealed by the service's SecretBox, for the command calls
 * @param agentUrl   the agent's command API as its first heartbeat gave it, null before that
 * @param verifyCa   the agent's self-signed certificate (PEM), pinned at the first heartbeat; null for plain HTTP
 */
public record AgentSession(UUID node, String tokenHash, String tokenSealed, boolean pregenerated, String agentUrl, String agentVersion,
                           String verifyCa, Instant lastHeartbeat, Instant bootedAt) {}
