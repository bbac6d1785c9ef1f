package org.esi.drivers.redfish;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code redfish_verify_ca} asked for: the JDK's trust store, no verification at all, or a CA bundle file.
 * A record so it can key the cache of HTTP clients (one per distinct TLS setup).
 */
public record TlsVerification(Mode mode, Optional<Path> caBundle) {
    public enum Mode { SYSTEM, NONE, CA_BUNDLE }

    public static final TlsVerification SYSTEM = new TlsVerification(Mode.SYSTEM, Optional.empty());
    public static final TlsVerification NONE = new TlsVerification(Mode.NONE, Optional.empty());

    public static TlsVerification bundle(Path path) {
        return new TlsVerification(Mode.CA_BUNDLE, Optional.of(path));
    }
}
