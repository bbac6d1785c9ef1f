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
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.esi.crypto.SecretBox;
import org.esi.event.Event;
import org.esi.event.EventListener;
import org.esi.http.SafeLog;
import org.esi.lease.LeaseTimes;
import org.esi.persistence.BackgroundLoop;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Design notes. Turning events into deliveries and sending them are two steps joined by a durable
 * outbox ({@code webhook_delivery}).
 *
 * <p>Step one reads the event log after a cursor kept in one database row, locked while it is
 * advanced, so every event is considered once across instances and nothing is lost when an instance
 * dies between recording an event and hearing about it (the {@link EventListener} call only wakes the
 * loop early). The cursor orders events by the id of the transaction that recorded them and only
 * passes transactions older than every transaction still running: event ids are taken before commit,
 * so a cursor on ids could step over a slow transaction's event that becomes visible later.
 *
 * <p>The "ending soon" scan flips {@code lease.ending_notified} in the same transaction that enqueues,
 * skipping rows another transaction holds; a partial index keeps it to the few rows it can match.
 *
 * <p>Step two claims due deliveries with SKIP LOCKED (marking them taken for a minute, so a second
 * instance does not send them at the same time), posts them on a bounded pool with a 5 s bound on the
 * whole exchange, and reschedules failures with exponential back-off and jitter until
 * {@link #MAX_ATTEMPTS}. Nothing here runs on a lease's path: a slow or dead hook only delays its own
 * deliveries. Secrets are opened only to sign, and never logged.
 */
public final class Notifier implements EventListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    static final int MAX_ATTEMPTS = 10;
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
    static final Duration SCAN_EVERY = Duration.ofSeconds(5);
    static final Duration CLAIM_FOR = Duration.ofSeconds(60);
    static final int SENDERS = 16;
    static final Duration PURGE_EVERY = Duration.ofHours(1);
    static final Duration KEEP_DELIVERED = Duration.ofDays(7);
    static final Duration KEEP_FAILED = Duration.ofDays(30);
    private static final int BATCH = 500;

    private final WebhookStore store;
    private final SecretBox secrets;
    private final ObjectMapper json;
    private final Clock clock;
    private final org.esi.persistence.OutageLog outages = new org.esi.persistence.OutageLog(log, "Webhook notifier", Clock.systemUTC());
    private final Duration endingSoon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ExecutorService senders = Executors.newFixedThreadPool(SENDERS, r -> {
        Thread t = new Thread(r, "esi-webhook-sender");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore slots = new Semaphore(SENDERS);
    private Instant lastPurge = Instant.EPOCH;
    private final BackgroundLoop loop = new BackgroundLoop("esi-notifier", "Webhook notifier", log, Clock.systemUTC(), this::round);

    public Notifier(WebhookStore store, SecretBox secrets, ObjectMapper json, Clock clock, Duration endingSoon) {
        this.store = store;
        this.secrets = secrets;
        this.json = json;
        this.clock = clock;
        this.endingSoon = endingSoon;
    }

    public void start() {
        loop.start();
    }

    /** An event committed: look at the log now rather than at the next scan. Never blocks the caller. */
    @Override
    public void committed(Event event) {
        wake();
    }

    public void wake() {
        loop.wake();
    }

    private Duration round() {
        boolean heldBack = translateEvents();
        scanEndingSoon();
        boolean more = send();
        purgeIfDue();
        long sleep = SCAN_EVERY.toMillis();
        Optional<Instant> next = store.nextDue(MAX_ATTEMPTS);
        if (next.isPresent()) {
            sleep = Math.min(sleep, Duration.between(clock.instant(), next.get()).toMillis());
        }
        Optional<Instant> end = store.nextLeaseEnd();
        if (end.isPresent()) {
            // A timer for the next "ending soon" rather than a poll; a lease started elsewhere is seen within SCAN_EVERY.
            sleep = Math.min(sleep, Duration.between(clock.instant(), end.get().minus(endingSoon)).toMillis());
        }
        if (heldBack || more) {
            sleep = Math.min(sleep, 200);
        }
        return Duration.ofMillis(Math.max(sleep, 10));
    }

    /**
     * Advances the cursor over newly committed events, enqueueing a delivery per interested hook.
     * Returns true when committed events wait behind a transaction still running (look again soon).
     */
    boolean translateEvents() {
        return store.jdbi().inTransaction(h -> {
            Optional<Map<String, Object>> cursor = h.createQuery(
                            "select last_xact::text as xact, last_id from notify_cursor where id = 1 for update skip locked")
                    .mapToMap().findOne();
            if (cursor.isEmpty()) {
                return false; // another instance is translating right now
            }
            String lastXact = (String) cursor.get().get("xact");
            long lastId = ((Number) cursor.get().get("last_id")).longValue();
            List<Map<String, Object>> rows = h.createQuery("""
                            select e.id, e.xact::text as xact, e.xact < s.xmin as settled, e.event_type, e.event_time,
                                   e.object_type, e.object_uuid, e.lessee_id, e.owner_id,
                                   l.uuid as l_uuid, l.project_id as l_project_id, l.owner_id as l_owner_id,
                                   l.resource_uuid as l_resource_uuid, l.start_time as l_start_time, l.end_time as l_end_time,
                                   l.status as l_status, l.offer_uuid as l_offer_uuid,
                                   o.uuid as o_uuid, o.project_id as o_project_id, o.lessee_id as o_lessee_id,
                                   o.resource_uuid as o_resource_uuid, o.start_time as o_start_time, o.end_time as o_end_time,
                                   o.status as o_status
                            from event e
                            cross join (select pg_snapshot_xmin(pg_current_snapshot()) as xmin) s
                            left join lease l on e.object_type = 'lease' and l.uuid = e.object_uuid
                            left join offer o on o.uuid = l.offer_uuid
                            where (e.xact, e.id) > (cast(:x as xid8), :id)
                            order by e.xact, e.id
                            limit :limit""")
                    .bind("x", lastXact).bind("id", lastId).bind("limit", BATCH).mapToMap().list();
            boolean heldBack = false;
            String newXact = lastXact;
            long newId = lastId;
            for (Map<String, Object> r : rows) {
                if (!Boolean.TRUE.equals(r.get("settled"))) {
                    heldBack = true; // an older transaction is still running; it might yet add events before this one
                    break;
                }
                newXact = (String) r.get("xact");
                newId = ((Number) r.get("id")).longValue();
                if (((String) r.get("event_type")).startsWith(MARKET_EVENTS)) {
                    enqueueMarket(h, newId, r);
                    continue;
                }
                if (r.get("l_uuid") == null) {
                    continue; // not a lease event, or the lease is gone
                }
                List<String> parties = List.of(str(r.get("l_project_id")), str(r.get("l_owner_id")));
                Long eventId = newId;
                switch ((String) r.get("event_type")) {
                    case "esi_leap.lease.create" -> {
                        enqueue(h, "lease.created", eventId, instant(r.get("event_time")), r, false, parties);
                        if (r.get("o_uuid") != null) {
                            enqueue(h, "offer.claimed", eventId, instant(r.get("event_time")), r, true, List.of(str(r.get("o_project_id"))));
                        }
                    }
                    case "esi_leap.lease.fulfill.end" -> enqueue(h, "lease.started", eventId, instant(r.get("event_time")), r, false, parties);
                    case "esi_leap.lease.delete.end" -> enqueue(h, "lease.ended", eventId, instant(r.get("event_time")), r, false, parties);
                    // A pool's member whose lease cannot be extended: its cluster should drain it (clusters.md).
                    case "esi.cluster.member.ending" -> enqueue(h, "esi.cluster.member.ending", eventId, instant(r.get("event_time")), r, false,
                            List.of(str(r.get("l_project_id"))));
                    default -> { }
                }
            }
            if (newId != lastId || !newXact.equals(lastXact)) {
                h.createUpdate("update notify_cursor set last_xact = cast(:x as xid8), last_id = :id where id = 1")
                        .bind("x", newXact).bind("id", newId).execute();
            }
            return heldBack || (!rows.isEmpty() && rows.size() == BATCH);
        });
    }

    /** Active leases whose end is within the setting, each notified once: the flag flips with the enqueue. */
    void scanEndingSoon() {
        Instant now = clock.instant();
        store.jdbi().useTransaction(h -> {
            List<Map<String, Object>> rows = h.createQuery("""
                            select l.uuid as l_uuid, l.project_id as l_project_id, l.owner_id as l_owner_id,
                                   l.resource_uuid as l_resource_uuid, l.start_time as l_start_time, l.end_time as l_end_time,
                                   l.status as l_status, l.offer_uuid as l_offer_uuid
                            from lease l
                            where l.status = 'active' and not l.ending_notified and l.end_time <= :soon
                            limit :limit
                            for update skip locked""")
                    .bind("soon", Columns.utc(now.plus(endingSoon))).bind("limit", BATCH).mapToMap().list();
            for (Map<String, Object> r : rows) {
                enqueue(h, "lease.ending_soon", null, now, r, false, List.of(str(r.get("l_project_id")), str(r.get("l_owner_id"))));
                h.createUpdate("update lease set ending_notified = true where uuid = :u").bind("u", r.get("l_uuid")).execute();
            }
        });
    }

    private void enqueue(Handle h, String type, Long eventId, Instant time, Map<String, Object> r, boolean withOffer, List<String> projects) {
        List<String> distinct = projects.stream().filter(Objects::nonNull).distinct().toList();
        if (distinct.isEmpty()) {
            return;
        }
        List<Webhook> hooks = store.hooksOf(h, distinct);
        if (hooks.isEmpty()) {
            return;
        }
        ObjectNode payload = json.createObjectNode();
        payload.put("event", type);
        if (eventId == null) {
            payload.putNull("event_id");
        } else {
            payload.put("event_id", eventId);
        }
        payload.put("time", LeaseTimes.format(time));
        ObjectNode lease = payload.putObject("lease");
        lease.put("uuid", str(r.get("l_uuid")));
        lease.put("project_id", str(r.get("l_project_id")));
        lease.put("owner_id", str(r.get("l_owner_id")));
        lease.put("resource_uuid", str(r.get("l_resource_uuid")));
        lease.put("start_time", LeaseTimes.format(instant(r.get("l_start_time"))));
        lease.put("end_time", LeaseTimes.format(instant(r.get("l_end_time"))));
        lease.put("status", str(r.get("l_status")));
        lease.put("offer_uuid", str(r.get("l_offer_uuid")));
        if (withOffer) {
            ObjectNode offer = payload.putObject("offer");
            offer.put("uuid", str(r.get("o_uuid")));
            offer.put("project_id", str(r.get("o_project_id")));
            offer.put("lessee_id", str(r.get("o_lessee_id")));
            offer.put("resource_uuid", str(r.get("o_resource_uuid")));
            offer.put("start_time", LeaseTimes.format(instant(r.get("o_start_time"))));
            offer.put("end_time", LeaseTimes.format(instant(r.get("o_end_time"))));
            offer.put("status", str(r.get("o_status")));
        }
        String body = payload.toString();
        Instant now = clock.instant();
        for (Webhook w : hooks) {
            store.enqueue(h, w.id(), type, body, now);
        }
    }

    /** Ledger and bid events go to their parties' hooks under their own names (market-api.md). */
    static final String MARKET_EVENTS = "esi.market.";

    private void enqueueMarket(Handle h, long eventId, Map<String, Object> r) {
        List<String> parties = java.util.stream.Stream.of(str(r.get("lessee_id")), str(r.get("owner_id"))).filter(Objects::nonNull).distinct().toList();
        if (parties.isEmpty()) {
            return;
        }
        List<Webhook> hooks = store.hooksOf(h, parties);
        if (hooks.isEmpty()) {
            return;
        }
        String type = (String) r.get("event_type");
        ObjectNode payload = json.createObjectNode();
        payload.put("event", type);
        payload.put("event_id", eventId);
        payload.put("time", LeaseTimes.format(instant(r.get("event_time"))));
        payload.put("object_type", str(r.get("object_type")));
        payload.put("object_uuid", str(r.get("object_uuid")));
        if ("market_transaction".equals(r.get("object_type"))) {
            var entries = payload.putArray("entries");
            h.createQuery("select account_id, kind, amount, lease_uuid, bid_uuid from market_entry where transaction_id = :tx order by id")
                    .bind("tx", r.get("object_uuid")).mapToMap().forEach(row -> {
                        ObjectNode e = entries.addObject();
                        e.put("account", str(row.get("account_id")));
                        e.put("kind", str(row.get("kind")));
                        e.put("amount", org.esi.market.Money.format(((Number) row.get("amount")).longValue()));
                        e.put("lease_uuid", str(row.get("lease_uuid")));
                        e.put("bid_uuid", str(row.get("bid_uuid")));
                    });
        }
        String body = payload.toString();
        Instant now = clock.instant();
        for (Webhook w : hooks) {
            store.enqueue(h, w.id(), type, body, now);
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static Instant instant(Object t) {
        if (t == null) {
            return null;
        }
        if (t instanceof Timestamp ts) {
            return ts.toInstant();
        }
        if (t instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (t instanceof Instant i) {
            return i;
        }
        throw new IllegalStateException("not a time: " + t.getClass());
    }

    /** Hands due deliveries to free senders; true when more may be due than there were free senders. */
    boolean send() {
        int free = slots.availablePermits();
        if (free == 0) {
            return false; // a sender finishing wakes the loop
        }
        List<WebhookStore.Delivery> due = store.claimDue(clock.instant(), clock.instant().plus(CLAIM_FOR), free, MAX_ATTEMPTS);
        for (WebhookStore.Delivery d : due) {
            slots.acquireUninterruptibly();
            try {
                senders.execute(() -> {
                    try {
                        deliver(d);
                    } finally {
                        slots.release();
                        wake();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                slots.release(); // closing; the claim runs out and another instance (or the next start) sends it
            }
        }
        return due.size() == free;
    }

    /** One attempt: 2xx is delivered; anything else, or no full answer within the timeout, is retried later. */
    void deliver(WebhookStore.Delivery d) {
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
            CompletableFuture<HttpResponse<Void>> sent = http.sendAsync(req, HttpResponse.BodyHandlers.discarding());
            try {
                // The request timeout covers the headers; this bounds the body too (a receiver that trickles).
                int status = sent.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).statusCode();
                if (status / 100 == 2) {
                    store.delivered(d.id(), clock.instant());
                    return;
                }
                error = "HTTP " + status;
            } catch (TimeoutException e) {
                sent.cancel(true);
                error = "no answer within " + TIMEOUT.toSeconds() + " s";
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                error = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing: the claim runs out and the delivery is sent later
        } catch (RuntimeException e) {
            // e.g. a secret sealed under another key: count it as an attempt rather than retry forever
            error = "cannot send: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        int attempts = d.attempts() + 1;
        String clipped = error.length() > 300 ? error.substring(0, 300) : error;
        store.failed(d.id(), clock.instant().plus(backoff(attempts)), clipped);
        if (attempts >= MAX_ATTEMPTS) {
            log.warn("Webhook {} gave up on delivery {} ({}) after {} attempts: {}", d.webhookId(), d.id(), d.eventType(), attempts, clipped);
        } else {
            log.debug("Webhook {} delivery {} attempt {} failed: {}", d.webhookId(), d.id(), attempts, clipped);
        }
    }

    /** Exponential from 1 s, capped at 10 min, with jitter over the upper half. */
    static Duration backoff(int attempts) {
        long base = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(Math.max(attempts - 1, 0), 20));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    private void purgeIfDue() {
        Instant now = clock.instant();
        if (Duration.between(lastPurge, now).compareTo(PURGE_EVERY) < 0) {
            return;
        }
        lastPurge = now;
        int n = store.purge(now.minus(KEEP_DELIVERED), now.minus(KEEP_FAILED), MAX_ATTEMPTS);
        if (n > 0) {
            log.info("Removed {} old webhook deliveries", n);
        }
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
        loop.close();
        senders.shutdownNow();
        http.shutdownNow();
        try {
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
