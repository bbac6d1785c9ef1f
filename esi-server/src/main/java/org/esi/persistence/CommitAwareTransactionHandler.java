package org.esi.persistence;

import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.transaction.TransactionHandler;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Tells a failed commit apart from a failure before it. Everything up to COMMIT is rolled back when the
 * connection dies, but a connection that dies during COMMIT leaves the outcome unknown; JDBI reports both
 * the same way, so the commit step is wrapped here and such failures become {@link CommitOutcomeUnknownException}.
 * A commit that the server itself refused (e.g. a deferred constraint) is a definite rollback and passes unchanged.
 */
final class CommitAwareTransactionHandler implements TransactionHandler {
    private final TransactionHandler delegate;

    CommitAwareTransactionHandler(TransactionHandler delegate) {
        this.delegate = delegate;
    }

    @Override
    public void commit(Handle handle) {
        // Inside the transaction still: a failure here rolls the change back rather than committing it unrecorded.
        BeforeCommit.run(handle);
        try {
            delegate.commit(handle);
        } catch (RuntimeException e) {
            if (SqlErrors.isConnectionLoss(e)) {
                throw new CommitOutcomeUnknownException(e);
            }
            throw e;
        }
    }

    // JDBI binds a handler to each handle; the bound one must be wrapped too, or its commit escapes us.
    @Override
    public TransactionHandler specialize(Handle handle) throws SQLException {
        return new CommitAwareTransactionHandler(delegate.specialize(handle));
    }

    @Override
    public void begin(Handle handle) {
        delegate.begin(handle);
    }

    @Override
    public void rollback(Handle handle) {
        delegate.rollback(handle);
    }

    @Override
    public boolean isInTransaction(Handle handle) {
        return delegate.isInTransaction(handle);
    }

    @Override
    public void savepoint(Handle handle, String name) {
        delegate.savepoint(handle, name);
    }

    @Override
    public void rollbackToSavepoint(Handle handle, String name) {
        delegate.rollbackToSavepoint(handle, name);
    }

    @Override
    public void releaseSavepoint(Handle handle, String name) {
        delegate.releaseSavepoint(handle, name);
    }

    @Override
    public <R, X extends Exception> R inTransaction(Handle handle, HandleCallback<R, X> callback) throws X {
        return delegate.inTransaction(handle, callback);
    }

    @Override
    public <R, X extends Exception> R inTransaction(Handle handle, TransactionIsolationLevel level, HandleCallback<R, X> callback)
            throws X {
        return delegate.inTransaction(handle, level, callback);
    }
}
