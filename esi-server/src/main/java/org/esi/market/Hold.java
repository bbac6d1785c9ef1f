package org.esi.market;

import java.time.Instant;
import java.util.UUID;

/**
 * Credits moved from a payer to escrow until they are posted (to a payee), voided or expire: exactly one of them.
 * {@code leaseUuid} and {@code bidUuid} say what they pay for (the bid when a bid's match made the lease); every
 * entry of the hold carries both.
 */
public record Hold(UUID id, String payer, long amount, HoldStatus status, String payee, Long postedAmount, UUID leaseUuid,
                   UUID bidUuid, Instant expiresAt, Instant createdAt, Instant endedAt) {}
