package org.esi.federation;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.esi.crypto.SecretBox;

/**
 * This site's Ed25519 signing key, kept in the data directory ({@code <data>/federation/site.key}, mode 0600:
 * the PKCS#8 private key, then the X.509 public key, each in base64 on a line) and created on first start. The
 * public half is stored because the JDK derives no public key from an EdDSA private one. Instances of one site
 * must share the file, as they share {@code secret.key}. Public keys travel as the base64url (no padding) of the
 * raw 32-byte key (RFC 8032).
 */
public final class SiteKey {
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    static final int RAW_LENGTH = 32;

    private final PrivateKey privateKey;
    private final byte[] rawPublicKey;

    private SiteKey(PrivateKey privateKey, byte[] rawPublicKey) {
        this.privateKey = privateKey;
        this.rawPublicKey = rawPublicKey;
    }

    /** A key held only in memory (tests, and a peer's forged key in them). */
    public static SiteKey generate() {
        KeyPair pair = newPair();
        return new SiteKey(pair.getPrivate(), raw(pair.getPublic()));
    }

    public static SiteKey loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            KeyPair pair = newPair();
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Base64.Encoder b64 = Base64.getEncoder();
                Files.writeString(file, b64.encodeToString(pair.getPrivate().getEncoded()) + "\n"
                        + b64.encodeToString(pair.getPublic().getEncoded()) + "\n");
            } catch (FileAlreadyExistsException raced) {
                // Another instance of this site created it first; use theirs.
            }
        }
        SecretBox.requirePrivate(file);
        try {
            String[] lines = Files.readString(file).trim().split("\\s+");
            if (lines.length != 2) {
                throw new IllegalArgumentException("two lines expected");
            }
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            PrivateKey key = kf.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines[0])));
            PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(lines[1])));
            // A file whose halves do not match would sign what no peer can verify: refuse it at start.
            byte[] probe = "esi site key probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(pub);
            verifier.update(probe);
            if (!verifier.verify(sig)) {
                throw new GeneralSecurityException("halves do not match");
            }
            return new SiteKey(key, raw(pub));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("federation key file " + file + " does not hold an Ed25519 key pair (PKCS#8 and X.509, base64)");
        }
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public byte[] rawPublicKey() {
        return rawPublicKey.clone();
    }

    /** The public key as peers register it: base64url of the raw 32 bytes, without padding. */
    public String publicKeyText() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(rawPublicKey);
    }

    @Override
    public String toString() {
        return "SiteKey[public=" + publicKeyText() + "]"; // never the private half
    }

    /** The raw 32 bytes of an Ed25519 public key. */
    static byte[] raw(PublicKey key) {
        byte[] spki = key.getEncoded();
        return Arrays.copyOfRange(spki, spki.length - RAW_LENGTH, spki.length);
    }

    public static PublicKey fromRaw(byte[] raw) throws GeneralSecurityException {
        if (raw.length != RAW_LENGTH) {
            throw new GeneralSecurityException("an Ed25519 public key is 32 bytes");
        }
        byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + RAW_LENGTH);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, RAW_LENGTH);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    /**
     * A public key as a peer's admin pastes it: base64url or base64 (padded or not) of the raw 32 bytes, or of the
     * X.509 SubjectPublicKeyInfo DER (44 bytes); empty when it is none of these or does not parse as Ed25519.
     */
    public static Optional<byte[]> parsePublicKey(String text) {
        if (text == null || text.isBlank() || text.length() > 200) {
            return Optional.empty();
        }
        String t = text.trim().replace('+', '-').replace('/', '_');
        while (t.endsWith("=")) {
            t = t.substring(0, t.length() - 1);
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        byte[] raw;
        if (bytes.length == RAW_LENGTH) {
            raw = bytes;
        } else if (bytes.length == SPKI_PREFIX.length + RAW_LENGTH
                && Arrays.equals(Arrays.copyOf(bytes, SPKI_PREFIX.length), SPKI_PREFIX)) {
            raw = Arrays.copyOfRange(bytes, SPKI_PREFIX.length, bytes.length);
        } else {
            return Optional.empty();
        }
        try {
            fromRaw(raw);
            return Optional.of(raw);
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static KeyPair newPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable in this JDK", e);
        }
    }
}
