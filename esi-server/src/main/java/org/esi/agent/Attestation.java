package org.esi.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.esi.http.ApiException;
import org.esi.node.Node;

/**
 * Checks a TPM 2.0 quote (TPM2_Quote: a TPMS_ATTEST structure and its TPMT_SIGNATURE, TPM 2.0 Library
 * Part 2 §10.12.12 and §11.3.4) against the owner's policy: signed by the node's attestation key
 * (registered at inspection), carrying the nonce this service issued for this very quote, over the PCR
 * selection the owner asked for, with PCR values that hash to the signed digest and equal the owner's
 * golden values. Any failure names its reason; none of this trusts what the agent says beyond what the
 * TPM signed.
 */
public final class Attestation {
    static final int TPM_GENERATED = 0xff544347;
    static final int ST_ATTEST_QUOTE = 0x8018;
    static final int ALG_RSASSA = 0x0014;
    static final int ALG_RSAPSS = 0x0016;
    static final int ALG_ECDSA = 0x0018;
    /** driver_internal_info key of the attestation key's public half (PEM), recorded by inspection. */
    public static final String AK_KEY = "attestation_key";

    private Attestation() {}

    /** The owner's policy: driver_info.attestation, else properties.attestation; null when the node has none. */
    static JsonNode policy(Node n) {
        JsonNode a = n.driverInfo().get("attestation");
        if (a == null || a.isNull()) {
            a = n.properties().get("attestation");
        }
        return a == null || a.isNull() ? null : a;
    }

    enum Bank {
        SHA1(0x0004, "SHA-1", 20), SHA256(0x000b, "SHA-256", 32), SHA384(0x000c, "SHA-384", 48), SHA512(0x000d, "SHA-512", 64);

        final int id;
        final String jca;
        final int size;

        Bank(int id, String jca, int size) {
            this.id = id;
            this.jca = jca;
            this.size = size;
        }

        static Bank named(String name) {
            for (Bank b : values()) {
                if (b.name().equalsIgnoreCase(name)) {
                    return b;
                }
            }
            throw ApiException.badRequest("attestation.hash_algo must be sha1, sha256, sha384 or sha512");
        }

        static Bank ofId(int id) {
            for (Bank b : values()) {
                if (b.id == id) {
                    return b;
                }
            }
            return null;
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code {"pcrs": [0, 7], "golden": {"0": "<hex>", "7": "<hex>"}, "hash_algo": "sha256"}}. */
    record Policy(List<Integer> pcrs, Map<Integer, String> golden, Bank bank) {
        static Policy of(JsonNode a) {
            if (!a.isObject()) {
                throw ApiException.badRequest("attestation must be an object {pcrs, golden, hash_algo}");
            }
            Bank bank = Bank.named(a.path("hash_algo").asText("sha256"));
            JsonNode list = a.get("pcrs");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw ApiException.badRequest("attestation.pcrs must be a non-empty list of PCR numbers (0-23)");
            }
            TreeSet<Integer> pcrs = new TreeSet<>();
            for (JsonNode p : list) {
                if (!p.canConvertToInt() || !p.isIntegralNumber() || p.asInt() < 0 || p.asInt() > 23) {
                    throw ApiException.badRequest("attestation.pcrs must be a non-empty list of PCR numbers (0-23)");
                }
                pcrs.add(p.asInt());
            }
            JsonNode g = a.get("golden");
            if (g == null || !g.isObject()) {
                throw ApiException.badRequest("attestation.golden must map each PCR number to its expected value in hex");
            }
            Map<Integer, String> golden = new LinkedHashMap<>();
            for (int p : pcrs) {
                String v = g.path(String.valueOf(p)).asText("").toLowerCase(Locale.ROOT).replaceFirst("^0x", "");
                if (!v.matches("[0-9a-f]{" + (bank.size * 2) + "}")) {
                    throw ApiException.badRequest("attestation.golden." + p + " must be " + (bank.size * 2) + " hex digits (" + bank.word() + ")");
                }
                golden.put(p, v);
            }
            return new Policy(List.copyOf(pcrs), golden, bank);
        }
    }

