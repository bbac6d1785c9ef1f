package org.esi.persistence;

import java.sql.SQLException;
import java.util.Optional;

/** Recognises the PostgreSQL errors that mean "the caller asked for something that conflicts". */
public final class SqlErrors {
    private SqlErrors() {}

    public static boolean isUniqueViolation(Throwable e) {
        return "23505".equals(sqlState(e).orElse(null));
    }

    public static boolean isForeignKeyViolation(Throwable e) {
        return "23503".equals(sqlState(e).orElse(null));
    }

    /** An exclusion constraint said no: two rows claim overlapping time on one resource. */
    public static boolean isExclusionViolation(Throwable e) {
        return "23P01".equals(sqlState(e).orElse(null));
    }

    public static boolean isSerializationFailure(Throwable e) {
        String s = sqlState(e).orElse("");
        return s.equals("40001") || s.equals("40P01");
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
