package org.esi.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;

/**
 * What the router tells the audit trail about each request it routes (implemented in {@code org.esi.audit}): it
 * begins before the token check, learns the caller once known, and ends once the answer's status is final.
 */
public interface RequestAudit {
    RequestAudit NONE = (ctx, method, route) -> Scope.NONE;

    Scope begin(Context ctx, HandlerType method, String route);

    /** One request's part in the trail. */
    interface Scope {
        Scope NONE = new Scope() {
            @Override
            public void authenticated(Caller caller) {
            }

            @Override
            public void handlerDone() {
            }

            @Override
            public void answered(Context ctx) {
            }
        };

        void authenticated(Caller caller);

        /** The handler returned or threw on this thread; transactions it commits from now on are not this request's. */
        void handlerDone();

        /** The status is final (after error mapping); must not throw. */
        void answered(Context ctx);
    }
}
