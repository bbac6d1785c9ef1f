package org.esi.http;

import java.util.Optional;
import org.esi.persistence.CommitOutcomeUnknownException;
import org.esi.persistence.SqlErrors;

/**
 * Turns "the database cannot serve right now" into the 503 a client can act on: whether anything
 * changed, and when to try again. Anything else stays a bug for the generic 500 path.
 */
final class DatabaseOutage {
    /** Seconds a client should wait: long enough for a fast restart or a freed lock, short enough not to annoy. */
    static final String RETRY_AFTER_SECONDS = "2";

    private DatabaseOutage() {}

    static Optional<ApiException> asApiError(Throwable e) {
        if (hasCommitOutcomeUnknown(e)) {
            return Optional.of(new ApiException(ErrorKind.UNAVAILABLE, "The database connection broke while the change was "
                    + "being committed, so it may or may not have been saved. Retry with the same Idempotency-Key, "
                    + "or look the object up before trying again."));
        }
        return SqlErrors.unavailableReason(e).map(reason -> new ApiException(ErrorKind.UNAVAILABLE,
                "The database cannot serve this request right now (" + reason + "); nothing was changed. Try again shortly."));
    }

    private static boolean hasCommitOutcomeUnknown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CommitOutcomeUnknownException) {
                return true;
            }
        }
        return false;
    }
}
