package org.esi.audit;

import java.time.Clock;
import org.jdbi.v3.core.Handle;

/** Records work the service does by itself (no request behind it) as user {@code esi-system}, inside its transaction. */
@FunctionalInterface
public interface SystemAudit {
    SystemAudit NONE = (h, action, targetType, targetId) -> { };

    /** Call last in the transaction: the append holds the chain head until it commits. */
    void record(Handle h, String action, String targetType, String targetId);

    static SystemAudit into(AuditStore store, Clock clock) {
        return (h, action, targetType, targetId) ->
                store.append(h, AuditEntry.system(clock.instant(), action, targetType, targetId, AuditContext.newRequestId()));
    }
}
