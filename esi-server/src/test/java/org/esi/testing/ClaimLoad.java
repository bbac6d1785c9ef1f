package org.esi.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Claims sent without pause from several threads, each with a unique name and its own one-hour window
 * so that none conflicts with another: every answer is about the database, never about the offer.
 * Outage tests and the restart benchmark read what each claim was answered.
 */
public final class ClaimLoad implements AutoCloseable {
    /** One claim and its answer; {@code status} 0 means the HTTP exchange itself failed. */
    public record Answer(String name, int status, String retryAfter, String message, Instant at) {
        public boolean outcomeUnknown() {
            return message.contains("may or may not");
        }
    }

    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger sequence = new AtomicInteger();
    private final ExecutorService threads;

    public ClaimLoad(TestClient http, String token, String offer, int threadCount) {
        Instant base = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
        threads = Executors.newFixedThreadPool(threadCount);
        for (int t = 0; t < threadCount; t++) {
            threads.submit(() -> {
                while (running.get()) {
                    int n = sequence.incrementAndGet();
                    Instant start = base.plus(Duration.ofHours(n));
                    String name = "load-claim-" + n;
                    answers.add(send(http, token, offer, name, start));
                }
            });
        }
    }

    private static Answer send(TestClient http, String token, String offer, String name, Instant start) {
        try {
            TestClient.Response r = http.post("/lease/v1/offers/" + offer + "/claim", token,
                    Map.of("name", name, "start_time", start.toString(), "end_time", start.plus(Duration.ofHours(1)).toString()));
            String message = r.status() == 201 ? "" : r.json().path("faultstring").asText("");
            return new Answer(name, r.status(), r.header("Retry-After"), message, Instant.now());
        } catch (RuntimeException e) {
            return new Answer(name, 0, null, String.valueOf(e.getMessage()), Instant.now());
        }
    }

    public List<Answer> answers() {
        return List.copyOf(answers);
    }

    public long succeededAfter(Instant t) {
        return answers.stream().filter(a -> a.status() == 201 && a.at().isAfter(t)).count();
    }

    /** Polls (bounded by {@code limit}) until {@code count} claims answered after {@code t} succeeded. */
    public boolean awaitSuccesses(Instant t, long count, Duration limit) throws InterruptedException {
        for (long waited = 0; waited < limit.toMillis(); waited += 50) {
            if (succeededAfter(t) >= count) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        threads.shutdown();
        threads.awaitTermination(60, TimeUnit.SECONDS);
    }
}
