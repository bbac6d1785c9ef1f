package org.esi.http;

import java.time.Instant;
import java.util.Set;
import org.esi.policy.Credentials;

/** Who is calling: the validated token's user, the project it is scoped to, and its roles there now. */
public record Caller(String userId, String userName, String projectId, String projectName, Set<String> roles,
                     Instant issuedAt, Instant expiresAt) {
    public Caller {
        roles = Set.copyOf(roles);
    }

    public Credentials credentials() {
        return new Credentials(userId, projectId, roles);
    }

    public boolean isAdmin() {
        return roles.contains("admin");
    }
}
