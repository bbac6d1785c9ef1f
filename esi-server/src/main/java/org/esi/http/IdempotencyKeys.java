package org.esi.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Columns;
import org.jdbi.v3.core.Handle;

/**
 * Idempotency keys of POSTs that create something: a client that lost an answer (a timeout, a 503 that could
 * not say whether the commit happened) retries with the same key and gets the same object, never a second one.
 * The key's record is written in the transaction that creates the object, so the two exist together or not at
 * all; concurrent requests with one key take turns on an advisory lock, and the one that finds it taken is told
 * to wait (409) rather than blocking a pool connection.
 */
public final class IdempotencyKeys {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    public static final Duration KEPT = Duration.ofHours(24);
    private static final int MAX_KEY_LENGTH = 255;

    private IdempotencyKeys() {}

    /** A request's key: who sent it, the key, and a fingerprint of what was asked (route and body). */
    public record Key(String projectId, String key, String fingerprint) {}

    /** The caller's key, if the request has one; 400 for a key no client would send. */
    public static Optional<Key> of(Call call, String projectId, String route) {
        String key = call.ctx().header(HEADER);
        if (key == null) {
            return Optional.empty();
        }
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e)) {
            throw ApiException.badRequest(HEADER + " must be 1 to " + MAX_KEY_LENGTH + " printable characters without spaces");
        }
        return Optional.of(new Key(projectId, key, fingerprint(route, call.ctx().bodyAsBytes())));
    }

    /**
     * Inside the creating transaction, before anything is written: the object an earlier request with this key
     * created, if any. 409 while another request with the key is running, 422 when the key was used for a
     * different request.
     */
    public static Optional<UUID> earlier(Handle h, Key k, Instant now) {
        boolean mine = h.createQuery("select pg_try_advisory_xact_lock(hashtextextended(:k, 1))")
                .bind("k", k.projectId() + "\n" + k.key()).mapTo(Boolean.class).one();
        if (!mine) {
            throw ApiException.conflict("A request with this " + HEADER + " is still being processed; retry when it has finished");
        }
        var row = h.createQuery("select fingerprint, object_uuid from idempotency_key where project_id = :p and key = :k and created_at > :since")
                .bind("p", k.projectId()).bind("k", k.key()).bind("since", Columns.utc(now.minus(KEPT)))
                .map((rs, c) -> new Object[] {rs.getString(1), rs.getObject(2, UUID.class)}).findOne();
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (!row.get()[0].equals(k.fingerprint())) {
            throw new ApiException(ErrorKind.UNPROCESSABLE, "This " + HEADER + " was already used for a different request;"
                    + " use a new key for a new request");
        }
        return Optional.of((UUID) row.get()[1]);
    }

    /** Inside the same transaction, after the object is written. Also forgets this project's expired keys. */
    public static void remember(Handle h, Key k, UUID object, Instant now) {
        h.createUpdate("delete from idempotency_key where project_id = :p and (created_at <= :since or key = :k)")
                .bind("p", k.projectId()).bind("k", k.key()).bind("since", Columns.utc(now.minus(KEPT))).execute();
        h.createUpdate("insert into idempotency_key (project_id, key, fingerprint, object_uuid, created_at) values (:p, :k, :f, :o, :now)")
                .bind("p", k.projectId()).bind("k", k.key()).bind("f", k.fingerprint()).bind("o", object)
                .bind("now", Columns.utc(now)).execute();
    }

    private static String fingerprint(String route, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(route.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(body);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
