package org.esi.federation;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.esi.http.ApiException;
import org.esi.identity.IdentityStore;
import org.esi.identity.Project;
import org.esi.identity.TokenService;
import org.esi.identity.User;
import org.esi.http.Ids;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer's side of a federated call: a verified assertion becomes a local token for the shadow user
 * {@code <home-site>/<home user id>} on the shadow project {@code <home-site>/<project name>}, with the roles of the
 * role map. Recording the jti, creating or renaming the shadows, setting the roles and issuing the token are one
 * transaction, so a refusal at any step leaves nothing behind, and two instances given the same assertion at once
 * issue one token: the second waits on the first's jti row and then finds it taken.
 */
public final class TokenExchange {
    private static final Logger log = LoggerFactory.getLogger(TokenExchange.class);
    /** The one answer to every refusal: no hint of which check failed (that goes to the log). */
    public static final String REFUSED = "invalid federation assertion";
    /** Local names hold no '/', so these can only be shadows; the parts are checked as local names are. */
    private static final Pattern NAME = Pattern.compile("^[\\p{L}\\p{N}_.@+\\- ]{1,64}$");
    /** A shadow user has no password: this never verifies (see PasswordHasher), so it logs in only through here. */
    static final String NO_PASSWORD = "!federated";

    private final AssertionVerifier verifier;
    private final FederationStore store;
    private final IdentityStore identity;
    private final TokenService tokens;
    private final RoleMap roleMap;
    private final Clock clock;

    public TokenExchange(AssertionVerifier verifier, FederationStore store, IdentityStore identity, TokenService tokens,
                         RoleMap roleMap, Clock clock) {
        this.verifier = verifier;
        this.store = store;
        this.identity = identity;
        this.tokens = tokens;
        this.roleMap = roleMap;
        this.clock = clock;
    }

    /** The local token for an assertion; any refusal is a 401 with {@link #REFUSED}, its reason logged. */
    public TokenService.Issued exchange(String assertion) {
        try {
            AssertionClaims claims = verifier.verify(assertion);
            if (!NAME.matcher(claims.projectName()).matches() || !NAME.matcher(claims.subject()).matches()) {
                throw new AssertionRefused("project name or subject is not a name this site can hold");
            }
            Set<String> roles = roleMap.map(claims.roles());
            if (roles.isEmpty()) {
                throw new AssertionRefused("none of the roles " + claims.roles() + " maps to a role here (federation.role-map)");
            }
            Instant now = clock.instant();
            if (!claims.expiresAt().isAfter(now)) {
                throw new AssertionRefused("expires before a token could be used");
            }
            store.purgeJtis(now.minus(AssertionVerifier.SKEW));
            TokenService.Issued issued = inOneTransaction(claims, roles);
            // Roles may have been narrowed for tokens issued before: their cached callers must not outlive that.
            tokens.forgetCachedTokens();
            // The audit trail names the shadow user as the subject of this anonymous request, as it does for a login.
            org.esi.audit.AuditContext.loginFor(issued.row().userId(), issued.row().userName(), issued.row().projectId(), roles);
            log.info("Federation token for {} on project {} from site {}, roles {}, until {}", issued.row().userName(),
                    issued.row().projectName(), claims.issuer(), roles, issued.row().expiresAt());
            return issued;
        } catch (AssertionRefused e) {
            log.warn("Refused a federation assertion: {}", e.getMessage());
            throw ApiException.unauthorized(REFUSED);
        }
    }

    /** After a peer is removed (its shadows' tokens revoked): no cached caller of theirs may linger. */
    public void forgetCachedTokens() {
        tokens.forgetCachedTokens();
    }

    private TokenService.Issued inOneTransaction(AssertionClaims claims, Set<String> roles) {
        // Two first uses of one home project (or user) race to create its shadow; the loser retries once and finds it.
        for (int attempt = 1; ; attempt++) {
            try {
                return store.jdbi().inTransaction(h -> {
                    if (!store.useJti(h, claims.issuer(), claims.jti(), claims.expiresAt().plus(AssertionVerifier.SKEW).plusSeconds(30))) {
                        throw new AssertionRefused("replayed jti from " + claims.issuer());
                    }
                    Project project = shadowProject(h, claims);
                    User user = shadowUser(h, claims, project);
                    store.setRoles(h, user.id(), project.id(), roles);
                    return tokens.issue(h, user, project, claims.expiresAt());
                });
            } catch (UnableToExecuteStatementException e) {
                if (!SqlErrors.isUniqueViolation(e)) {
                    throw e;
                }
                if (attempt == 2) {
                    throw new AssertionRefused("the shadow project's or user's name is taken at this site");
                }
            }
        }
    }

    private Project shadowProject(org.jdbi.v3.core.Handle h, AssertionClaims c) {
        String name = c.issuer() + "/" + c.projectName();
        Optional<Project> found = store.shadowProject(h, c.issuer(), c.projectId());
        if (found.isPresent()) {
            Project p = found.get();
            if (!p.enabled()) {
                throw new AssertionRefused("shadow project " + p.name() + " is disabled here");
            }
            if (!p.name().equals(name)) {
                // Renamed at home: the shadow follows, keeping its id, leases and roles.
                Project renamed = new Project(p.id(), name, p.description(), p.parentId(), p.enabled());
                identity.updateProject(h, renamed);
                return renamed;
            }
            return p;
        }
        Project p = new Project(Ids.newHexId(), name, "Shadow of project " + c.projectId() + " of site " + c.issuer(), null, true);
        identity.insertProject(h, p);
        store.insertShadowProject(h, p.id(), c.issuer(), c.projectId());
        return p;
    }

    private User shadowUser(org.jdbi.v3.core.Handle h, AssertionClaims c, Project project) {
        Optional<User> found = store.shadowUser(h, c.issuer(), c.subject());
        if (found.isPresent()) {
            if (!found.get().enabled()) {
                throw new AssertionRefused("shadow user " + found.get().name() + " is disabled here");
            }
            return found.get();
        }
        User u = new User(Ids.newHexId(), c.issuer() + "/" + c.subject(), project.id(), true, null, NO_PASSWORD);
        identity.insertUser(h, u);
        store.insertShadowUser(h, u.id(), c.issuer(), c.subject());
        return u;
    }
}
