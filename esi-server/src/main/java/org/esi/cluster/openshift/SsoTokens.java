package org.esi.cluster.openshift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens for the Assisted Installer: an offline token exchanged at the SSO's token endpoint
 * ({@code grant_type=refresh_token}, {@code client_id=cloud-services}) for an access token of about 15 minutes.
 * Each token is cached (keyed by endpoint and a digest of the offline token, never the token itself) and
 * refreshed before it expires: once less than a minute, or a fifth of its life, is left, whichever is less.
 */
public final class SsoTokens {
    static final String CLIENT_ID = "cloud-services";
    private static final Duration MARGIN = Duration.ofMinutes(1);

    private final HttpClient http;
    private final ObjectMapper json;
    private final InstantSource time;
    private final Duration timeout;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(String token, Instant refreshAt) {}

    public SsoTokens(HttpClient http, ObjectMapper json, InstantSource time, Duration timeout) {
        this.http = http;
        this.json = json;
        this.time = time;
        this.timeout = timeout;
    }

    /** A token valid for a while yet, from the cache or fresh from the SSO. */
    public String accessToken(String tokenUrl, String offlineToken) throws AssistedInstallerException {
        String key = key(tokenUrl, offlineToken);
        Cached c = cache.get(key);
        if (c != null && time.instant().isBefore(c.refreshAt())) {
            return c.token();
        }
        synchronized (this) {
            c = cache.get(key);
            if (c != null && time.instant().isBefore(c.refreshAt())) {
                return c.token();
            }
            Cached fresh = exchange(tokenUrl, offlineToken);
            cache.put(key, fresh);
            return fresh.token();
        }
    }

    /** Forgets the cached token (the API refused it): the next call gets a new one. */
    public void invalidate(String tokenUrl, String offlineToken) {
        cache.remove(key(tokenUrl, offlineToken));
    }

    private Cached exchange(String tokenUrl, String offlineToken) throws AssistedInstallerException {
        String form = "grant_type=refresh_token&client_id=" + CLIENT_ID + "&refresh_token=" + URLEncoder.encode(offlineToken, StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(tokenUrl)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        Instant asked = time.instant();
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssistedInstallerException(0, "the SSO at " + tokenUrl + " could not be reached: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssistedInstallerException(0, "interrupted while asking the SSO for a token");
        }
        if (resp.statusCode() != 200) {
            // The body may say why (invalid_grant: the offline token expired or was revoked); it never holds the token.
            throw new AssistedInstallerException(resp.statusCode(), "the SSO refused the offline token (" + resp.statusCode() + " "
                    + AssistedInstaller.reason(resp.body(), json) + ")");
        }
        try {
            JsonNode body = json.readTree(resp.body());
            String token = body.path("access_token").asText("");
            long life = body.path("expires_in").asLong(900);
            if (token.isEmpty() || life <= 0) {
                throw new AssistedInstallerException(resp.statusCode(), "the SSO answered without an access token");
            }
            Duration lifetime = Duration.ofSeconds(life);
            Duration margin = lifetime.dividedBy(5).compareTo(MARGIN) < 0 ? lifetime.dividedBy(5) : MARGIN;
            return new Cached(token, asked.plus(lifetime).minus(margin));
        } catch (IOException e) {
            throw new AssistedInstallerException(resp.statusCode(), "the SSO's answer is not JSON");
        }
    }

    private static String key(String tokenUrl, String offlineToken) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(offlineToken.getBytes(StandardCharsets.UTF_8));
            return tokenUrl + " " + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
