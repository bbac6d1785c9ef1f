package org.esi.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ironic's agent token: 32 random bytes, URL-safe base64 without padding (43 characters, as Python's
 * {@code secrets.token_urlsafe()}), issued once per agent boot. IPA accepts a token only if it is at
 * least 32 characters long. Only its SHA-256 is stored; a heartbeat's token is hashed and compared in
 * constant time.
 */
public final class AgentToken {
    /** What Ironic returns instead of a token that was already handed out. */
    public static final String MASK = "******";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentToken() {}

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code token} hashes to {@code storedHash}; false for nulls. */
    public static boolean matches(String token, String storedHash) {
        if (token == null || storedHash == null) {
            return false;
        }
        return MessageDigest.isEqual(hash(token).getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
    }
}
