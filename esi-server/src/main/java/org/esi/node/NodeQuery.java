package org.esi.node;

import java.util.Optional;
import java.util.UUID;

/**
 * A node list request after validation. {@code visibleTo} restricts to nodes a project owns or leases
 * (empty for callers who may see everything).
 */
public record NodeQuery(
        Optional<String> visibleTo,
        Optional<String> owner,
        Optional<String> lessee,
        Optional<String> project,
        Optional<String> resourceClass,
        Optional<String> provisionState,
        Optional<Boolean> maintenance,
        Optional<Boolean> associated,
        Optional<String> driver,
        SortKey sortKey,
        boolean descending,
        Optional<UUID> marker,
        int limit) {

    /** Sortable columns; the SQL expression never sorts NULLs unpredictably, so keyset paging is exact. */
    public enum SortKey {
        UUID("uuid"),
        NAME("coalesce(name, '')"),
        CREATED_AT("created_at"),
        UPDATED_AT("coalesce(updated_at, '-infinity'::timestamptz)"),
        PROVISION_STATE("provision_state"),
        POWER_STATE("coalesce(power_state, '')"),
        DRIVER("driver"),
        RESOURCE_CLASS("coalesce(resource_class, '')"),
        OWNER("coalesce(owner, '')"),
        LESSEE("coalesce(lessee, '')");

        final String sql;

        SortKey(String sql) {
            this.sql = sql;
        }
    }
}
