package org.esi.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.esi.testing.MutableClock;
import org.esi.testing.RawHttp;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Failed logins are throttled per (user, client address) with one count in the database: a stranger who
 * guesses the admin's password from one address cannot lock the admin out of another, and spreading the
 * guesses over two instances does not double the allowance. Other loopback addresses stand in for other
 * clients.
 */
class LoginThrottleTest {
    private static final MutableClock clock = new MutableClock();
    private static TestingEsiServer a;
    private static TestingEsiServer b;

    @BeforeAll
    static void start() {
        a = TestingEsiServer.start(Map.of(), clock);
        b = TestingEsiServer.sharing(a, clock);
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    private static String body(String user, String password) {
        return "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"" + user
                + "\",\"password\":\"" + password + "\"}}},\"scope\":{\"project\":{\"name\":\"admin\"}}}}";
    }

    private static RawHttp.Answer login(TestingEsiServer via, String from, String user, String password) throws IOException {
        return RawHttp.sendFrom(from, via.url(), "POST", "/identity/v3/auth/tokens", null, body(user, password));
    }

    @Test
    void aStrangerGuessingTheAdminPasswordDoesNotLockTheAdminOut() throws IOException {
        for (int i = 0; i < 10; i++) {
            assertThat(login(i % 2 == 0 ? a : b, "127.0.0.2", "admin", "guess-" + i).status()).isEqualTo(401);
        }
        RawHttp.Answer refused = login(a, "127.0.0.2", "admin", "guess-10");
        assertThat(refused.status()).isEqualTo(429);
        int retryAfter = Integer.parseInt(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1, 300);
        assertThat(refused.body()).contains("Too many failed logins");
        // The stranger's address stays refused on every instance, even with the right password.
        assertThat(login(b, "127.0.0.2", "admin", TestingEsiServer.ADMIN_PASSWORD).status()).isEqualTo(429);
        // The admin, logging in from elsewhere, is not.
        assertThat(login(a, "127.0.0.1", "admin", TestingEsiServer.ADMIN_PASSWORD).status()).isEqualTo(201);
        assertThat(login(b, "127.0.0.1", "admin", TestingEsiServer.ADMIN_PASSWORD).status()).isEqualTo(201);
    }

    @Test
    void oneCountAcrossInstancesAndTheWindowCloses() throws IOException {
        String project = a.createProject("throttle-shared", null);
        a.userToken("throttle-user", project, "member");
        for (int i = 0; i < 5; i++) {
            assertThat(login(a, "127.0.0.3", "throttle-user", "wrong-a-" + i).status()).isEqualTo(401);
            assertThat(login(b, "127.0.0.3", "throttle-user", "wrong-b-" + i).status()).isEqualTo(401);
        }
        // Ten failures in all, five on each instance: both refuse now.
        assertThat(login(a, "127.0.0.3", "throttle-user", "wrong-again").status()).isEqualTo(429);
        assertThat(login(b, "127.0.0.3", "throttle-user", "wrong-again").status()).isEqualTo(429);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        RawHttp.Answer ok = RawHttp.sendFrom("127.0.0.3", a.url(), "POST", "/identity/v3/auth/tokens", null,
                "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"throttle-user\","
                        + "\"password\":\"password-throttle-user\"}}},\"scope\":{\"project\":{\"id\":\"" + project + "\"}}}}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    }

    @Test
    void oneAddressSprayingManyUsersIsSlowedToo() throws IOException {
        for (int user = 0; user < 10; user++) {
            for (int i = 0; i < 3; i++) {
                assertThat(login(user % 2 == 0 ? a : b, "127.0.0.4", "sprayed-" + user, "x" + i).status()).isEqualTo(401);
            }
        }
        assertThat(login(a, "127.0.0.4", "sprayed-new", "x").status()).isEqualTo(429);
        assertThat(login(a, "127.0.0.5", "sprayed-new", "x").status()).isEqualTo(401);
    }
}
