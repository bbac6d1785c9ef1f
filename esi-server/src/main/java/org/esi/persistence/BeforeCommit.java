package org.esi.persistence;

import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;

/**
 * Work the current thread wants done inside every transaction it commits, just before COMMIT: the audit trail
 * writes a request's record into the transaction of the change the request made, without the services that
 * open those transactions knowing about it. Set per request by the HTTP layer and cleared when its handler ends.
 */
public final class BeforeCommit {
    private static final ThreadLocal<Consumer<Handle>> CURRENT = new ThreadLocal<>();

    private BeforeCommit() {
    }

    public static void set(Consumer<Handle> hook) {
        CURRENT.set(hook);
    }

    public static void clear() {
        CURRENT.remove();
    }

    static void run(Handle h) {
        Consumer<Handle> hook = CURRENT.get();
        if (hook != null) {
            hook.accept(h);
        }
    }
}
