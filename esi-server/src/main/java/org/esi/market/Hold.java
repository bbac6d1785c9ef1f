package org.esi.market;

import java.time.Instant;
import java.util.UUID;

/** Credits moved from a payer to escrow until they are posted (to a payee), voided or expire: exactly one of them. */
public record Hold(UUID id, String payer, long amount, HoldStatus status, String payee, Long postedAmount, UUID leaseUuid,
                   Instant expiresAt, Instant createdAt, Instant endedAt) {}
