package org.esi.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.concurrent.Executors;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.esi.http.HttpApi;

/** Jetty under Javalin: thread pool, body limit, and TLS from PEM files when configured. */
final class HttpServerFactory {
    private HttpServerFactory() {}

    static Javalin create(EsiConfig config, ObjectMapper json) {
        return Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.jsonMapper(HttpApi.jsonMapper(json));
            c.http.maxRequestSize = HttpApi.MAX_BODY_BYTES;
            c.http.prefer405over404 = true;
            c.router.ignoreTrailingSlashes = true;
            c.router.treatMultipleSlashesAsSingleSlash = true;
            QueuedThreadPool pool = new QueuedThreadPool(200, 8, 60_000);
            pool.setName("esi-http");
            // Requests run on virtual threads, so one blocked reading a slow client's body costs no pool thread.
            pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
            c.jetty.threadPool = pool;
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonBadMessages(json)));
            c.jetty.modifyServer(server -> guardConnectors(server, new SlowClientGuard(config.http())));
            c.jetty.modifyServletContextHandler(h -> h.addFilter(new FilterHolder(new IgnoreMethodOverride()), "/*",
                    EnumSet.of(DispatcherType.REQUEST)));
            if (config.tls()) {
                c.jetty.modifyServer(server -> addTls(server, config));
            }
        });
    }

    /** Javalin adds its connector after this hook runs, so the guard is attached when the server starts. */
    private static void guardConnectors(Server server, SlowClientGuard guard) {
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                for (org.eclipse.jetty.server.Connector connector : server.getConnectors()) {
                    if (connector instanceof AbstractConnector c && !c.contains(guard)) {
                        c.addBean(guard);
                    }
                }
            }
        });
    }

    /**
     * Requests Jetty refuses before routing (a URL with %00, a malformed header) get a JSON fault
     * instead of Jetty's HTML page. The path is not known yet, so it is the plain fault shape.
     */
    static final class JsonBadMessages extends org.eclipse.jetty.server.handler.ErrorHandler {
        private final ObjectMapper json;

        JsonBadMessages(ObjectMapper json) {
            this.json = json;
            setShowStacks(false);
            setShowServlet(false);
        }

        @Override
        public java.nio.ByteBuffer badMessageError(int status, String reason, org.eclipse.jetty.http.HttpFields.Mutable fields) {
            org.esi.http.ErrorKind kind = java.util.Arrays.stream(org.esi.http.ErrorKind.values()).filter(k -> k.status() == status)
                    .findFirst().orElse(status >= 500 ? org.esi.http.ErrorKind.INTERNAL : org.esi.http.ErrorKind.USER_ERROR);
            String message = "The request could not be read: " + (reason == null || reason.isBlank() ? kind.title() : reason);
            fields.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
            try {
                return java.nio.ByteBuffer.wrap(json.writeValueAsBytes(org.esi.http.ErrorStyle.FAULT.body(json, kind, message)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return super.badMessageError(status, reason, fields);
            }
        }
    }

    /** Replaces the plain connector with a TLS one on the same address and port. */
    private static void addTls(Server server, EsiConfig config) {
        try {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(keyStore(config));
            ssl.setKeyStorePassword("");
            HttpConfiguration https = new HttpConfiguration();
            https.addCustomizer(new SecureRequestCustomizer());
            ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
            connector.setHost(config.listenAddress());
            connector.setPort(config.listenPort());
            server.setConnectors(new org.eclipse.jetty.server.Connector[] {connector});
        } catch (Exception e) {
            throw new ConfigException("Cannot use tls.cert/tls.key: " + e.getMessage());
        }
    }

    private static KeyStore keyStore(EsiConfig config) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        Certificate[] chain;
        try (var in = Files.newInputStream(config.tlsCert().orElseThrow())) {
            chain = cf.generateCertificates(in).toArray(new Certificate[0]);
        }
        if (chain.length == 0) {
            throw new IOException("no certificate in " + config.tlsCert().get());
        }
        String pem = Files.readString(config.tlsKey().orElseThrow());
        if (!pem.contains("BEGIN PRIVATE KEY")) {
            throw new IOException("tls.key must be an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY); convert with: openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
        PrivateKey key = null;
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (Exception ignored) {
                // try the next algorithm
            }
        }
        if (key == null) {
            throw new IOException("tls.key holds a key that is not RSA, EC or Ed25519");
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("esi", key, new char[0], chain);
        return ks;
    }
}
