package org.esi.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.esi.crypto.SecretBox;
import org.esi.event.Event;
import org.esi.event.EventListener;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Design notes. Turning events into deliveries and sending them are two steps joined by a durable
 * outbox. Step one reads the event log after a cursor kept in one database row, locked while it is
 * advanced, so every event is considered exactly once across instances and nothing is lost when an
 * instance dies between recording an event and notifying about it; the "ending soon" scan flips a
 * per-lease flag in the same transaction that enqueues. Step two claims due deliveries with SKIP
 * LOCKED, posts them with a bounded timeout on virtual threads behind a semaphore, and reschedules
 * failures with exponential back-off and jitter. Nothing here runs on a lease's path: a slow or dead
 * hook delays only its own deliveries.
 */
public final class Notifier implements EventListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    static final int MAX_ATTEMPTS = 10;
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
    static final Duration SCAN_EVERY = Duration.ofSeconds(5);

    private final WebhookStore store;
    private final SecretBox secrets;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration endingSoon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight = new Semaphore(32);
    private final Object monitor = new Object();
    private volatile boolean running = true;
    private volatile boolean woken;
    private final Thread loop = new Thread(this::run, "esi-notifier");

    public Notifier(WebhookStore store, SecretBox secrets, ObjectMapper json, Clock clock, Duration endingSoon) {
        this.store = store;
        this.secrets = secrets;
        this.json = json;
        this.clock = clock;
        this.endingSoon = endingSoon;
        loop.setDaemon(true);
    }

    public void start() {
        loop.start();
    }

    @Override
    public void committed(Event event) {
        wake();
    }

    public void wake() {
        synchronized (monitor) {
            woken = true;
            monitor.notifyAll();
        }
    }

    private void run() {
        while (running) {
            try {
                translateEvents();
                scanEndingSoon();
                send();
                long sleep = SCAN_EVERY.toMillis();
                Optional<Instant> next = store.nextDue(MAX_ATTEMPTS);
                if (next.isPresent()) {
                    sleep = Math.max(10, Math.min(sleep, Duration.between(clock.instant(), next.get()).toMillis()));
                }
                synchronized (monitor) {
                    if (!woken) {
                        monitor.wait(sleep);
                    }
                    woken = false;
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                log.error("Notifier loop failed; continuing", t);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Advances the cursor over new events, enqueueing a delivery per interested hook. */
    void translateEvents() {
        store.jdbi().useTransaction(h -> {
            long cursor = h.createQuery("select last_event_id from notify_cursor where id = 1 for update").mapTo(Long.class).one();
            var rows = h.createQuery("""
                            select e.id, e.event_type, e.event_time, e.object_uuid, l.uuid as lease_uuid, l.project_id, l.owner_id,
                                   l.resource_uuid, l.start_time, l.end_time, l.status, l.offer_uuid
                            from event e left join lease l on e.object_type = 'lease' and l.uuid = e.object_uuid
                            where e.id > :cursor order by e.id limit 500""")
                    .bind("cursor", cursor).mapToMap().list();
            long last = cursor;
            for (Map<String, Object> r : rows) {
                last = ((Number) r.get("id")).longValue();
                String type = (String) r.get("event_type");
                if (r.get("lease_uuid") == null) {
                    continue;
                }
                switch (type) {
                    case "esi_leap.lease.create" -> {
                        notify(h, "lease.created", r, List.of((String) r.get("project_id"), (String) r.get("owner_id")));
                        if (r.get("offer_uuid") != null) {
                            notify(h, "offer.claimed", r, List.of((String) r.get("owner_id")));
                        }
                    }
                    case "esi_leap.lease.fulfill.end" -> notify(h, "lease.started", r, List.of((String) r.get("project_id"), (String) r.get("owner_id")));
                    case "esi_leap.lease.delete.end" -> notify(h, "lease.ended", r, List.of((String) r.get("project_id"), (String) r.get("owner_id")));
                    default -> { }
                }
            }
            if (last != cursor) {
                h.createUpdate("update notify_cursor set last_event_id = :l where id = 1").bind("l", last).execute();
            }
        });
    }

    /** Active leases whose end is near, each notified once (the flag flips with the enqueue). */
    void scanEndingSoon() {
        Instant now = clock.instant();
        store.jdbi().useTransaction(h -> {
            var rows = h.createQuery("""
                            select null::bigint as id, null::text as event_type, :now as event_time, uuid as object_uuid, uuid as lease_uuid,
                                   project_id, owner_id, resource_uuid, start_time, end_time, status, offer_uuid
                            from lease where status = 'active' and not ending_notified and end_time <= :soon
                            for update skip locked limit 500""")
                    .bind("now", Columns.utc(now)).bind("soon", Columns.utc(now.plus(endingSoon))).mapToMap().list();
            for (Map<String, Object> r : rows) {
                notify(h, "lease.ending_soon", r, List.of((String) r.get("project_id"), (String) r.get("owner_id")));
                h.createUpdate("update lease set ending_notified = true where uuid = :u").bind("u", r.get("lease_uuid")).execute();
            }
        });
    }

    private void notify(Handle h, String type, Map<String, Object> r, List<String> projects) {
        List<String> distinct = projects.stream().filter(p -> p != null).distinct().toList();
        List<Webhook> hooks = store.hooksOf(h, distinct);
        if (hooks.isEmpty()) {
            return;
        }
        ObjectNode payload = json.createObjectNode();
        payload.put("event", type);
        if (r.get("id") != null) {
            payload.put("event_id", ((Number) r.get("id")).longValue());
        }
        payload.put("time", time(r.get("event_time")));
        ObjectNode lease = payload.putObject("lease");
        lease.put("uuid", r.get("lease_uuid").toString());
        lease.put("project_id", (String) r.get("project_id"));
        lease.put("owner_id", (String) r.get("owner_id"));
        lease.put("resource_uuid", r.get("resource_uuid").toString());
        lease.put("start_time", time(r.get("start_time")));
        lease.put("end_time", time(r.get("end_time")));
        lease.put("status", (String) r.get("status"));
        if (r.get("offer_uuid") != null) {
            lease.put("offer_uuid", r.get("offer_uuid").toString());
        }
        String body = payload.toString();
        Instant now = clock.instant();
        for (Webhook w : hooks) {
            store.enqueue(h, w.id(), type, body, now);
        }
    }

    private static String time(Object t) {
        if (t == null) {
            return null;
        }
        if (t instanceof java.sql.Timestamp ts) {
            return ts.toInstant().toString();
        }
        if (t instanceof java.time.OffsetDateTime o) {
            return o.toInstant().toString();
        }
        return t.toString();
    }

    /** Sends what is due; each send runs on its own virtual thread, at most 32 at once. */
    void send() throws InterruptedException {
        for (WebhookStore.Delivery d : store.claimDue(clock.instant(), 100, MAX_ATTEMPTS)) {
            inFlight.acquire();
            senders.submit(() -> {
                try {
                    deliver(d);
                } finally {
                    inFlight.release();
                }
            });
        }
    }

    private void deliver(WebhookStore.Delivery d) {
        String error;
        try {
            byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
            HttpRequest req = HttpRequest.newBuilder(URI.create(d.url())).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "esi-webhooks")
                    .header("X-ESI-Event", d.eventType())
                    .header("X-ESI-Delivery", Long.toString(d.id()))
                    .header("X-ESI-Signature", "sha256=" + sign(secrets.open(d.secret()), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (resp.statusCode() / 100 == 2) {
                store.delivered(d.id(), clock.instant());
                return;
            }
            error = "HTTP " + resp.statusCode();
        } catch (java.io.IOException | IllegalArgumentException e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        int attempts = d.attempts() + 1;
        store.failed(d.id(), clock.instant().plus(backoff(attempts)), error.length() > 300 ? error.substring(0, 300) : error);
        if (attempts >= MAX_ATTEMPTS) {
            log.warn("Webhook {} gave up on delivery {} after {} attempts: {}", d.webhookId(), d.id(), attempts, error);
        }
        wake();
    }

    static Duration backoff(int attempts) {
        long base = Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(attempts, 20));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    /** Hex HMAC-SHA256 of the body under the hook's secret, as receivers verify it. */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
        senders.shutdownNow();
    }
}
