package org.esi.http;

import java.sql.SQLException;
import org.jdbi.v3.core.statement.StatementException;

/**
 * Exceptions as they may be logged. JDBI puts every bound argument into its messages, and those
 * arguments can be password hashes or sealed secrets, so the log gets the database's own message
 * and the stack, never the arguments.
 */
public final class SafeLog {
    private SafeLog() {}

    public static Throwable redacted(Throwable e) {
        if (!(e instanceof StatementException)) {
            return e;
        }
        String reason = "statement failed";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                reason = "SQL state " + sql.getSQLState() + ": " + firstLine(sql.getMessage());
                break;
            }
        }
        RuntimeException safe = new RuntimeException(e.getClass().getSimpleName() + " (arguments withheld): " + reason);
        safe.setStackTrace(e.getStackTrace());
        return safe;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
