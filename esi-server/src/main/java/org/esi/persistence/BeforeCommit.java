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
    private static final ThreadLocal<Runnable> AUTOCOMMITTED = new ThreadLocal<>();

    private BeforeCommit() {
    }

    public static void set(Consumer<Handle> hook) {
        CURRENT.set(hook);
    }

    /** Also told of each write the thread makes outside a transaction (it commits by itself, with no hook). */
    public static void set(Consumer<Handle> hook, Runnable autocommittedWrite) {
        CURRENT.set(hook);
        AUTOCOMMITTED.set(autocommittedWrite);
    }

    public static void clear() {
        CURRENT.remove();
        AUTOCOMMITTED.remove();
    }

    /** Installed on every statement (see {@link Database}): notes a write that committed as it ran. */
    static final class AutocommitWatch implements org.jdbi.v3.core.statement.StatementCustomizer {
        @Override
        public void afterExecution(java.sql.PreparedStatement stmt, org.jdbi.v3.core.statement.StatementContext ctx)
                throws java.sql.SQLException {
            Runnable listener = AUTOCOMMITTED.get();
            if (listener == null || !ctx.getConnection().getAutoCommit()) {
                return;
            }
            String sql = ctx.getRawSql().stripLeading().toLowerCase(java.util.Locale.ROOT);
            if (sql.startsWith("insert") || sql.startsWith("update") || sql.startsWith("delete") || sql.startsWith("with")) {
                listener.run();
            }
        }
    }

    static void run(Handle h) {
        Consumer<Handle> hook = CURRENT.get();
        if (hook != null) {
            hook.accept(h);
        }
    }
}
