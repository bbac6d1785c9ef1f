package org.esi.cluster.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.esi.cluster.autoscaler.proto.CloudProviderGrpc;
import org.esi.cluster.autoscaler.proto.CloudProviderGrpc.CloudProviderBlockingStub;

/** Cluster-autoscaler clients of a test's listener: stubs from our .proto over TLS, as the autoscaler's cloud-config sets them up. */
final class AutoscalerClients implements AutoCloseable {
    private final int port;
    private final Path trusted;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    /** Clients of the listener on 127.0.0.1:{@code port}, trusting the server certificates {@code trusted} signed. */
    AutoscalerClients(int port, Path trusted) {
        this.port = port;
        this.trusted = trusted;
    }

    /** A stub presenting this client certificate (none when null). */
    CloudProviderBlockingStub stub(TestCertificates.Pem client) throws IOException {
        TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(trusted.toFile());
        if (client != null) {
            tls.keyManager(client.cert().toFile(), client.key().toFile());
        }
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, tls.build()).build();
        channels.add(channel);
        // Each call its own deadline (a stub's withDeadlineAfter would be one instant for all its calls).
        return CloudProviderGrpc.newBlockingStub(channel).withInterceptors(new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withDeadlineAfter(30, TimeUnit.SECONDS));
            }
        });
    }

    /** Runs the call; OK expects it to succeed, any other code that it fails with that code and a description containing text. */
    static void assertStatus(ThrowingCallable call, Status.Code code, String text) {
        if (code == Status.Code.OK) {
            try {
                call.call();
            } catch (Throwable t) {
                throw new AssertionError("expected success", t);
            }
            return;
        }
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
            if (text != null) {
                assertThat(e.getStatus().getDescription()).contains(text);
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