    /** The outcome: passed, or the reason it did not. */
    record Verdict(boolean passed, String reason) {
        static Verdict pass() {
            return new Verdict(true, null);
        }

        static Verdict fail(String reason) {
            return new Verdict(false, reason);
        }
    }

    /**
     * @param akPem  the attestation key registered at inspection (SubjectPublicKeyInfo PEM)
     * @param nonce  the nonce issued for this quote
     * @param result the agent's {@code attest.get_quote} result: quote, signature (base64), pcrs {n: hex}
     */
    static Verdict verify(Policy policy, String akPem, byte[] nonce, JsonNode result) {
        byte[] quote;
        byte[] sig;
        try {
            quote = Base64.getDecoder().decode(result.path("quote").asText(""));
            sig = Base64.getDecoder().decode(result.path("signature").asText(""));
        } catch (IllegalArgumentException e) {
            return Verdict.fail("the agent's quote or signature is not base64");
        }
        PublicKey ak;
        try {
            ak = publicKey(akPem);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Verdict.fail("the node's registered attestation key cannot be read");
        }
        try {
            if (!signatureValid(ak, quote, sig)) {
                return Verdict.fail("the quote's signature does not verify with the node's attestation key");
            }
        } catch (GeneralSecurityException | BufferUnderflowException | IllegalArgumentException e) {
            return Verdict.fail("the quote's signature cannot be read as a TPMT_SIGNATURE");
        }
        Quote q;
        try {
            q = Quote.parse(quote);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return Verdict.fail("the signed data is not a TPM2 quote (TPMS_ATTEST): " + e.getMessage());
        }
        if (!MessageDigest.isEqual(q.extraData, nonce)) {
            return Verdict.fail("the quote does not carry the nonce issued for it (a stale or replayed quote)");
        }
        if (q.bank != policy.bank() || !q.pcrs.equals(policy.pcrs())) {
            return Verdict.fail("the quote covers " + (q.bank == null ? "an unknown bank" : q.bank.word()) + " PCRs " + q.pcrs
                    + ", not the owner's " + policy.bank().word() + " PCRs " + policy.pcrs());
        }
        JsonNode reported = result.path("pcrs");
        Map<Integer, byte[]> values = new LinkedHashMap<>();
        for (int p : policy.pcrs()) {
            String hex = reported.path(String.valueOf(p)).asText("").toLowerCase(Locale.ROOT).replaceFirst("^0x", "");
            if (!hex.matches("[0-9a-f]{" + (policy.bank().size * 2) + "}")) {
                return Verdict.fail("the agent reported no value for PCR " + p);
            }
            values.put(p, HexFormat.of().parseHex(hex));
        }
        try {
            MessageDigest d = MessageDigest.getInstance(policy.bank().jca);
            values.values().forEach(d::update);
            if (!MessageDigest.isEqual(d.digest(), q.pcrDigest)) {
                return Verdict.fail("the reported PCR values are not the ones the TPM signed");
            }
        } catch (GeneralSecurityException e) {
            return Verdict.fail("cannot hash PCR values with " + policy.bank().jca);
        }
        List<String> differ = new ArrayList<>();
        for (int p : policy.pcrs()) {
            String got = HexFormat.of().formatHex(values.get(p));
            if (!got.equals(policy.golden().get(p))) {
                differ.add("PCR " + p + " is " + got + ", the golden value is " + policy.golden().get(p));
            }
        }
        return differ.isEmpty() ? Verdict.pass() : Verdict.fail(String.join("; ", differ));
    }

