package org.esi.federation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esi.http.Access;
import org.esi.http.ApiException;
import org.esi.http.Call;
import org.esi.http.HttpApi;
import org.esi.http.Jsons;
import org.esi.identity.IdentityStore;
import org.esi.identity.TokenService;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** {@code /federation/v1}: this site's public key, its peers, and the token exchange peers' users arrive through. */
public final class FederationRoutes {
    static final String P = "/federation/v1";
    static final int URL_MAX = 2048;
    private static final Set<String> PEER_BODY = Set.of("name", "url", "public_key");

    private final String siteName;
    private final SiteKey key;
    private final FederationStore store;
    private final TokenExchange exchange;
    private final Clock clock;

    public FederationRoutes(String siteName, SiteKey key, FederationStore store, TokenExchange exchange, Clock clock) {
        this.siteName = siteName;
        this.key = key;
        this.store = store;
        this.exchange = exchange;
        this.clock = clock;
    }

    public void register(HttpApi api) {
        api.get(P + "/key", Access.anonymous(), this::key);
        api.get(P + "/peers", Access.rule("esi:federation:peer:list"), this::list);
        api.post(P + "/peers", Access.rule("esi:federation:peer:create"), this::create);
        api.get(P + "/peers/{name}", Access.rule("esi:federation:peer:get"), this::show);
        api.delete(P + "/peers/{name}", Access.rule("esi:federation:peer:delete"), this::delete);
        // Anonymous: the assertion in the body is the credential.
        api.post(P + "/tokens", Access.anonymous(), this::exchange);
    }

    private void key(Call call) {
        call.query(Set.of());
        call.ctx().json(Map.of("site", siteName, "public_key", key.publicKeyText(), "algorithm", "EdDSA"));
    }

    private void list(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        call.ctx().json(Map.of("peers", store.peers().stream().map(FederationRoutes::json).toList()));
    }

    private void show(Call call) {
        call.query(Set.of());
        call.authorize(Map.of());
        String name = call.pathParam("name");
        call.ctx().json(json(store.peer(name).orElseThrow(() -> notFound(name))));
    }

    private void create(Call call) {
        call.authorize(Map.of());
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, PEER_BODY, "the peer");
        String name = Jsons.requireString(body, "name");
        if (!FederationSettings.isSiteName(name)) {
            throw ApiException.badRequest("A peer name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"
                    + " (the peer's federation.site-name)");
        }
        if (name.equals(siteName)) {
            throw ApiException.badRequest("A peer cannot be named '" + name + "': that is this site's own name");
        }
        String url = peerUrl(Jsons.requireString(body, "url"));
        byte[] publicKey = SiteKey.parsePublicKey(Jsons.requireString(body, "public_key")).orElseThrow(() -> ApiException.badRequest(
                "'public_key' must be an Ed25519 public key: base64url of its raw 32 bytes (as GET /federation/v1/key gives it)"
                        + " or of its X.509 SubjectPublicKeyInfo"));
        Peer peer = new Peer(name, url, publicKey, clock.instant());
        try {
            store.insertPeer(peer);
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict("A peer named '" + name + "' is already registered; remove it first to change it");
            }
            throw e;
        }
        call.ctx().status(201).json(json(peer));
    }

    private void delete(Call call) {
        call.authorize(Map.of());
        String name = call.pathParam("name");
        if (!store.deletePeer(name, clock.instant())) {
            throw notFound(name);
        }
        exchange.forgetCachedTokens();
        call.ctx().status(204);
    }

    private void exchange(Call call) {
        ObjectNode body = call.bodyObject();
        Jsons.requireOnly(body, Set.of("assertion"), "the request");
        String assertion = Jsons.requireString(body, "assertion");
        TokenService.Issued issued = exchange.exchange(assertion);
        IdentityStore.TokenRow row = issued.row();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("issued_at", row.issuedAt().toString());
        t.put("expires_at", row.expiresAt().toString());
        t.put("user", Map.of("id", row.userId(), "name", row.userName()));
        t.put("project", Map.of("id", row.projectId(), "name", row.projectName()));
        t.put("roles", row.roles().stream().sorted().toList());
        t.put("site", siteName);
        call.ctx().status(201).header("X-Subject-Token", issued.token()).json(Map.of("token", t));
    }

    /** An http(s) base URL with a host and nothing after the path; stored without a trailing '/'. */
    static String peerUrl(String text) {
        String bad = "'url' must be the peer's http:// or https:// base URL, e.g. https://esi.example.org, at most " + URL_MAX
                + " characters";
        if (text.length() > URL_MAX) {
            throw ApiException.badRequest(bad);
        }
        try {
            URI u = new URI(text.trim());
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!List.of("http", "https").contains(scheme) || u.getHost() == null || u.getRawUserInfo() != null
                    || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw ApiException.badRequest(bad);
            }
            String s = u.toString();
            return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        } catch (URISyntaxException e) {
            throw ApiException.badRequest(bad);
        }
    }

    private static ApiException notFound(String name) {
        return ApiException.notFound("No peer site named '" + Jsons.clip(name) + "'");
    }

    static Map<String, Object> json(Peer p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("url", p.url());
        m.put("public_key", Base64.getUrlEncoder().withoutPadding().encodeToString(p.publicKey()));
        m.put("algorithm", "EdDSA");
        m.put("created_at", p.createdAt().toString());
        return m;
    }
}
