package org.esi.market;

import java.time.Instant;
import java.util.UUID;

/** One immutable line of the ledger: an amount (positive in, negative out) on one account. */
public record Entry(long id, UUID transactionId, String accountId, EntryKind kind, long amount, long balanceAfter,
                    String counterparty, UUID leaseUuid, UUID bidUuid, UUID holdId, String memo, Instant createdAt) {}
