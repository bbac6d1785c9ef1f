package org.esi.persistence;

/**
 * The connection broke after COMMIT was sent: PostgreSQL may or may not have made the transaction
 * durable, and nobody can tell from here. Callers must not say "nothing was changed".
 */
public final class CommitOutcomeUnknownException extends RuntimeException {
    public CommitOutcomeUnknownException(Throwable cause) {
        super("the database connection failed during commit", cause);
    }
}
