package org.esi.cluster.autoscaler;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The autoscaler listener's settings: where it listens, its TLS identity, the CA that signs the autoscalers'
 * client certificates, and which ESI project each client certificate (by its subject CN) acts for.
 *
 * @param address  the address to listen on ("0.0.0.0" for all)
 * @param port     the TCP port; 0 picks a free one (tests)
 * @param tlsCert  PEM certificate chain of the server
 * @param tlsKey   the server's unencrypted PKCS#8 PEM private key
 * @param clientCa PEM certificate(s) that client certificates must chain to
 * @param clients  client certificate subject CN → ESI project id; a CN not listed is refused every call
 */
public record AutoscalerSettings(String address, int port, Path tlsCert, Path tlsKey, Path clientCa, Map<String, String> clients) {
    public AutoscalerSettings {
        requireNonNull(address, "address");
        requireNonNull(tlsCert, "tlsCert");
        requireNonNull(tlsKey, "tlsKey");
        requireNonNull(clientCa, "clientCa");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535");
        }
        clients = Map.copyOf(clients);
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("at least one client CN must map to a project");
        }
    }

    /** The project the holder of a certificate with this subject CN acts for. */
    public Optional<String> projectFor(String commonName) {
        return Optional.ofNullable(commonName).map(clients::get);
    }

    /**
     * Parses {@code cn=project-id[,cn=project-id...]}. A CN may itself hold "=", so each entry splits at its
     * last "="; white space around names is dropped.
     *
     * @throws IllegalArgumentException naming the entry that is malformed or repeats a CN
     */
    public static Map<String, String> parseClients(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            String entry = part.trim();
            int eq = entry.lastIndexOf('=');
            String cn = eq < 0 ? "" : entry.substring(0, eq).trim();
            String project = eq < 0 ? "" : entry.substring(eq + 1).trim();
            if (cn.isEmpty() || project.isEmpty()) {
                throw new IllegalArgumentException("entry '" + entry + "' is not cn=project-id");
            }
            if (out.putIfAbsent(cn, project) != null) {
                throw new IllegalArgumentException("CN '" + cn + "' is listed twice");
            }
        }
        return out;
    }
}
