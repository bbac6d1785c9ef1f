package org.esi.cluster.autoscaler;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away certificate authority for tests: PEM files of a CA, a server and clients, as an operator would have them. */
final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate and its unencrypted PKCS#8 key, as PEM files. */
    record Pem(Path cert, Path key) {}

    private final Path dir;
    private final X500Name name;
    private final KeyPair keys;
    final Path caFile;

    private TestCertificates(Path dir, String cn) throws IOException, GeneralSecurityException {
        this.dir = dir;
        this.name = new X500Name("CN=" + cn + ", O=ESI tests");
        this.keys = newKeys();
        X509v3CertificateBuilder b = builder(name, name, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.caFile = dir.resolve(fileName(cn) + "-ca.pem");
        writePem(caFile, sign(b, keys));
    }

    static TestCertificates authority(Path dir, String cn) throws IOException, GeneralSecurityException {
        return new TestCertificates(dir, cn);
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    Pem server(String cn) throws IOException, GeneralSecurityException {
        return leaf(cn, KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    }

    /** A client certificate whose subject is {@code CN=<cn>, O=ESI tests}. */
    Pem client(String cn) throws IOException, GeneralSecurityException {
        return leaf(cn, KeyPurposeId.id_kp_clientAuth, null);
    }

    private Pem leaf(String cn, KeyPurposeId purpose, GeneralNames altNames) throws IOException, GeneralSecurityException {
        KeyPair leafKeys = newKeys();
        X509v3CertificateBuilder b = builder(name, new X500Name("CN=" + cn + ", O=ESI tests"), leafKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        if (altNames != null) {
            b.addExtension(Extension.subjectAlternativeName, false, altNames);
        }
        X509Certificate leafCert = sign(b, keys);
        Path certFile = dir.resolve(fileName(cn) + ".pem");
        Path keyFile = dir.resolve(fileName(cn) + "-key.pem");
        writePem(certFile, leafCert);
        writePem(keyFile, new JcaPKCS8Generator(leafKeys.getPrivate(), null));
        return new Pem(certFile, keyFile);
    }

    /** Valid from five minutes ago (clock skew) for a day. */
    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key) {
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(Instant.now().minus(Duration.ofMinutes(5))), Date.from(Instant.now().plus(Duration.ofDays(1))),
                subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static void writePem(Path file, Object object) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(object);
        }
    }

    private static String fileName(String cn) {
        return cn.replaceAll("[^A-Za-z0-9.-]", "_");
    }
}