    static PublicKey publicKey(String pem) throws GeneralSecurityException {
        String b64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getDecoder().decode(b64));
        try {
            return KeyFactory.getInstance("EC").generatePublic(spec);
        } catch (GeneralSecurityException e) {
            return KeyFactory.getInstance("RSA").generatePublic(spec);
        }
    }

    /** TPMT_SIGNATURE: sigAlg, hashAlg, then RSA's one TPM2B or ECDSA's r and s. */
    static boolean signatureValid(PublicKey key, byte[] message, byte[] tpmtSignature) throws GeneralSecurityException {
        ByteBuffer b = ByteBuffer.wrap(tpmtSignature);
        int alg = b.getShort() & 0xffff;
        Bank hash = Bank.ofId(b.getShort() & 0xffff);
        if (hash == null) {
            throw new IllegalArgumentException("unknown hash");
        }
        String h = hash.jca.replace("-", "");
        switch (alg) {
            case ALG_ECDSA -> {
                byte[] r = tpm2b(b);
                byte[] s = tpm2b(b);
                int n = (((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() + 7) / 8;
                byte[] p1363 = new byte[2 * n];
                place(r, p1363, 0, n);
                place(s, p1363, n, n);
                Signature v = Signature.getInstance(h + "withECDSAinP1363Format");
                v.initVerify(key);
                v.update(message);
                return v.verify(p1363);
            }
            case ALG_RSASSA -> {
                Signature v = Signature.getInstance(h + "withRSA");
                v.initVerify(key);
                v.update(message);
                return v.verify(tpm2b(b));
            }
            case ALG_RSAPSS -> {
                Signature v = Signature.getInstance("RSASSA-PSS");
                v.setParameter(new PSSParameterSpec(hash.jca, "MGF1", new MGF1ParameterSpec(hash.jca), hash.size, 1));
                v.initVerify(key);
                v.update(message);
                return v.verify(tpm2b(b));
            }
            default -> throw new IllegalArgumentException("unsupported signature scheme " + alg);
        }
    }

    private static void place(byte[] v, byte[] out, int at, int n) {
        byte[] m = new BigInteger(1, v).toByteArray();
        int skip = m.length > n ? m.length - n : 0;
        System.arraycopy(m, skip, out, at + n - (m.length - skip), m.length - skip);
    }

    static byte[] tpm2b(ByteBuffer b) {
        int size = b.getShort() & 0xffff;
        byte[] out = new byte[size];
        b.get(out);
        return out;
    }

    /** The parts of a TPMS_ATTEST of type quote this check needs. */
    record Quote(byte[] extraData, Bank bank, List<Integer> pcrs, byte[] pcrDigest) {
        static Quote parse(byte[] data) {
            ByteBuffer b = ByteBuffer.wrap(data);
            if (b.getInt() != TPM_GENERATED) {
                throw new IllegalArgumentException("not generated by a TPM (magic)");
            }
            if ((b.getShort() & 0xffff) != ST_ATTEST_QUOTE) {
                throw new IllegalArgumentException("not a quote");
            }
            tpm2b(b); // qualifiedSigner
            byte[] extra = tpm2b(b);
            b.getLong(); // clockInfo.clock
            b.getInt(); // resetCount
            b.getInt(); // restartCount
            b.get(); // safe
            b.getLong(); // firmwareVersion
            int count = b.getInt();
            if (count != 1) {
                throw new IllegalArgumentException("a quote over " + count + " PCR banks (one is expected)");
            }
            Bank bank = Bank.ofId(b.getShort() & 0xffff);
            int size = b.get() & 0xff;
            byte[] select = new byte[size];
            b.get(select);
            List<Integer> pcrs = new ArrayList<>();
            for (int i = 0; i < size * 8; i++) {
                if ((select[i / 8] & (1 << (i % 8))) != 0) {
                    pcrs.add(i);
                }
            }
            byte[] digest = tpm2b(b);
            return new Quote(extra, bank, List.copyOf(pcrs), digest);
        }
    }
}
