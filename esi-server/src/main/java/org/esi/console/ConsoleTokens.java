package org.esi.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.esi.persistence.Columns;
import org.esi.policy.Credentials;
import org.jdbi.v3.core.Jdbi;

/**
 * Console auth tokens: random bearer tokens, each opening one node's serial console, for clients that
 * cannot send {@code X-Auth-Token} (socat, WebSocket tools, a URL pasted elsewhere). Only a token's
 * SHA-256 is stored, so a copy of the database opens nothing, and every instance on the database
 * validates tokens any instance issued. A token opens a session only before it expires; an open session
 * lives on past the expiry (as a console does in Nova and ESI-Leap) until the token is revoked.
 */
public final class ConsoleTokens {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(600);
    /** Long enough to paste a URL somewhere; short enough that a leaked URL soon opens nothing. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    /**
     * Expired rows are kept this long so the sessions they opened can still be told apart from revoked
     * ones (a revoked token's row is gone); no session outlives {@link ConsoleBridge#DEFAULT_ABSOLUTE}.
     */
    static final Duration KEEP_EXPIRED = ConsoleBridge.DEFAULT_ABSOLUTE;
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Jdbi jdbi;
    private final Clock clock;

    public ConsoleTokens(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A token as handed out once: the secret itself and when it stops opening sessions. */
    public record Issued(String token, Instant expiresAt) {}

    /** What a valid token grants: a node's console, as the holder the token was issued to. */
    public record Grant(String id, UUID node, Credentials holder, Instant expiresAt) {}

    /** Issues a token for {@code node} on behalf of {@code holder}; {@code ttl} must lie in (0, MAX_TTL]. */
    public Issued issue(UUID node, Credentials holder, Duration ttl) {
        if (ttl.isZero() || ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl out of range: " + ttl);
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Instant now = clock.instant();
        Instant expires = now.plus(ttl);
        jdbi.useTransaction(h -> {
            h.createUpdate("delete from console_token where expires_at < :old")
                    .bind("old", Columns.utc(now.minus(KEEP_EXPIRED))).execute();
            h.createUpdate("""
                            insert into console_token (token_hash, node_uuid, purpose, user_id, project_id, roles, created_at, expires_at)
                            values (:hash, :node, 'console', :user, :project, :roles, :now, :expires)""")
                    .bind("hash", hash(token)).bind("node", node).bind("user", String.valueOf(holder.userId()))
                    .bind("project", String.valueOf(holder.projectId())).bind("roles", holder.roles().toArray(String[]::new))
                    .bind("now", Columns.utc(now)).bind("expires", Columns.utc(expires)).execute();
        });
        return new Issued(token, expires);
    }

    /** The grant of an issued, unexpired, unrevoked token; empty for anything else, malformed text included. */
    public Optional<Grant> validate(String token) {
        if (token == null || !SHAPE.matcher(token).matches()) {
            return Optional.empty();
        }
        byte[] hash = hash(token);
        return jdbi.withHandle(h -> h.createQuery("""
                        select node_uuid, user_id, project_id, roles, expires_at from console_token
                        where token_hash = :hash and purpose = 'console' and expires_at > :now""")
                .bind("hash", hash).bind("now", Columns.utc(clock.instant()))
                .map((rs, c) -> new Grant(Base64.getUrlEncoder().encodeToString(hash), rs.getObject("node_uuid", UUID.class),
                        new Credentials(rs.getString("user_id"), rs.getString("project_id"),
                                Set.copyOf(List.of((String[]) rs.getArray("roles").getArray()))),
                        rs.getObject("expires_at", java.time.OffsetDateTime.class).toInstant()))
                .findOne());
    }

    /** Whether the token behind {@code grant} has not been revoked (expiry does not end open sessions). */
    public boolean notRevoked(Grant grant) {
        byte[] hash = Base64.getUrlDecoder().decode(grant.id());
        return jdbi.withHandle(h -> h.createQuery("select count(*) from console_token where token_hash = :hash")
                .bind("hash", hash).mapTo(Integer.class).one()) > 0;
    }

    /** Revokes every console token of the node; returns how many there were. */
    public int revokeNode(UUID node) {
        return jdbi.withHandle(h -> h.createUpdate("delete from console_token where node_uuid = :node").bind("node", node).execute());
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
