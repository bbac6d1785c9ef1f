package org.esi.audit;

import io.javalin.http.Context;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The request being audited on this thread, for code below the router that knows something the router cannot:
 * who a login is for. Also the one place the trail takes its request id from.
 */
public final class AuditContext {
    private static final Pattern REQUEST_ID = Pattern.compile(
            "req-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final String ATTRIBUTE = "esi.request_id";
    static final ThreadLocal<RequestAuditor.RequestScope> CURRENT = new ThreadLocal<>();

    private AuditContext() {
    }

    /**
     * The request's id: the caller's {@code X-OpenStack-Request-Id} when it is {@code req-<uuid>}, else a new one;
     * the same for every ask within one request. (To be re-pointed at {@code org.esi.http.RequestId} once the
     * request-id work lands, so log lines, answers and the trail share one id.)
     */
    public static String requestId(Context ctx) {
        String known = ctx.attribute(ATTRIBUTE);
        if (known != null) {
            return known;
        }
        String given = ctx.header("X-OpenStack-Request-Id");
        String id = given != null && REQUEST_ID.matcher(given).matches() ? given.toLowerCase() : newRequestId();
        ctx.attribute(ATTRIBUTE, id);
        return id;
    }

    static String newRequestId() {
        return "req-" + UUID.randomUUID();
    }

    /**
     * The login being handled on this thread is for this user (a failed one too): a login request has no token, so
     * only the authenticator knows. A name that matches no user is never recorded, since a mistyped password
     * often lands in the user name field.
     */
    public static void loginFor(String userId, String userName, String projectId, Collection<String> roles) {
        RequestAuditor.RequestScope scope = CURRENT.get();
        if (scope != null) {
            scope.subject(userId, userName, projectId, roles == null ? List.of() : List.copyOf(roles));
        }
    }
}
