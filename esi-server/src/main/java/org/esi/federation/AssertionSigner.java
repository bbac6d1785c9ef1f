package org.esi.federation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import org.esi.http.Caller;

/**
 * Signs assertions as this site: a compact JWS, header {@code {"alg":"EdDSA","typ":"JWT","kid":<site>}}, over the
 * claims of {@link AssertionClaims}, valid for {@link #LIFETIME} (the most a peer accepts).
 */
public final class AssertionSigner {
    public static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final String siteName;
    private final SiteKey key;
    private final ObjectMapper json;
    private final Clock clock;

    public AssertionSigner(String siteName, SiteKey key, ObjectMapper json, Clock clock) {
        this.siteName = siteName;
        this.key = key;
        this.json = json;
        this.clock = clock;
    }

    public String siteName() {
        return siteName;
    }

    /** Claims for a local caller towards one peer, from now for the full lifetime. */
    public AssertionClaims claimsFor(Caller caller, String audience) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return new AssertionClaims(siteName, audience, caller.userId(), caller.projectId(), caller.projectName(),
                caller.roles().stream().sorted().toList(), now, now.plus(LIFETIME), B64.encodeToString(id));
    }

    /** Signs any claims with this site's key (the kid is the claims' issuer). */
    public String sign(AssertionClaims c) {
        ObjectNode header = json.createObjectNode().put("alg", "EdDSA").put("typ", "JWT").put("kid", c.issuer());
        ObjectNode body = json.createObjectNode()
                .put("iss", c.issuer()).put("aud", c.audience()).put("sub", c.subject())
                .put("project_id", c.projectId()).put("project_name", c.projectName());
        c.roles().forEach(body.putArray("roles")::add);
        body.put("iat", c.issuedAt().getEpochSecond()).put("exp", c.expiresAt().getEpochSecond()).put("jti", c.jti());
        try {
            String signingInput = B64.encodeToString(json.writeValueAsBytes(header)) + "." + B64.encodeToString(json.writeValueAsBytes(body));
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.privateKey());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(s.sign());
        } catch (GeneralSecurityException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot sign a federation assertion", e);
        }
    }
}
