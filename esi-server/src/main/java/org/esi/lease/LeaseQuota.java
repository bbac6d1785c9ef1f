package org.esi.lease;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.jdbi.v3.core.Handle;

/**
 * Per-project limits on leasing, checked inside the booking's transaction before anything is written, so
 * concurrent claims of one project cannot pass a limit together (an implementation locks the project's limits).
 */
public interface LeaseQuota {
    /**
     * Refuses (403, nothing booked) a lease of {@code projectId} over {@code [start, end)} that would take the
     * project past one of its limits. {@code replacing} is the lease whose window this one replaces (an
     * extension), which then is not counted twice.
     */
    void admit(Handle h, String projectId, Instant start, Instant end, Optional<UUID> replacing);

    /**
     * Takes the project's quota lock early, before the booking locks any offer or lease: every booking of a
     * limited project then takes its locks in one order (quota first), so a batch holding the quota lock
     * never waits for an offer held by a single claim that waits for the quota lock.
     */
    default void lock(Handle h, String projectId) {}

    /**
     * {@link #lock}, answering whether the project has limits at all: without, {@link #admit} refuses nothing and a
     * claim of many windows may skip it for each. The default is the careful answer.
     */
    default boolean lockLimits(Handle h, String projectId) {
        lock(h, projectId);
        return true;
    }

    /** A refusal by {@link #admit}: 403, and callers that book for a project (pools) can tell it from other refusals. */
    final class Exceeded extends ApiException {
        public Exceeded(String message) {
            super(ErrorKind.FORBIDDEN, message);
        }
    }

    LeaseQuota NONE = new LeaseQuota() {
        @Override
        public void admit(Handle h, String projectId, Instant start, Instant end, Optional<UUID> replacing) {}

        @Override
        public boolean lockLimits(Handle h, String projectId) {
            return false;
        }
    };
}
