package org.esi.persistence;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.ConnectionException;
import org.postgresql.util.PSQLException;

/**
 * Recognises the PostgreSQL errors that mean "the caller asked for something that conflicts", and those
 * that mean "the database cannot serve right now" (a 503 to retry, not a bug).
 */
public final class SqlErrors {
    private SqlErrors() {}

    public static boolean isUniqueViolation(Throwable e) {
        return "23505".equals(sqlState(e).orElse(null));
    }

    /** A unique key said no, and it was the one named {@code constraint} (when a statement can break several). */
    public static boolean isUniqueViolationOf(Throwable e, String constraint) {
        if (!isUniqueViolation(e)) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
                return constraint.equals(p.getServerErrorMessage().getConstraint());
            }
        }
        return false;
    }

    public static boolean isForeignKeyViolation(Throwable e) {
        return "23503".equals(sqlState(e).orElse(null));
    }

    /** An exclusion constraint said no: two rows claim overlapping time on one resource. */
    public static boolean isExclusionViolation(Throwable e) {
        return "23P01".equals(sqlState(e).orElse(null));
    }

    /**
     * A text longer than its column's limit: the check constraint is named {@code <column>_max_<n>}.
     * Gives the column and the limit, empty for every other error.
     */
    public static Optional<TextLimit> textLimit(Throwable e) {
        if (!"23514".equals(sqlState(e).orElse(null))) {
            return Optional.empty();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PSQLException p && p.getServerErrorMessage() != null) {
                String constraint = p.getServerErrorMessage().getConstraint();
                Matcher m = constraint == null ? null : TEXT_LIMIT.matcher(constraint);
                if (m != null && m.matches()) {
                    return Optional.of(new TextLimit(m.group(1), Integer.parseInt(m.group(2))));
                }
            }
        }
        return Optional.empty();
    }

    public record TextLimit(String column, int maxLength) {}

    private static final Pattern TEXT_LIMIT = Pattern.compile("([a-z_]+)_max_(\\d{1,6})");

    public static boolean isSerializationFailure(Throwable e) {
        String s = sqlState(e).orElse("");
        return s.equals("40001") || s.equals("40P01");
    }

    /**
     * Why the database could not serve, when that is what went wrong: a wait that hit its bound or a
     * connection that is gone. Empty for everything else (a bug or a conflict, handled elsewhere).
     */
    public static Optional<String> unavailableReason(Throwable e) {
        if (has(e, SQLTransientConnectionException.class) || has(e, ConnectionException.class)) {
            return Optional.of("no database connection could be had in time");
        }
        String state = sqlState(e).orElse("");
        if (state.equals("55P03")) {
            return Optional.of("the data it needs is locked by another request or service instance");
        }
        if (state.equals("57014")) {
            return Optional.of("the database did not answer in time");
        }
        if (state.equals("53300")) {
            return Optional.of("the database has no free connections");
        }
        if (isConnectionLoss(e)) {
            return Optional.of("the database connection was lost");
        }
        return Optional.empty();
    }

    /**
     * The session is gone: a connection failure (08*), the server shutting down or starting (57P01..57P03),
     * our own idle-in-transaction session ended by the server (25P03), or a broken socket with no state.
     */
    public static boolean isConnectionLoss(Throwable e) {
        Optional<String> state = sqlState(e);
        if (state.isPresent()) {
            String s = state.get();
            return s.startsWith("08") || s.equals("57P01") || s.equals("57P02") || s.equals("57P03") || s.equals("25P03");
        }
        return has(e, java.io.IOException.class);
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    public static Optional<String> sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return Optional.of(sql.getSQLState());
            }
        }
        return Optional.empty();
    }
}
