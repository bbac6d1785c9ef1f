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

    public List<Webhook> webhooks(Optional<String> project) {
        return jdbi.withHandle(h -> h.createQuery("select * from webhook where :p is null or project_id = :p order by created_at, id")
                .bind("p", project.orElse(null)).map((rs, c) -> webhook(rs)).list());
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

    /** Claims due deliveries for a minute, skipping rows another instance holds, so none is sent twice at once. */
    public List<Delivery> claimDue(Instant now, int limit, int maxAttempts) {
        return jdbi.withHandle(h -> h.createQuery("""
                        update webhook_delivery d set next_attempt_at = :until
                        from webhook w
                        where w.id = d.webhook_id and d.id in (
                            select id from webhook_delivery
                            where delivered_at is null and attempts < :max and next_attempt_at <= :now
                            order by next_attempt_at limit :limit for update skip locked)
                        returning d.id, d.webhook_id, w.url, w.secret, d.event_type, d.payload::text as payload, d.attempts""")
                .bind("until", Columns.utc(now.plusSeconds(60))).bind("max", maxAttempts).bind("now", Columns.utc(now))
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
                        "select min(next_attempt_at) from webhook_delivery where delivered_at is null and attempts < :max")
                .bind("max", maxAttempts).map((rs, c) -> Columns.instant(rs, 1)).findOne());
    }

    private static Webhook webhook(ResultSet rs) throws SQLException {
        return new Webhook(rs.getObject("id", UUID.class), rs.getString("project_id"), rs.getString("url"), rs.getString("secret"),
                rs.getBoolean("enabled"), Columns.instant(rs, "created_at"));
    }
}
