package org.esi.lease;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
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

    LeaseQuota NONE = (h, projectId, start, end, replacing) -> {};
}
