package org.esi.federation;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code federation.site-name}, {@code federation.role-map} and {@code federation.peer-timeout} (docs/federation.md). A site name is what peers
 * register this site as, the issuer of its assertions and the prefix of its shadow projects elsewhere.
 */
public record FederationSettings(String siteName, RoleMap roleMap, java.time.Duration peerTimeout) {
    /** {@code federation.peer-timeout}: how long a fan-out waits for each peer before it reports it as {@code timeout}. */
    public static final java.time.Duration DEFAULT_PEER_TIMEOUT = java.time.Duration.ofSeconds(2);
    /** No '/': a shadow project is named {@code <site>/<project>}, and local names cannot hold one. */
    static final Pattern SITE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");
    public static final String DEFAULT_SITE_NAME = "local";

    public FederationSettings {
        Objects.requireNonNull(roleMap);
        Objects.requireNonNull(peerTimeout);
        if (siteName == null || !SITE_NAME.matcher(siteName).matches()) {
            throw new IllegalArgumentException("a site name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    public FederationSettings(String siteName, RoleMap roleMap) {
        this(siteName, roleMap, DEFAULT_PEER_TIMEOUT);
    }

    public static boolean isSiteName(String name) {
        return name != null && SITE_NAME.matcher(name).matches();
    }
}
