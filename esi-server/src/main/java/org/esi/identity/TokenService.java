package org.esi.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.http.Caller;
import org.esi.http.TokenValidator;

/**
 * Issues and validates tokens. A token is 256 random bits; only its SHA-256 is stored (it has full
 * entropy, so a slow KDF would add nothing). Validation results are cached for {@link #CACHE_TTL}:
 * revocation, disabling a user or taking a role away on this instance clears the cache at once; on
 * another instance sharing the database it takes effect within that time.
 */
public final class TokenService implements TokenValidator {
    static final Duration CACHE_TTL = Duration.ofSeconds(2);
    private static final int CACHE_MAX = 100_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final IdentityStore store;
    private final Clock clock;
    private final Duration lifetime;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Caller caller, Instant until) {}

    /** A fresh token: the clear text goes to the client once and is never stored. */
    public record Issued(String token, IdentityStore.TokenRow row) {}

    public TokenService(IdentityStore store, Clock clock, Duration lifetime) {
        this.store = store;
        this.clock = clock;
        this.lifetime = lifetime;
    }

    public Issued issue(User user, Project project) {
        return issue(user, project, Instant.MAX);
    }

    /** A token that expires no later than {@code notAfter}. */
    public Issued issue(User user, Project project, Instant notAfter) {
        return store.jdbi().withHandle(h -> issue(h, user, project, notAfter));
    }

    /**
     * A token in the caller's transaction that expires at the end of its lifetime or at {@code notAfter},
     * whichever is sooner (a federation token lives no longer than the assertion it was exchanged for).
     */
    public Issued issue(org.jdbi.v3.core.Handle h, User user, Project project, Instant notAfter) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant now = clock.instant();
        byte[] audit = new byte[12];
        RANDOM.nextBytes(audit);
        String auditId = Base64.getUrlEncoder().withoutPadding().encodeToString(audit);
        Instant expires = now.plus(lifetime).isBefore(notAfter) ? now.plus(lifetime) : notAfter;
        store.insertToken(h, hash(token), user.id(), project.id(), auditId, now, expires);
        IdentityStore.TokenRow row = store.liveToken(h, hash(token), now)
                .orElseThrow(() -> new IllegalStateException("token vanished right after it was issued"));
        return new Issued(token, row);
    }

    @Override
    public Optional<Caller> validate(String token) {
        if (token.length() > 256) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Cached hit = cache.get(token);
        if (hit != null && now.isBefore(hit.until()) && now.isBefore(hit.caller().expiresAt())) {
            return Optional.of(hit.caller());
        }
        Optional<Caller> caller = row(token).map(TokenService::caller);
        if (caller.isPresent()) {
            if (cache.size() > CACHE_MAX) {
                cache.clear();
            }
            cache.put(token, new Cached(caller.get(), now.plus(CACHE_TTL)));
        } else {
            cache.remove(token);
        }
        return caller;
    }

    /** The stored row for a live token that still has at least one role on its project. */
    public Optional<IdentityStore.TokenRow> row(String token) {
        return store.liveToken(hash(token), clock.instant()).filter(r -> !r.roles().isEmpty());
    }

    public boolean revoke(String token) {
        cache.remove(token);
        return store.revokeToken(hash(token), clock.instant());
    }

    /** Called after any change that can end tokens (user disabled, role revoked, project disabled). */
    public void forgetCachedTokens() {
        cache.clear();
    }

    public void purgeExpired() {
        store.purgeExpiredTokens(clock.instant().minus(Duration.ofDays(1)));
    }

    static Caller caller(IdentityStore.TokenRow r) {
        return new Caller(r.userId(), r.userName(), r.projectId(), r.projectName(), r.roles(), r.issuedAt(), r.expiresAt());
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
