package org.esi.cluster.autoscaler;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster autoscaler's listener: gRPC over TLS on its own port, serving {@link CloudProviderService}.
 * Clients must present a certificate that chains to the configured client CA (the handshake fails
 * otherwise), and its subject CN must map to an ESI project ({@link ClientProjects}).
 *
 * <pre>{@code
 * AutoscalerServer autoscaler = AutoscalerServer.start(settings, pools);   // at start-up
 * autoscaler.close();                                                       // at shut-down
 * }</pre>
 */
public final class AutoscalerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AutoscalerServer.class);
    private static final long STOP_GRACE_SECONDS = 5;

    private final Server server;

    private AutoscalerServer(Server server) {
        this.server = server;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalStateException naming the file or address that is wrong: unreadable certificate, key or
     *                               client CA, or a port that cannot be bound
     */
    public static AutoscalerServer start(AutoscalerSettings s, AutoscalerPools pools) {
        ServerCredentials tls;
        try {
            tls = TlsServerCredentials.newBuilder()
                    .keyManager(readable(s.tlsCert(), "autoscaler.tls-cert").toFile(), readable(s.tlsKey(), "autoscaler.tls-key").toFile())
                    .trustManager(readable(s.clientCa(), "autoscaler.client-ca").toFile())
                    .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("Autoscaler TLS set-up failed (autoscaler.tls-cert must be a PEM certificate chain, "
                    + "autoscaler.tls-key an unencrypted PKCS#8 PEM key, autoscaler.client-ca PEM certificates): " + e.getMessage(), e);
        }
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(s.address(), s.port()), tls)
                .addService(ServerInterceptors.intercept(new CloudProviderService(pools), new ClientProjects(s)))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IllegalStateException("Autoscaler listener cannot bind " + s.address() + ":" + s.port() + ": " + e.getMessage(), e);
        }
        LOG.info("Autoscaler externalgrpc listener on {}:{} (TLS with client certificates, {} client(s))",
                s.address(), server.getPort(), s.clients().size());
        return new AutoscalerServer(server);
    }

    /** The bound port (the chosen one when the settings said 0). */
    public int port() {
        return server.getPort();
    }

    /** Stops taking calls, lets running ones finish for a few seconds, then cuts the rest. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static Path readable(Path file, String setting) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException(setting + " " + file + " is not a readable file");
        }
        return file;
    }
}
