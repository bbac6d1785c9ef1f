package org.esi.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What one audit record says, before it has a place in the chain. Never a body: the target and the outcome
 * stand for what was asked, so no password, token or BMC credential can reach the trail.
 *
 * @param method  HTTP method, or {@code SYSTEM} for work the service did by itself (lease expiry)
 * @param route   the route template ({@code /lease/v1/offers/{offer_uuid}/claim}), never the concrete path
 * @param status  the HTTP status answered; null when the service did it by itself or the answer was never known
 * @param outcome success, denied (403), failed (any other error) or unknown (the instance died before answering)
 */
public record AuditEntry(Instant recordedAt, String userId, String userName, String projectId, List<String> roles,
                         String method, String route, String targetType, String targetId, Integer status,
                         String outcome, String requestId, String sourceAddress) {
    public static final String SYSTEM_USER = "esi-system";

    public AuditEntry {
        // The database keeps microseconds; hashing what it will give back keeps verification exact.
        recordedAt = recordedAt.truncatedTo(ChronoUnit.MICROS);
        roles = roles == null ? List.of() : roles.stream().sorted().toList();
    }

    /** The outcome word for an answered request. */
    public static String outcomeOf(int status) {
        if (status == 403) {
            return "denied";
        }
        return status < 400 ? "success" : "failed";
    }

    public AuditEntry answered(int answeredStatus) {
        return new AuditEntry(recordedAt, userId, userName, projectId, roles, method, route, targetType, targetId,
                answeredStatus, outcomeOf(answeredStatus), requestId, sourceAddress);
    }

    public AuditEntry unanswered() {
        return new AuditEntry(recordedAt, userId, userName, projectId, roles, method, route, targetType, targetId,
                null, "unknown", requestId, sourceAddress);
    }

    /** A record of work the service did with no request behind it. */
    public static AuditEntry system(Instant at, String action, String targetType, String targetId, String requestId) {
        return new AuditEntry(at, SYSTEM_USER, SYSTEM_USER, null, List.of(), "SYSTEM", action, targetType, targetId, null,
                "success", requestId, null);
    }
}
