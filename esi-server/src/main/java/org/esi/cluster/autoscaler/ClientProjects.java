package org.esi.cluster.autoscaler;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the ESI project of every call from the client certificate the TLS handshake verified: its subject CN,
 * looked up in {@link AutoscalerSettings#clients()}. The project travels to {@link CloudProviderService} in
 * {@link #PROJECT}; a call without a verified certificate is UNAUTHENTICATED, one whose CN is not mapped
 * PERMISSION_DENIED, and neither reaches the service.
 */
final class ClientProjects implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ClientProjects.class);

    /** The calling client's ESI project id, set for every call the service sees. */
    static final Context.Key<String> PROJECT = Context.key("esi-autoscaler-project");

    private final AutoscalerSettings settings;
    /** CNs already reported as unmapped: the autoscaler retries every few seconds, the log says it once. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    ClientProjects(AutoscalerSettings settings) {
        this.settings = settings;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<String> cn = commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (cn.isEmpty()) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("a client certificate with a subject CN is required"));
        }
        Optional<String> project = settings.projectFor(cn.get());
        if (project.isEmpty()) {
            if (reported.add(cn.get())) {
                LOG.warn("Autoscaler client certificate CN '{}' is not mapped to a project (autoscaler.clients); its calls are refused", cn.get());
            }
            return refuse(call, Status.PERMISSION_DENIED.withDescription(
                    "client certificate CN '" + cn.get() + "' is not mapped to an ESI project"));
        }
        return Contexts.interceptCall(Context.current().withValue(PROJECT, project.get()), call, headers, next);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }

    /** The subject CN of the peer's (verified) leaf certificate, if any. */
    static Optional<String> commonName(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        try {
            // getRdns() lists the name right to left; the leftmost CN is the most specific one.
            java.util.List<Rdn> rdns = new LdapName(leaf.getSubjectX500Principal().getName()).getRdns();
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if ("CN".equalsIgnoreCase(rdns.get(i).getType())) {
                    return Optional.of(rdns.get(i).getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
