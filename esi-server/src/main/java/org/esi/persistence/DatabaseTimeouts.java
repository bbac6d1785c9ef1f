package org.esi.persistence;

import java.time.Duration;

/**
 * How long one instance's work may wait on the database before it gives up, so a stuck peer or a
 * restarting server costs a request a bounded wait and a 503 instead of a hung thread and a drained pool.
 *
 * @param poolWait          longest wait for a free pooled connection
 * @param lockWait          PostgreSQL {@code lock_timeout}: longest wait for a row or advisory lock
 * @param statement         PostgreSQL {@code statement_timeout}: longest single statement
 * @param idleInTransaction PostgreSQL {@code idle_in_transaction_session_timeout}: a session of ours that
 *                          sits inside a transaction this long (its instance is stopped or hung) is ended
 *                          by the server, which frees the rows it holds
 */
public record DatabaseTimeouts(Duration poolWait, Duration lockWait, Duration statement, Duration idleInTransaction) {
    public static final DatabaseTimeouts DEFAULTS = new DatabaseTimeouts(
            Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30));

    /** Session settings run on every new pooled connection; the values are numbers, never caller text. */
    String sessionSql() {
        return "set time zone 'UTC'; "
                + "set lock_timeout = " + lockWait.toMillis() + "; "
                + "set statement_timeout = " + statement.toMillis() + "; "
                + "set idle_in_transaction_session_timeout = " + idleInTransaction.toMillis();
    }
}
