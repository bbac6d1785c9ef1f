package org.esi.federation;

import java.time.Instant;
import java.util.List;

/**
 * What a home site asserts about one of its callers to one peer: the JWS claims {@code iss} (home site),
 * {@code aud} (the peer), {@code sub} (home user id), {@code project_id}, {@code project_name}, {@code roles}
 * (the caller's roles at home), {@code iat}, {@code exp} and {@code jti} (unique, against replay).
 */
public record AssertionClaims(String issuer, String audience, String subject, String projectId, String projectName,
                              List<String> roles, Instant issuedAt, Instant expiresAt, String jti) {
    public AssertionClaims {
        roles = List.copyOf(roles);
    }
}
