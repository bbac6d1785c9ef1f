package org.esi.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.Set;
import org.esi.audit.AuditContext;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;
import org.esi.http.Jsons;

/**
 * Login: turns a Keystone {@code auth} body into a token, with the failed-login limiter in front. Both the
 * Keystone API and the web console's cookie session log in through here, so they cannot drift apart.
 */
public final class Authenticator {
    private final IdentityService identity;
    private final TokenService tokens;
    private final LoginThrottle throttle;

    public Authenticator(IdentityService identity, TokenService tokens, LoginThrottle throttle) {
        this.identity = identity;
        this.tokens = tokens;
        this.throttle = throttle;
    }

    /** Checks a Keystone {@code auth} body (password or token method, optional project scope) and issues a token. */
    public TokenService.Issued authenticate(ObjectNode body, String address) {
        Jsons.requireOnly(body, Set.of("auth"), "the request");
        ObjectNode auth = Jsons.requireObject(body, "auth");
        Jsons.requireOnly(auth, Set.of("identity", "scope"), "auth");
        ObjectNode id = Jsons.requireObject(auth, "identity");
        JsonNode methods = id.get("methods");
        if (methods == null || !methods.isArray() || methods.isEmpty()) {
            throw ApiException.badRequest("auth.identity.methods must be a non-empty list");
        }
        String method = methods.get(0).asText();
        User user;
        // A token got with a token ends when that one does, as Keystone's do: re-scoping never extends a token's life
        // (a federation token, bound to its assertion's few minutes, must not become a 12-hour one this way).
        java.time.Instant notAfter = java.time.Instant.MAX;
        if (method.equals("password")) {
            ObjectNode pw = Jsons.requireObject(id, "password");
            ObjectNode u = Jsons.requireObject(pw, "user");
            Jsons.requireOnly(u, Set.of("id", "name", "password", "domain"), "auth.identity.password.user");
            String userKey = Optional.ofNullable(Jsons.optString(u, "id")).orElseGet(() -> Jsons.optString(u, "name"));
            if (userKey == null) {
                throw ApiException.badRequest("auth.identity.password.user needs a name or an id");
            }
            checkDomain(u);
            String password = Jsons.requireString(u, "password");
            Optional<User> found = identity.findUser(userKey);
            // Count against the user's id when it exists, so its name and id share one bucket.
            String counted = found.map(User::id).orElse(userKey);
            found.ifPresent(f -> AuditContext.loginFor(f.id(), f.name(), null, Set.of()));
            Optional<LoginThrottle.Refusal> refused = throttle.check(counted, address);
            if (refused.isPresent()) {
                throw ApiException.tooManyRequests("Too many failed logins for this user from this address; try again in "
                        + refused.get().retryAfter().toSeconds() + " s.", refused.get().retryAfter());
            }
            if (found.isEmpty()) {
                identity.hasher().burn(password);
            }
            if (found.isEmpty() || !found.get().enabled() || !identity.hasher().verify(password, found.get().passwordHash())) {
                throttle.failed(counted, address);
                throw ApiException.unauthorized("The request you have made requires authentication.");
            }
            throttle.succeeded(counted, address);
            user = found.get();
        } else if (method.equals("token")) {
            ObjectNode t = Jsons.requireObject(id, "token");
            String existing = Jsons.requireString(t, "id");
            IdentityStore.TokenRow row = tokens.row(existing)
                    .orElseThrow(() -> ApiException.unauthorized("The request you have made requires authentication."));
            user = identity.user(row.userId());
            notAfter = row.expiresAt();
            AuditContext.loginFor(user.id(), user.name(), null, Set.of());
        } else {
            throw ApiException.unauthorized("Unsupported authentication method: " + Jsons.clip(method));
        }
        Project project = scope(auth, user);
        Set<String> roles = identity.store().roles(user.id(), project.id());
        if (!project.enabled() || roles.isEmpty()) {
            throw ApiException.unauthorized("User has no role on the requested project.");
        }
        AuditContext.loginFor(user.id(), user.name(), project.id(), roles);
        return tokens.issue(user, project, notAfter);
    }

    private Project scope(ObjectNode auth, User user) {
        ObjectNode scope = Jsons.optObject(auth, "scope");
        if (scope == null) {
            if (user.defaultProjectId() == null) {
                throw ApiException.badRequest("A project scope is required (auth.scope.project), and the user has no default project");
            }
            return identity.project(user.defaultProjectId());
        }
        Jsons.requireOnly(scope, Set.of("project"), "auth.scope");
        ObjectNode p = Jsons.requireObject(scope, "project");
        Jsons.requireOnly(p, Set.of("id", "name", "domain"), "auth.scope.project");
        checkDomain(p);
        String key = Optional.ofNullable(Jsons.optString(p, "id")).orElseGet(() -> Jsons.optString(p, "name"));
        if (key == null) {
            throw ApiException.badRequest("auth.scope.project needs a name or an id");
        }
        return identity.findProject(key).orElseThrow(() -> ApiException.unauthorized("User has no role on the requested project."));
    }

    /** There is one domain; naming another is a client mistake worth saying so. */
    private static void checkDomain(ObjectNode holder) {
        ObjectNode domain = Jsons.optObject(holder, "domain");
        if (domain == null) {
            return;
        }
        String d = Optional.ofNullable(Jsons.optString(domain, "id")).orElseGet(() -> Jsons.optString(domain, "name"));
        if (d != null && !d.equalsIgnoreCase("default")) {
            throw ApiException.unauthorized("Unknown domain: only 'default' exists");
        }
    }
}
