package org.esi.notify;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** SQL for webhooks and their delivery outbox. */
public final class WebhookStore {
    private final Jdbi jdbi;

    public WebhookStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public void insert(Webhook w) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into webhook (id, project_id, url, secret, enabled, created_at)
                        values (:id, :p, :url, :secret, :enabled, :created)""")
                .bind("id", w.id()).bind("p", w.projectId()).bind("url", w.url()).bind("secret", w.secret())
                .bind("enabled", w.enabled()).bind("created", Columns.utc(w.createdAt())).execute());
    }

    public Optional<Webhook> webhook(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("select * from webhook where id = :id").bind("id", id).map((rs, c) -> webhook(rs)).findOne());
    }

    /** A page of hooks (all, or one project's) in creation order, after {@code marker} when given. */
    public List<Webhook> webhooks(Optional<String> project, Optional<UUID> marker, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select * from webhook
                        where (cast(:p as text) is null or project_id = cast(:p as text))
                          and (cast(:m as uuid) is null or (created_at, id) > (select created_at, id from webhook where id = cast(:m as uuid)))
                        order by created_at, id limit :limit""")
                .bind("p", project.orElse(null)).bind("m", marker.map(UUID::toString).orElse(null)).bind("limit", limit)
                .map((rs, c) -> webhook(rs)).list());
    }

    public int countOf(String project) {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from webhook where project_id = :p").bind("p", project)
                .mapTo(Integer.class).one());
    }

    public List<Webhook> hooksOf(Handle h, List<String> projects) {
        return h.createQuery("select * from webhook where enabled and project_id = any(:p)")
                .bind("p", projects.toArray(new String[0])).map((rs, c) -> webhook(rs)).list();
    }

    public boolean delete(UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("delete from webhook where id = :id").bind("id", id).execute()) > 0;
    }

    public void enqueue(Handle h, UUID webhook, String type, String payload, Instant now) {
        h.createUpdate("""
                        insert into webhook_delivery (webhook_id, event_type, payload, next_attempt_at, created_at)
                        values (:w, :t, cast(:p as jsonb), :now, :now)""")
                .bind("w", webhook).bind("t", type).bind("p", payload).bind("now", Columns.utc(now)).execute();
    }

    /** A delivery claimed for sending: its hook's URL and sealed secret come along. */
    public record Delivery(long id, UUID webhookId, String url, String secret, String eventType, String payload, int attempts) {}

    /**
     * Claims due deliveries until {@code until}, skipping rows another instance is claiming, so none is
     * sent twice at once; a claim that runs out (the instance died mid-send) makes the row due again.
     */
    public List<Delivery> claimDue(Instant now, Instant until, int limit, int maxAttempts) {
        return jdbi.withHandle(h -> h.createQuery("""
                        update webhook_delivery d set next_attempt_at = :until
                        from webhook w
                        where w.id = d.webhook_id and w.enabled and d.id in (
                            select id from webhook_delivery
                            where delivered_at is null and attempts < :max and next_attempt_at <= :now
                            order by next_attempt_at limit :limit for update skip locked)
                        returning d.id, d.webhook_id, w.url, w.secret, d.event_type, d.payload::text as payload, d.attempts""")
                .bind("until", Columns.utc(until)).bind("max", maxAttempts).bind("now", Columns.utc(now))
                .bind("limit", limit)
                .map((rs, c) -> new Delivery(rs.getLong("id"), rs.getObject("webhook_id", UUID.class), rs.getString("url"),
                        rs.getString("secret"), rs.getString("event_type"), rs.getString("payload"), rs.getInt("attempts")))
                .list());
    }

    public void delivered(long id, Instant now) {
        jdbi.useHandle(h -> h.createUpdate("update webhook_delivery set delivered_at = :now, attempts = attempts + 1, last_error = null where id = :id")
                .bind("now", Columns.utc(now)).bind("id", id).execute());
    }

    public void failed(long id, Instant retryAt, String error) {
        jdbi.useHandle(h -> h.createUpdate("""
                        update webhook_delivery set attempts = attempts + 1, next_attempt_at = :at, last_error = :e where id = :id""")
                .bind("at", Columns.utc(retryAt)).bind("e", error).bind("id", id).execute());
    }

    public Optional<Instant> nextDue(int maxAttempts) {
        return jdbi.withHandle(h -> h.createQuery(
                        """
                        select min(d.next_attempt_at) from webhook_delivery d join webhook w on w.id = d.webhook_id
                        where w.enabled and d.delivered_at is null and d.attempts < :max""")
                .bind("max", maxAttempts).map((rs, c) -> Columns.instant(rs, 1)).findOne());
    }

    /** The earliest end of an active lease not yet told "ending soon" (the partial index answers it). */
    public Optional<Instant> nextLeaseEnd() {
        return jdbi.withHandle(h -> h.createQuery(
                        "select min(end_time) from lease where status = 'active' and not ending_notified")
                .map((rs, c) -> Columns.instant(rs, 1)).findOne());
    }

    /** Forgets delivered rows older than {@code delivered} and given-up ones older than {@code failed}. */
    public int purge(Instant delivered, Instant failed, int maxAttempts) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        delete from webhook_delivery
                        where (delivered_at is not null and created_at < :d) or (attempts >= :max and created_at < :f)""")
                .bind("d", Columns.utc(delivered)).bind("f", Columns.utc(failed)).bind("max", maxAttempts).execute());
    }

    private static Webhook webhook(ResultSet rs) throws SQLException {
        return new Webhook(rs.getObject("id", UUID.class), rs.getString("project_id"), rs.getString("url"), rs.getString("secret"),
                rs.getBoolean("enabled"), Columns.instant(rs, "created_at"));
    }
}
