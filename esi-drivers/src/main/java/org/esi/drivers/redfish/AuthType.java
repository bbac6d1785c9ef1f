package org.esi.drivers.redfish;

import java.util.Locale;
import java.util.Optional;

/** How the driver authenticates, as Ironic's {@code redfish_auth_type}. */
public enum AuthType {
    /** A Redfish session (X-Auth-Token); fails if the BMC offers none. */
    SESSION,
    /** HTTP basic authentication on every request. */
    BASIC,
    /** A session when the BMC offers one, basic otherwise. */
    AUTO;

    static Optional<AuthType> parse(String text) {
        try {
            return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
