package org.esi.drivers.redfish;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.esi.spi.BmcException;

/** Builds the SSLContext for one {@link TlsVerification} choice. */
final class TlsContexts {
    private TlsContexts() {}

    static SSLContext create(TlsVerification tls) throws BmcException {
        try {
            return switch (tls.mode()) {
                case SYSTEM -> SSLContext.getDefault();
                case NONE -> context(new TrustManager[] {new TrustEverything()});
                case CA_BUNDLE -> context(bundleTrust(tls));
            };
        } catch (GeneralSecurityException | IOException e) {
            throw new BmcException(BmcException.Kind.CONFIGURATION,
                    "cannot use the CA bundle " + tls.caBundle().map(Object::toString).orElse("") + ": " + e.getMessage(), e);
        }
    }

    private static SSLContext context(TrustManager[] managers) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, managers, new SecureRandom());
        return context;
    }

    private static TrustManager[] bundleTrust(TlsVerification tls) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(tls.caBundle().orElseThrow())) {
            int i = 0;
            for (Certificate certificate : factory.generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in the file");
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    /**
     * For redfish_verify_ca=false. Being an X509ExtendedTrustManager matters: the JDK then leaves the host name
     * check to this class (which skips it) instead of enforcing it itself, and that stays per client, unlike
     * the global jdk.internal.httpclient.disableHostnameVerification switch.
     */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
