package org.esi.http;

import java.util.Optional;

/** Turns an {@code X-Auth-Token} into a caller, or nothing when the token is unknown, expired or revoked. */
@FunctionalInterface
public interface TokenValidator {
    Optional<Caller> validate(String token);
}
