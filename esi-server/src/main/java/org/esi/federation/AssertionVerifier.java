package org.esi.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks an assertion at the peer: signed (EdDSA only) by the registered key of its issuer, addressed to this
 * site, within its lifetime of at most {@link AssertionSigner#LIFETIME}, allowing {@link #SKEW} of clock skew.
 * Whether its {@code jti} was used before is the token exchange's to decide, in the transaction that uses it.
 */
public final class AssertionVerifier {
    public static final Duration SKEW = Duration.ofSeconds(30);
    static final int MAX_LENGTH = 8192;
    /** As federation_jti holds it: a longer one would be a check violation (a 500) rather than a refusal. */
    static final int MAX_JTI = 128;
    private static final Pattern PART = Pattern.compile("^[A-Za-z0-9_-]+$");
    private static final Set<String> HEADER = Set.of("alg", "typ", "kid");
    private static final Set<String> CLAIMS = Set.of("iss", "aud", "sub", "project_id", "project_name", "roles", "iat", "exp", "jti");

    private final String siteName;
    private final FederationStore peers;
    private final ObjectMapper json;
    private final Clock clock;

    public AssertionVerifier(String siteName, FederationStore peers, ObjectMapper json, Clock clock) {
        this.siteName = siteName;
        this.peers = peers;
        this.json = json;
        this.clock = clock;
    }

    public AssertionClaims verify(String jws) {
        if (jws == null || jws.length() > MAX_LENGTH) {
            throw new AssertionRefused("missing or longer than " + MAX_LENGTH + " characters");
        }
        String[] parts = jws.split("\\.", -1);
        if (parts.length != 3 || !PART.matcher(parts[0]).matches() || !PART.matcher(parts[1]).matches()
                || !PART.matcher(parts[2]).matches()) {
            throw new AssertionRefused("not a compact JWS");
        }
        JsonNode header = object(parts[0], "header");
        // Only our one algorithm: a JWS naming another (none, HS256 with the public key as secret) is refused outright.
        if (!only(header, HEADER) || !"EdDSA".equals(header.path("alg").textValue())
                || (header.has("typ") && !"JWT".equals(header.path("typ").textValue())) || !header.path("kid").isTextual()) {
            throw new AssertionRefused("header is not {alg: EdDSA, typ: JWT, kid}");
        }
        JsonNode body = object(parts[1], "claims");
        String issuer = text(body, "iss");
        if (!issuer.equals(header.path("kid").textValue())) {
            throw new AssertionRefused("kid and iss differ");
        }
        Peer peer = peers.peer(issuer).orElseThrow(() -> new AssertionRefused("unknown issuer " + printable(issuer)));
        if (!signatureHolds(peer, parts)) {
            throw new AssertionRefused("signature does not verify with the registered key of " + peer.name());
        }
        if (!only(body, CLAIMS)) {
            throw new AssertionRefused("unknown claims");
        }
        String audience = text(body, "aud");
        if (!audience.equals(siteName)) {
            throw new AssertionRefused("audience " + printable(audience) + " is not this site (" + siteName + ")");
        }
        Instant iat = seconds(body, "iat");
        Instant exp = seconds(body, "exp");
        Instant now = clock.instant();
        if (!exp.isAfter(iat) || Duration.between(iat, exp).compareTo(AssertionSigner.LIFETIME) > 0) {
            throw new AssertionRefused("lifetime is not within (0, " + AssertionSigner.LIFETIME.toSeconds() + " s]");
        }
        if (iat.isAfter(now.plus(SKEW))) {
            throw new AssertionRefused("issued in the future (" + iat + ")");
        }
        if (!exp.plus(SKEW).isAfter(now)) {
            throw new AssertionRefused("expired at " + exp);
        }
        JsonNode roles = body.get("roles");
        if (roles == null || !roles.isArray() || roles.size() > 32) {
            throw new AssertionRefused("roles is not a list");
        }
        List<String> roleNames = new ArrayList<>();
        for (JsonNode r : roles) {
            if (!r.isTextual() || r.textValue().length() > 64) {
                throw new AssertionRefused("a role is not a short string");
            }
            roleNames.add(r.textValue());
        }
        String jti = text(body, "jti");
        if (jti.length() > MAX_JTI) {
            throw new AssertionRefused("jti is longer than " + MAX_JTI + " characters");
        }
        return new AssertionClaims(issuer, audience, text(body, "sub"), text(body, "project_id"), text(body, "project_name"),
                roleNames, iat, exp, jti);
    }

    private static boolean signatureHolds(Peer peer, String[] parts) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(SiteKey.fromRaw(peer.publicKey()));
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return s.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private JsonNode object(String part, String what) {
        try {
            JsonNode node = json.readTree(Base64.getUrlDecoder().decode(part));
            if (node == null || !node.isObject()) {
                throw new AssertionRefused(what + " is not a JSON object");
            }
            return node;
        } catch (IOException | IllegalArgumentException e) {
            throw new AssertionRefused(what + " is not base64url JSON");
        }
    }

    private static boolean only(JsonNode node, Set<String> allowed) {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            if (!allowed.contains(it.next())) {
                return false;
            }
        }
        return true;
    }

    private static String text(JsonNode body, String claim) {
        JsonNode v = body.get(claim);
        if (v == null || !v.isTextual() || v.textValue().isEmpty() || v.textValue().length() > 255) {
            throw new AssertionRefused("claim " + claim + " is not a string of 1 to 255 characters");
        }
        return v.textValue();
    }

    private static Instant seconds(JsonNode body, String claim) {
        JsonNode v = body.get(claim);
        // Bounded so that Instant arithmetic cannot overflow on a hostile value.
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0 || v.longValue() > 253_402_300_799L) {
            throw new AssertionRefused("claim " + claim + " is not a NumericDate");
        }
        return Instant.ofEpochSecond(v.longValue());
    }

    /** Untrusted text as it may appear in a log line: short, printable ASCII. */
    static String printable(String s) {
        String clipped = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return "'" + clipped.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }
}
