package org.esi.policy;

import java.util.Set;

/**
 * The caller's identity as seen by the policy engine.
 *
 * @param userId    the authenticated user, or {@code null} when unknown (checks against it are false)
 * @param projectId the project the caller is scoped to, or {@code null} when unscoped
 * @param roles     role names, already normalised to lower case
 */
public record Credentials(String userId, String projectId, Set<String> roles) {

    public Credentials {
        // Copy so a caller mutating its own set cannot change a decision after the fact;
        // Set.copyOf returns an already-immutable set as-is, so the common case costs nothing.
        roles = roles == null ? Set.of() : Set.copyOf(roles);
    }
}
