package org.esi.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.esi.testing.ClaimLoad;
import org.esi.testing.LeasingSetup;
import org.esi.testing.OwnPostgres;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL restarts (fast shutdown: every session cut) while claims pour in. Its own PostgreSQL, so no
 * other test's database goes away.
 */
class DatabaseOutageTest {
    @Test
    void claimsDuringARestartAnswer503SayingWhetherAnythingChangedAndServiceRecovers() throws Exception {
        try (OwnPostgres own = new OwnPostgres();
             TestingEsiServer server = TestingEsiServer.start(own.serverSettings("1s"), Clock.systemUTC())) {
            EmbeddedPostgres pg = own.postgres();
            LeasingSetup setup = LeasingSetup.create(server, "outage");
            List<ClaimLoad.Answer> answers;
            Instant restarted;
            try (ClaimLoad load = new ClaimLoad(server.client(), setup.lesseeToken(), setup.offer(), 6)) {
                assertThat(load.awaitSuccesses(Instant.EPOCH, 20, Duration.ofSeconds(60))).as("claims before the restart").isTrue();
                pg.restartFast();
                restarted = Instant.now();
                assertThat(load.awaitSuccesses(restarted, 20, Duration.ofSeconds(60)))
                        .as("claims succeed again after the restart, without anyone restarting the service").isTrue();
                load.close();
                answers = load.answers();
            }

            assertThat(answers).as("no 500, and every answer is a success or a 503")
                    .allSatisfy(a -> assertThat(a.status()).as(a.toString()).isIn(201, 503));
            List<ClaimLoad.Answer> failed = answers.stream().filter(a -> a.status() == 503).toList();
            assertThat(failed).allSatisfy(a -> {
                assertThat(a.retryAfter()).as("Retry-After of " + a).isNotBlank();
                assertThat(a.message()).as(a.toString()).containsAnyOf("nothing was changed", "may or may not");
            });
            System.out.printf("outage: %d claims, %d answered 503 (%d outcome unknown)%n", answers.size(), failed.size(),
                    failed.stream().filter(ClaimLoad.Answer::outcomeUnknown).count());

            Set<String> stored = new HashSet<>();
            try (Connection c = pg.connect(EmbeddedPostgres.DEFAULT_DATABASE);
                 ResultSet rs = c.createStatement().executeQuery("select name from lease")) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            Map<String, ClaimLoad.Answer> byName = answers.stream().collect(Collectors.toMap(ClaimLoad.Answer::name, Function.identity()));
            assertThat(stored).as("every stored lease was answered 201 or 'may or may not have been saved' — no phantom")
                    .allSatisfy(name -> assertThat(byName.get(name)).as(name)
                            .matches(a -> a.status() == 201 || a.outcomeUnknown(), "201 or outcome unknown"));
            assertThat(answers.stream().filter(a -> a.status() == 201).map(ClaimLoad.Answer::name))
                    .as("every 201 was stored").allMatch(stored::contains);
        }
    }
}
