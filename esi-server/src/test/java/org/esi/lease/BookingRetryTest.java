package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

/** How a booking transaction's database failures reach the caller: retried, a conflict, or a clear 503 — never a 500. */
class BookingRetryTest {
    private static UnableToExecuteStatementException failure(String sqlState) {
        return new UnableToExecuteStatementException(new SQLException("from the database", sqlState), null);
    }

    /** A transaction that always fails with {@code sqlState}: what the caller gets, and how often it ran. */
    private record Outcome(Throwable thrown, int attempts) {}

    private static Outcome alwaysFailing(String sqlState) {
        AtomicInteger calls = new AtomicInteger();
        Throwable thrown = catchThrowable(() -> LeaseService.write(() -> {
            calls.incrementAndGet();
            throw failure(sqlState);
        }));
        return new Outcome(thrown, calls.get());
    }

    @Test
    void aDeadlockVictimIsRunAgainAndSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        String result = LeaseService.write(() -> {
            if (calls.incrementAndGet() < 3) {
                throw failure("40P01");
            }
            return "booked";
        });
        assertThat(result).isEqualTo("booked");
        assertThat(calls).hasValue(3);
    }

    @Test
    void collisionsThatNeverStopAreA503SayingNothingChanged() {
        Outcome o = alwaysFailing("40001");
        assertThat(o.attempts()).isEqualTo(LeaseService.WRITE_ATTEMPTS);
        assertThat(o.thrown()).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("nothing was changed");
        });
    }

    @Test
    void anOverlapIsAConflictAtOnce() {
        Outcome o = alwaysFailing("23P01");
        assertThat(o.attempts()).isEqualTo(1);
        assertThat(o.thrown()).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
    }

    @Test
    void anyOtherDatabaseFaultIsNotRetried() {
        Outcome o = alwaysFailing("XX000");
        assertThat(o.attempts()).isEqualTo(1);
        assertThat(o.thrown()).isInstanceOf(UnableToExecuteStatementException.class);
    }
}
