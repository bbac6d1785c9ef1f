package org.esi.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.http.Caller;
import org.esi.http.RequestAudit;
import org.esi.persistence.BeforeCommit;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every state-changing request (POST, PUT, PATCH, DELETE) and every policy denial, whatever its method.
 *
 * <p>Where a request's change is a transaction, its record is written inside that transaction, at its commit (see
 * {@link BeforeCommit}), as a pending record; once the answer's status is known the request seals it into the
 * chain in a short transaction of its own. A change therefore never commits without its record, and the chain's
 * lock is never held across a change. A change made by a single autocommitted statement, and a request that
 * changed nothing (refused, failed), gets its record only at that seal, right after the answer.
 */
public final class RequestAuditor implements RequestAudit {
    private static final Logger log = LoggerFactory.getLogger(RequestAuditor.class);
    private static final Pattern PARAM = Pattern.compile("\\{([^}/]+)}");
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Agent callbacks that mostly report "still here": recorded only when they changed something or failed, or a
     * fleet's heartbeats would bury everything else.
     */
    static final java.util.Set<String> RECORDED_WHEN_CHANGED = java.util.Set.of("/baremetal/v1/heartbeat/{node}",
            "/baremetal/v1/continue_inspection");

    private final AuditStore store;
    private final Clock clock;

    public RequestAuditor(AuditStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    static boolean changing(HandlerType method) {
        return method == HandlerType.POST || method == HandlerType.PUT || method == HandlerType.PATCH
                || method == HandlerType.DELETE;
    }

    @Override
    public Scope begin(Context ctx, HandlerType method, String route) {
        RequestScope scope = new RequestScope(ctx, method, route);
        AuditContext.CURRENT.set(scope);
        if (scope.changing) {
            BeforeCommit.set(scope::beforeCommit, scope::autocommitted);
        }
        return scope;
    }

    /** One request: what the trail knows of it so far. Used by the request's thread only. */
    final class RequestScope implements Scope {
        private final Context ctx;
        private final boolean changing;
        private final String method;
        private final String route;
        private final String requestId;
        private final String source;
        private final Instant started;
        private String userId;
        private String userName;
        private String projectId;
        private List<String> roles = List.of();
        private String targetType;
        private String targetId;
        /** The pending record a committed transaction of this request holds, once one has committed. */
        private UUID pending;
        private boolean writing;
        /** A write committed outside any transaction during this request. */
        private boolean autocommittedWrite;

        RequestScope(Context ctx, HandlerType method, String route) {
            this.ctx = ctx;
            this.changing = changing(method);
            this.method = method.name();
            this.route = route;
            this.requestId = AuditContext.requestId(ctx);
            this.source = ctx.ip();
            this.started = clock.instant();
            // The object is the one the route's last path parameter names, typed by the collection before it.
            Matcher m = PARAM.matcher(route);
            String last = null;
            int at = -1;
            while (m.find()) {
                last = m.group(1);
                at = m.start();
            }
            if (last != null) {
                String before = route.substring(0, at - 1);
                targetType = before.substring(before.lastIndexOf('/') + 1);
                try {
                    targetId = ctx.pathParam(last);
                } catch (RuntimeException e) {
                    targetId = null;
                }
            } else {
                targetType = route.substring(route.lastIndexOf('/') + 1);
            }
        }

        void subject(String id, String name, String project, List<String> roleNames) {
            userId = id;
            userName = name;
            projectId = project;
            roles = roleNames;
        }

        @Override
        public void authenticated(Caller caller) {
            subject(caller.userId(), caller.userName(), caller.projectId(), List.copyOf(caller.roles()));
        }

        AuditEntry entry() {
            return new AuditEntry(started, userId, userName, projectId, roles, method, route, targetType, targetId, null,
                    "unknown", requestId, source);
        }

        void beforeCommit(Handle h) {
            if (pending != null || writing) {
                return;
            }
            UUID candidate = UUID.randomUUID();
            writing = true;
            try {
                store.pending(h, candidate, entry());
            } finally {
                writing = false;
            }
            // Only a commit that went through holds the record; a refused commit leaves it to the next one.
            h.afterCommit(() -> pending = candidate);
        }

        void autocommitted() {
            autocommittedWrite = true;
        }

        @Override
        public void handlerDone() {
            BeforeCommit.clear();
            AuditContext.CURRENT.remove();
        }

        @Override
        public void answered(Context ctx) {
            int status = ctx.statusCode();
            if (!changing && status != 403) {
                return;
            }
            if (RECORDED_WHEN_CHANGED.contains(route) && status < 400 && pending == null && !autocommittedWrite) {
                return;
            }
            try {
                if (targetId == null && status < 300) {
                    targetId = createdId(ctx).orElse(null);
                }
                store.seal(Optional.ofNullable(pending), entry().answered(status));
            } catch (RuntimeException e) {
                // The answer is out; failing it now would only hide the change. The pending record, if any, stays
                // and is sealed by the audit loop.
                log.error("Could not record request {} {} ({}) in the audit trail: {}", method, route, requestId, e.toString());
            }
        }

        /** The id of what a create returned: {@code uuid} or {@code id} at the top or in the one object at the top. */
        private static Optional<String> createdId(Context ctx) {
            try {
                String body = ctx.result();
                if (body == null || !body.startsWith("{")) {
                    return Optional.empty();
                }
                JsonNode n = JSON.readTree(body);
                if (!n.has("uuid") && !n.has("id") && n.size() == 1 && n.elements().next().isObject()) {
                    n = n.elements().next();
                }
                JsonNode id = n.has("uuid") ? n.get("uuid") : n.get("id");
                return id != null && id.isTextual() ? Optional.of(id.textValue()) : Optional.empty();
            } catch (java.io.IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
