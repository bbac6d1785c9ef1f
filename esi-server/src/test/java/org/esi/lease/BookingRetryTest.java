package org.esi.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> LeaseService.write(() -> {
            calls.incrementAndGet();
            throw failure("40001");
        })).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("nothing was changed");
        });
        assertThat(calls).hasValue(LeaseService.WRITE_ATTEMPTS);
    }

    @Test
    void anOverlapIsAConflictAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> LeaseService.write(() -> {
            calls.incrementAndGet();
            throw failure("23P01");
        })).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThat(calls).hasValue(1);
    }

    @Test
    void anyOtherDatabaseFaultIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> LeaseService.write(() -> {
            calls.incrementAndGet();
            throw failure("XX000");
        })).isInstanceOf(UnableToExecuteStatementException.class);
        assertThat(calls).hasValue(1);
    }
}
