package org.esi.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.esi.http.ApiException;
import org.esi.http.Caller;
import org.esi.http.ErrorKind;

/**
 * The home site's side: for a local caller, signs an assertion for a peer and exchanges it at the peer's
 * {@code POST /federation/v1/tokens} for a token there. Tokens are cached per peer, user, project and roles
 * until {@link #REFRESH_BEFORE} their expiry, so a burst of calls to one peer costs one exchange.
 */
public final class FederationClient {
    static final Duration REFRESH_BEFORE = Duration.ofSeconds(60);
    private static final int CACHE_MAX = 10_000;

    private final FederationStore store;
    private final AssertionSigner signer;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration timeout;
    private final ConcurrentHashMap<String, PeerToken> cache = new ConcurrentHashMap<>();

    /** A token at a peer; its text is a secret, so it is left out of {@link #toString}. */
    public record PeerToken(String peer, String token, Instant expiresAt, String projectId, String projectName, Set<String> roles) {
        public PeerToken {
            roles = Set.copyOf(roles);
        }

        @Override
        public String toString() {
            return "PeerToken[peer=" + peer + ", project=" + projectName + ", roles=" + roles + ", expiresAt=" + expiresAt + "]";
        }
    }

    public FederationClient(FederationStore store, AssertionSigner signer, HttpClient http, ObjectMapper json, Clock clock,
                            Duration timeout) {
        this.store = store;
        this.signer = signer;
        this.http = http;
        this.json = json;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** A token at {@code peerName} for {@code caller}: cached, or exchanged now. 404 for an unknown peer, 502 when it refuses. */
    public PeerToken tokenFor(Caller caller, String peerName) {
        Peer peer = store.peer(peerName).orElseThrow(() -> ApiException.notFound("No peer site named '" + peerName + "'"));
        String key = cacheKey(peer.name(), caller);
        PeerToken cached = cache.get(key);
        if (cached != null && clock.instant().isBefore(cached.expiresAt().minus(REFRESH_BEFORE))) {
            return cached;
        }
        PeerToken fresh = exchange(peer, signer.sign(signer.claimsFor(caller, peer.name())));
        if (cache.size() > CACHE_MAX) {
            cache.clear();
        }
        cache.put(key, fresh);
        return fresh;
    }

    /**
     * Drops the cached token of a caller at a peer, for a caller whose peer token was refused there (the peer removed
     * and registered again, the shadow's token revoked): the next {@link #tokenFor} exchanges afresh.
     */
    public void forget(Caller caller, String peerName) {
        cache.remove(cacheKey(peerName, caller));
    }

    /**
     * Everything the assertion says is in the key: a rename or a role change at home is a new exchange, which the
     * peer follows (it renames the shadow project, sets the shadow user's roles).
     */
    private static String cacheKey(String peer, Caller caller) {
        return String.join("\n", peer, caller.userId(), caller.projectId(), caller.projectName(),
                String.join(",", caller.roles().stream().sorted().toList()));
    }

    /** Exchanges a signed assertion at a peer (also for tests that bring assertions of their own). */
    public PeerToken exchange(Peer peer, String assertion) {
        HttpResponse<String> r;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(peer.url() + FederationRoutes.P + "/tokens")).timeout(timeout)
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(Map.of("assertion", assertion)))).build();
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ApiException(ErrorKind.EXTERNAL, "Peer site " + peer.name() + " could not be reached: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorKind.EXTERNAL, "Interrupted while calling peer site " + peer.name());
        }
        if (r.statusCode() != 201) {
            throw new ApiException(ErrorKind.EXTERNAL, "Peer site " + peer.name() + " refused the federation assertion (HTTP "
                    + r.statusCode() + ")");
        }
        String token = r.headers().firstValue("X-Subject-Token").orElse("");
        try {
            JsonNode t = json.readTree(r.body()).path("token");
            Set<String> roles = new java.util.TreeSet<>();
            t.path("roles").forEach(x -> roles.add(x.asText()));
            Instant expires = Instant.parse(t.path("expires_at").asText());
            if (token.isEmpty()) {
                throw new IOException("no X-Subject-Token");
            }
            return new PeerToken(peer.name(), token, expires, t.path("project").path("id").asText(),
                    t.path("project").path("name").asText(), roles);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(ErrorKind.EXTERNAL, "Peer site " + peer.name() + " answered the token exchange with an unreadable body");
        }
    }
}
