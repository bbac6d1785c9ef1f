package org.esi.ui;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.BrowserSession;
import org.esi.http.Call;
import org.esi.http.Caller;
import org.esi.http.HttpApi;
import org.esi.identity.Authenticator;
import org.esi.identity.TokenService;
import org.esi.lease.LeaseTimes;

/**
 * The web console at {@code /ui}: its static page and scripts, and the cookie session it logs in with.
 * Everything the console does after login goes through the public APIs with the session cookie and the
 * CSRF header (see {@link BrowserSession}); the session routes are the only ones of its own, because a
 * script cannot set an {@code HttpOnly} cookie itself.
 */
public final class UiRoutes {
    /** Files the console is made of; nothing else under {@code /ui} is served. */
    private static final Map<String, String> ASSETS = Map.of(
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "index.html", "text/html; charset=utf-8");
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Authenticator authenticator;
    private final TokenService tokens;
    private final Clock clock;

    public UiRoutes(Authenticator authenticator, TokenService tokens, Clock clock) {
        this.authenticator = authenticator;
        this.tokens = tokens;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.post("/ui/session", Access.anonymous(), this::login);
        api.get("/ui/session", Access.anonymous(), this::current);
        api.delete("/ui/session", Access.anonymous(), this::logout);
        // Javalin ignores a trailing slash, so this is /ui/ too; the page uses absolute asset paths.
        api.get("/ui", Access.anonymous(), call -> asset(call.ctx(), "index.html"));
        api.get("/ui/assets/{file}", Access.anonymous(), call -> asset(call.ctx(), call.ctx().pathParam("file")));
    }

    /** Body: the Keystone {@code auth} object, as for {@code POST /identity/v3/auth/tokens}. */
    private void login(Call call) {
        TokenService.Issued issued = authenticator.authenticate(call.bodyObject(), call.ctx().ip());
        BrowserSession.open(call.ctx(), issued.token(), Duration.between(clock.instant(), issued.row().expiresAt()));
        Caller caller = tokens.validate(issued.token()).orElseThrow(() -> ApiException.unauthorized("The new session is not valid."));
        noStore(call.ctx());
        call.ctx().status(201).json(Map.of("session", describe(caller, issued.token())));
    }

    private void current(Call call) {
        noStore(call.ctx());
        Optional<String> token = BrowserSession.cookieToken(call.ctx());
        Caller caller = token.flatMap(tokens::validate)
                .orElseThrow(() -> ApiException.unauthorized("No session; log in first."));
        call.ctx().json(Map.of("session", describe(caller, token.get())));
    }

    /**
     * Ends the session: the token is revoked, not only forgotten by the browser. Without the CSRF header
     * the request may be forged, so it is refused and nothing changes; answering 204 while the token stays
     * valid would tell the user they are logged out when they are not.
     */
    private void logout(Call call) {
        Optional<String> token = BrowserSession.cookieToken(call.ctx());
        if (token.isPresent()) {
            String csrf = call.ctx().header(BrowserSession.CSRF_HEADER);
            if (!BrowserSession.csrfFor(token.get()).equals(csrf)) {
                throw ApiException.forbidden("Logging out needs the session's " + BrowserSession.CSRF_HEADER
                        + " header; the session is still active.");
            }
            tokens.revoke(token.get());
        }
        BrowserSession.close(call.ctx());
        call.ctx().status(204);
    }

    private static Map<String, Object> describe(Caller caller, String token) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("user", Map.of("id", caller.userId(), "name", caller.userName()));
        s.put("project", Map.of("id", caller.projectId(), "name", caller.projectName()));
        s.put("roles", caller.roles().stream().sorted().toList());
        s.put("expires_at", LeaseTimes.format(caller.expiresAt()));
        s.put("csrf", BrowserSession.csrfFor(token));
        return s;
    }

    private static void asset(Context ctx, String file) throws IOException {
        String type = ASSETS.get(file);
        if (type == null) {
            throw ApiException.notFound("The resource could not be found: GET " + ctx.path());
        }
        try (InputStream in = UiRoutes.class.getResourceAsStream("/esi-ui/" + file)) {
            if (in == null) {
                throw ApiException.notFound("The resource could not be found: GET " + ctx.path());
            }
            ctx.header("Content-Security-Policy", CSP);
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType(type).result(in.readAllBytes());
        }
    }

    private static void noStore(Context ctx) {
        ctx.header("Cache-Control", "no-store");
    }
}
