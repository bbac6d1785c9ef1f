package org.esi.persistence;

import org.jdbi.v3.core.Handle;

/**
 * Named PostgreSQL advisory locks held until the transaction ends. They serialise work across every
 * instance sharing the database without a row to lock (one switch's operations, one container's bookings).
 */
public final class TransactionLocks {
    private TransactionLocks() {
    }

    /** Waits for, then holds until commit or rollback, the lock named {@code key} (e.g. {@code "switch:<id>"}). */
    public static void hold(Handle h, String key) {
        h.createQuery("select 1 from pg_advisory_xact_lock(hashtextextended(:k, 0))").bind("k", key).mapTo(Integer.class).one();
    }
}
