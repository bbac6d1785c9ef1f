package org.esi.http;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The web console's way to carry a token: an {@code HttpOnly}, {@code SameSite=Strict} cookie that page
 * scripts cannot read, plus a CSRF header on every API call. The CSRF value is a hash of the token, so any
 * instance can check it without shared state, and a page on another site can neither read the cookie nor
 * compute the header. A request with {@code X-Auth-Token} never looks at the cookie.
 */
public final class BrowserSession {
    public static final String COOKIE = "esi_session";
    public static final String CSRF_HEADER = "X-ESI-CSRF";

    private BrowserSession() {
    }

    /** The value a page must echo in {@link #CSRF_HEADER} for a request carrying this token's cookie. */
    public static String csrfFor(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("esi-csrf:" + token).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cookie's token, whether or not a CSRF header came with it (for reading the session itself). */
    public static Optional<String> cookieToken(Context ctx) {
        String value = ctx.cookie(COOKIE);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /**
     * The token of a cookie-carried API call. A cookie without the matching CSRF header is refused rather
     * than ignored, so a forged request gets a clear 401 and never runs as the user.
     */
    static Optional<String> apiToken(Context ctx) {
        Optional<String> token = cookieToken(ctx);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        String csrf = ctx.header(CSRF_HEADER);
        if (csrf == null || !MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8), csrfFor(token.get()).getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized("A browser session request needs its " + CSRF_HEADER + " header.");
        }
        return token;
    }

    /**
     * The cookie's token for a WebSocket upgrade, which cannot carry custom headers: accepted only when the
     * page that opened the socket is this service's own origin (the browser sets {@code Origin} and a page
     * cannot forge it), so another site cannot open a console as the user.
     */
    public static Optional<String> websocketToken(Context ctx) {
        Optional<String> token = cookieToken(ctx);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        String origin = ctx.header("Origin");
        String host = ctx.header("Host");
        if (origin == null || host == null || !origin.replaceFirst("^[a-zA-Z]+://", "").equalsIgnoreCase(host)) {
            throw ApiException.unauthorized("A browser console must be opened from this service's own pages.");
        }
        return token;
    }

    /** Sets the session cookie; {@code Secure} whenever the request came over TLS. */
    public static void open(Context ctx, String token, Duration lifetime) {
        ctx.header("Set-Cookie", COOKIE + "=" + token + "; Path=/; Max-Age=" + Math.max(0, lifetime.toSeconds())
                + "; HttpOnly; SameSite=Strict" + (secure(ctx) ? "; Secure" : ""));
    }

    public static void close(Context ctx) {
        ctx.header("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure(ctx) ? "; Secure" : ""));
    }

    private static boolean secure(Context ctx) {
        return "https".equalsIgnoreCase(ctx.scheme());
    }
}
